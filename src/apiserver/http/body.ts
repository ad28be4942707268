// Reads and decodes request bodies. Malformed input is a 400 that says where it broke.
import type { IncomingMessage } from 'node:http';
import { yaml } from '../../machinery/lazy';
import { ApiError, errors } from '../../machinery/errors';
import { checkNesting, maxNestingDepth, textNestedDeeperThan, tooDeep } from './nesting';
import { decodeProtobufBody } from '../../machinery/protobuf';
import type { BodyFormat } from './negotiate';

/** kube-apiserver's default limit for a request body. */
export const maxBodyBytes = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw errors.tooLarge(`Request entity too large: limit is ${limit}`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function decodeBody(buf: Buffer, format: BodyFormat): unknown {
  if (format === 'protobuf') return checkNesting(decodeProtobufBody(buf));
  const text = buf.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the body of the request is empty');
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch (err) {
      throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`, err);
    }
    return checkNesting(parsed);
  }
  // The YAML parser is not safe on pathological nesting, so look before parsing.
  if (textNestedDeeperThan(text, maxNestingDepth)) throw tooDeep();
  try {
    return checkNesting(yaml().parse(text, { uniqueKeys: true, maxAliasCount: 100 }) as unknown);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw errors.badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0] ?? ''}`, err);
  }
}
