// How kube-apiserver reports patch failures (k8s.io/apiserver handlers/patch.go): a document that
// does not decode is 400 BadRequest with the decoder's text; a JSON patch that decodes but cannot
// be applied is NewGenericServerResponse(422), whose Status keeps only a generic message and an
// empty details object. The library's own text stays on `cause` for logs.
import { ApiError } from '../errors';

export const NOT_APPLIED_MESSAGE = 'the server rejected our request due to an error in our request';

/** 422 Invalid with upstream's generic text; `detail` is what the patch library said. */
export function patchNotApplied(detail: string): ApiError {
  return new ApiError('Invalid', NOT_APPLIED_MESSAGE, {}, { cause: new Error(detail) });
}

/** 400 BadRequest carrying the decoder's or patch library's message verbatim. */
export function patchBadRequest(message: string): ApiError {
  return new ApiError('BadRequest', message);
}

/**
 * A malformed patch upstream does not classify (it surfaces there as a 500). The fault is in the
 * client's patch document, so Berth answers 400 with the same text: client input never causes a 500.
 */
export function patchInternal(message: string): ApiError {
  return new ApiError('BadRequest', message);
}

/** Parses a request body as JSON, failing as upstream's decoders do (400). */
export function decodeJsonBody(body: string | Uint8Array): unknown {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw patchBadRequest(e instanceof Error ? e.message : String(e));
  }
}
