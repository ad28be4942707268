// A pass-through stream that computes the sha256 digest and byte count of what flows through it:
// blobs are verified while they download and layers while they unpack, in one read each.
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface Digesting {
  stream: Transform;
  /** `sha256:<hex>` of everything that went through (call once, after the end). */
  digest(): string;
  size(): number;
}

export function digesting(onBytes?: (total: number) => void): Digesting {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      onBytes?.(size);
      cb(null, chunk);
    },
  });
  return { stream, digest: () => `sha256:${hash.digest('hex')}`, size: () => size };
}
