// Finding where the last N lines of a log start by reading it backwards in blocks, so the cost
// is the size of the tail, not of the file (which a chatty container makes as large as it likes).
import type { FileHandle } from 'node:fs/promises';

const block = 64 * 1024;

/**
 * Offset at which the last `lines` lines of the file's first `size` bytes start (a trailing
 * newline ends the last line). Reads at most `maxBytes` back: if the lines go further, the
 * offset is the start of the first whole line within that reach.
 */
export async function tailOffset(fh: FileHandle, size: number, lines: number, maxBytes = Number.MAX_SAFE_INTEGER): Promise<number> {
  if (lines === 0) return size;
  const floor = Math.max(0, size - maxBytes);
  const buf = Buffer.alloc(Math.min(block, size - floor));
  let end = size;
  let count = 0;
  let skipTrailing = true;
  let lastNewline = -1;
  while (end > floor) {
    const start = Math.max(floor, end - buf.length);
    const { bytesRead } = await fh.read(buf, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) {
        skipTrailing = false;
        continue;
      }
      if (skipTrailing) {
        skipTrailing = false;
        continue;
      }
      lastNewline = start + i;
      if (++count === lines) return start + i + 1;
    }
    end = start;
  }
  if (floor === 0) return 0;
  // Cut short by maxBytes: start after the earliest newline seen, as the line before it is partial.
  return lastNewline >= 0 ? lastNewline + 1 : size;
}

/** The last `lines` lines of the file at `path`, reading at most `maxBytes` from its end. */
export async function readTail(fh: FileHandle, lines: number, maxBytes: number): Promise<Buffer> {
  const { size } = await fh.stat();
  const from = await tailOffset(fh, size, lines, maxBytes);
  const out = Buffer.alloc(size - from);
  const { bytesRead } = await fh.read(out, 0, out.length, from);
  return out.subarray(0, bytesRead);
}
