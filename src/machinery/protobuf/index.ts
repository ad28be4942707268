// Entry point for the API server: a protobuf request body in, the equivalent JSON object out,
// failures as the API errors kube-apiserver would answer with.
import { ApiError, errors } from '../errors';
import { decodeK8sProtobuf, ProtobufDecodeError, UnsupportedProtobufKindError } from './decode';

export { decodeK8sProtobuf, ProtobufDecodeError, UnsupportedProtobufKindError, type DecodedObject } from './decode';

/**
 * Decodes an application/vnd.kubernetes.protobuf body. Malformed bytes are a 400 naming the field
 * and what broke; a kind Berth has no protobuf schema for is a 415, so the client can retry as JSON.
 */
export function decodeProtobufBody(buf: Uint8Array): Record<string, unknown> {
  try {
    return decodeK8sProtobuf(buf).object;
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw errors.badRequest(`failed to decode protobuf body: ${err.message}`, err);
    if (err instanceof UnsupportedProtobufKindError) {
      throw new ApiError('UnsupportedMediaType', err.message, undefined, { cause: err });
    }
    throw err;
  }
}
