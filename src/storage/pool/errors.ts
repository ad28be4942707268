// Errors of the volume pool, with a kind the callers map to their own protocol (CSI status
// codes for the drivers, HTTP statuses for a Docker volume API).

export type PoolErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  /** The volume is mounted or attached; unmount/detach it first. */
  | 'InUse'
  | 'InvalidArgument'
  /** A size below the minimum or smaller than the volume's current size. */
  | 'OutOfRange'
  /** A host tool failed (the message names the command, its stderr and the fix). */
  | 'CommandFailed';

export class PoolError extends Error {
  constructor(readonly kind: PoolErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoolError';
  }
}

export const isPoolError = (e: unknown, kind: PoolErrorKind): boolean => e instanceof PoolError && e.kind === kind;
