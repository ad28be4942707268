// SPDY/3 compresses every header block of a session through ONE zlib stream per direction, so
// each block is a sync-flushed continuation of the previous ones (draft 3, section 2.6.10).
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { spdyDictionary } from './dictionary';

type Engine = Deflate | Inflate;

/** Feeds one block and collects what it flushes; calls must not overlap (callers serialize). */
function step(engine: Engine, block: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    engine.once('error', onError);
    engine.write(block);
    engine.flush(constants.Z_SYNC_FLUSH, () => {
      engine.off('error', onError);
      // Paused mode: everything the flush produced is buffered by now.
      const out: Buffer[] = [];
      let chunk: unknown;
      while ((chunk = engine.read()) !== null) out.push(chunk as Buffer);
      resolve(Buffer.concat(out));
    });
  });
}

export class HeaderCodec {
  private readonly inflater = createInflate({ dictionary: spdyDictionary });
  private readonly deflater = createDeflate({ dictionary: spdyDictionary });
  private inChain: Promise<unknown> = Promise.resolve();
  private outChain: Promise<unknown> = Promise.resolve();

  inflate(block: Buffer): Promise<Buffer> {
    const p = this.inChain.then(() => step(this.inflater, block));
    this.inChain = p.catch(() => undefined);
    return p;
  }

  deflate(block: Buffer): Promise<Buffer> {
    const p = this.outChain.then(() => step(this.deflater, block));
    this.outChain = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.inflater.close();
    this.deflater.close();
  }
}
