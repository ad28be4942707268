// How CSI errors read and what they mean for a retry, as the sidecars judge gRPC status codes:
// the external-provisioner's checkError (may the work still be running? reschedule?) and the
// external-resizer's IsFinalError / IsInfeasibleError. Text follows grpc-go's status error.
import { type CsiCode, CsiError } from '../../storage/csi/types';

/** grpc-go's codes.Code String() names. */
const GO_NAMES: Record<CsiCode, string> = {
  OK: 'OK',
  CANCELLED: 'Canceled',
  UNKNOWN: 'Unknown',
  INVALID_ARGUMENT: 'InvalidArgument',
  DEADLINE_EXCEEDED: 'DeadlineExceeded',
  NOT_FOUND: 'NotFound',
  ALREADY_EXISTS: 'AlreadyExists',
  PERMISSION_DENIED: 'PermissionDenied',
  RESOURCE_EXHAUSTED: 'ResourceExhausted',
  FAILED_PRECONDITION: 'FailedPrecondition',
  ABORTED: 'Aborted',
  OUT_OF_RANGE: 'OutOfRange',
  UNIMPLEMENTED: 'Unimplemented',
  INTERNAL: 'Internal',
  UNAVAILABLE: 'Unavailable',
};

/** "rpc error: code = X desc = Y" for a CsiError (unless already so worded); the message otherwise. */
export function rpcErrorText(err: unknown): string {
  if (err instanceof CsiError) return err.message.startsWith('rpc error:') ? err.message : `rpc error: code = ${GO_NAMES[err.code]} desc = ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

const codeOf = (err: unknown): CsiCode | undefined => (err instanceof CsiError ? err.code : undefined);

/** Codes after which the driver may still be working on the request. */
const IN_FLIGHT: ReadonlySet<CsiCode> = new Set(['CANCELLED', 'DEADLINE_EXCEEDED', 'UNAVAILABLE', 'ABORTED']);

export type ProvisioningState = 'finished' | 'in-background' | 'reschedule';

/**
 * The provisioner's reading of a CreateVolume failure. Not a CSI error: the call may not have
 * reached the driver, so be safe (in background). Out of space with a selected node and a
 * topology-aware driver: another node may do, so ask the scheduler again.
 */
export function provisioningState(err: unknown, mayReschedule: boolean): ProvisioningState {
  const code = codeOf(err);
  if (code === undefined) return 'in-background';
  if (code === 'RESOURCE_EXHAUSTED') return mayReschedule ? 'reschedule' : 'finished';
  return IN_FLIGHT.has(code) ? 'in-background' : 'finished';
}

/** The provisioner delays retries of requests the driver called invalid. */
export const isInvalidArgument = (err: unknown): boolean => codeOf(err) === 'INVALID_ARGUMENT';

/** The resizer's final errors: the expansion is for sure not running any more. */
export function isFinalError(err: unknown): boolean {
  const code = codeOf(err);
  if (code === undefined) return false;
  return !IN_FLIGHT.has(code) && code !== 'RESOURCE_EXHAUSTED';
}

/** The resizer's infeasible errors: retrying the same size will not help. */
export function isInfeasibleError(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'INVALID_ARGUMENT' || code === 'OUT_OF_RANGE' || code === 'NOT_FOUND';
}
