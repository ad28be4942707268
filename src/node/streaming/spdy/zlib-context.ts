// SPDY/3 compresses every header block of a session through ONE zlib stream per direction, so
// each block is a sync-flushed continuation of the previous ones (draft 3, section 2.6.10).
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { spdyDictionary } from './dictionary';

/**
 * The most one header block may inflate to. A few hundred compressed bytes can inflate to
 * gigabytes, so the output is counted as it comes and the stream is stopped past this.
 */
export const maxHeaderBlock = 1 << 20;

export class HeaderBlockTooLarge extends Error {}

/** One zlib stream in flowing mode; a step gathers what one block's sync flush produces. */
class Engine {
  private sink: ((b: Buffer) => void) | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly z: Deflate | Inflate,
    private readonly limit: number,
  ) {
    z.on('data', (b: Buffer) => this.sink?.(b));
  }

  /** Steps run one after another, as each continues the previous one's stream. */
  step(block: Buffer): Promise<Buffer> {
    const p = this.chain.then(() => this.run(block));
    this.chain = p.catch(() => undefined);
    return p;
  }

  private run(block: Buffer): Promise<Buffer> {
    if (this.z.destroyed) return Promise.reject(new Error('the SPDY header compression stream is closed'));
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      let size = 0;
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        this.sink = undefined;
        this.z.off('error', settle);
        if (!err) return resolve(Buffer.concat(out, size));
        // The stream is mid-block and unusable; stop it so it inflates nothing more.
        this.z.destroy();
        reject(err);
      };
      this.sink = (b) => {
        size += b.length;
        if (size > this.limit) settle(new HeaderBlockTooLarge(`SPDY header block inflates past ${this.limit} bytes`));
        else out.push(b);
      };
      this.z.once('error', settle);
      this.z.write(block);
      this.z.flush(constants.Z_SYNC_FLUSH, () => {
        // Output still buffered (if any) goes out through 'data' before we settle.
        while (!settled && this.z.read() !== null);
        settle();
      });
    });
  }

  close(): void {
    this.z.destroy();
  }
}

export class HeaderCodec {
  private readonly inflater: Engine;
  private readonly deflater: Engine;

  constructor(limit = maxHeaderBlock) {
    this.inflater = new Engine(createInflate({ dictionary: spdyDictionary }), limit);
    // What we compress is ours and small; the limit only guards against a bug.
    this.deflater = new Engine(createDeflate({ dictionary: spdyDictionary }), Number.MAX_SAFE_INTEGER);
  }

  /** Rejects with HeaderBlockTooLarge (and is unusable afterwards) when the block inflates past the limit. */
  inflate(block: Buffer): Promise<Buffer> {
    return this.inflater.step(block);
  }

  deflate(block: Buffer): Promise<Buffer> {
    return this.deflater.step(block);
  }

  close(): void {
    this.inflater.close();
    this.deflater.close();
  }
}
