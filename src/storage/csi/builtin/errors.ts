// Pool errors as CSI status codes, so callers (provisioner, resizer, node volume manager, the
// gRPC server) see what the spec defines: NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION...
import { PoolError, type PoolErrorKind } from '../../pool/errors';
import { type CsiCode, CsiError } from '../types';

const CODE: Record<PoolErrorKind, CsiCode> = {
  NotFound: 'NOT_FOUND',
  AlreadyExists: 'ALREADY_EXISTS',
  InUse: 'FAILED_PRECONDITION',
  InvalidArgument: 'INVALID_ARGUMENT',
  OutOfRange: 'OUT_OF_RANGE',
  CommandFailed: 'INTERNAL',
};

export function toCsiError(e: unknown): unknown {
  if (e instanceof CsiError) return e;
  if (e instanceof PoolError) return new CsiError(CODE[e.kind], e.message, { cause: e });
  if (e instanceof Error) return new CsiError('INTERNAL', e.message, { cause: e });
  return e;
}

/** Runs `fn`, turning whatever it throws into a CsiError. */
export async function csiCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toCsiError(e);
  }
}

export const invalidArgument = (m: string): CsiError => new CsiError('INVALID_ARGUMENT', m);
