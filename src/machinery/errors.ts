// The one error catalog. Every failure a client can see is an ApiError with a stable reason;
// toStatus() (Kubernetes) and toDockerError() (Docker) are the only places they become bodies.
import { type FieldError, fieldErrorMessage } from './field-errors';
import { type GroupResource, grString } from './types';

export type Reason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'Timeout'
  | 'ServiceUnavailable'
  | 'InternalError';

const codes: Record<Reason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly code: number;
  constructor(
    readonly reason: Reason,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.code = codes[reason];
  }
}

const gr = (g: GroupResource, name: string): StatusDetails => ({ name, ...(g.group ? { group: g.group } : {}), kind: g.resource });

export const errors = {
  badRequest: (message: string, cause?: unknown) => new ApiError('BadRequest', message, undefined, { cause }),
  unauthorized: (message = 'Unauthorized') => new ApiError('Unauthorized', message),
  forbidden: (message: string) => new ApiError('Forbidden', message),
  notFound: (g: GroupResource, name: string) => new ApiError('NotFound', `${grString(g)} "${name}" not found`, gr(g, name)),
  /** 404 for a path that names no resource at all. */
  pathNotFound: (message = 'the server could not find the requested resource') => new ApiError('NotFound', message, {}),
  alreadyExists: (g: GroupResource, name: string) => new ApiError('AlreadyExists', `${grString(g)} "${name}" already exists`, gr(g, name)),
  conflict: (g: GroupResource, name: string, why: string) =>
    new ApiError('Conflict', `Operation cannot be fulfilled on ${grString(g)} "${name}": ${why}`, gr(g, name)),
  modified: (g: GroupResource, name: string) =>
    errors.conflict(g, name, 'the object has been modified; please apply your changes to the latest version and try again'),
  invalid: (kind: string, group: string, name: string, errs: readonly FieldError[]) => {
    const msgs = errs.map((e) => fieldErrorMessage(e));
    const joined = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
    return new ApiError('Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${joined}`, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: errs.map((e) => ({ reason: e.type, message: fieldErrorMessage(e, false), field: e.field })),
    });
  },
  expired: (message: string) => new ApiError('Expired', message),
  gone: (message: string) => new ApiError('Gone', message),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') => new ApiError('MethodNotAllowed', message, {}),
  notAcceptable: (message: string) => new ApiError('NotAcceptable', message),
  unsupportedMediaType: (contentType: string) =>
    new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got ${contentType}`),
  tooLarge: (message = 'Request entity too large') => new ApiError('RequestEntityTooLarge', message),
  timeout: (message: string) => new ApiError('Timeout', message),
  unavailable: (message: string) => new ApiError('ServiceUnavailable', message),
  internal: (err: unknown) =>
    new ApiError('InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`, { causes: [{ message: String(err) }] }, { cause: err }),
};

/** Any thrown value becomes an ApiError; unknown ones are internal errors that keep their cause. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // The store being down is the server's state, not a bug: 503, with the store's advice.
  if (err instanceof StoreError && err.code === 'Unavailable') return new ApiError('ServiceUnavailable', err.message, undefined, { cause: err });
  if (err instanceof StoreError) return errors.internal(err);
  return errors.internal(err);
}

export function toStatus(err: ApiError): Status {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason === 'BadRequest' ? 'BadRequest' : err.reason,
    code: err.code,
  };
  if (err.details) s.details = err.details;
  return s;
}

/** Docker Engine API errors are `{"message": "..."}` with the same HTTP status. */
export function toDockerError(err: ApiError): { status: number; body: { message: string } } {
  return { status: err.code, body: { message: err.message } };
}

// ---- store-level errors: raised by Backend drivers, mapped to ApiErrors by the apiserver ----

export type StoreErrorCode = 'KeyNotFound' | 'KeyExists' | 'RevisionMismatch' | 'Compacted' | 'Unavailable';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    readonly key: string,
    message: string,
    /** For Compacted: the oldest revision still available. For RevisionMismatch: the current one. */
    readonly revision?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
