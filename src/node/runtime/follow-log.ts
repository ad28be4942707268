// Streams a CRI log file's text (without the timestamp/stream/tag prefix) from its current end
// while `alive()` holds and the client stays: the output half of `kubectl attach`. Reads at most
// 64 KiB a step however fast the container writes, and follows conmon's rotation (a new file
// renamed over the path) after draining the old file.
import { once } from 'node:events';
import { type FileHandle, open, stat } from 'node:fs/promises';
import type { StreamIO } from '../types';

const step = 64 * 1024;
/** Longer than any line conmon writes (it splits at 8 KiB); such a line is dropped. */
const maxLine = 64 * 1024;

/** `<time> <stream> <P|F> <text>` → text, with a newline after full (F) lines. */
export function criLineText(line: string): { stream: 'stdout' | 'stderr'; text: string } | undefined {
  const m = /^\S+ (stdout|stderr) ([PF]) (.*)$/.exec(line);
  if (!m) return undefined;
  return { stream: m[1] as 'stdout' | 'stderr', text: m[3] + (m[2] === 'F' ? '\n' : '') };
}

function drained(out: NodeJS.WritableStream, signal: AbortSignal | undefined): Promise<void> {
  return once(out, 'drain', signal ? { signal } : {}).then(() => undefined, () => undefined);
}

async function renamedOver(fh: FileHandle, path: string): Promise<boolean> {
  const [cur, now] = await Promise.all([fh.stat(), stat(path).catch(() => undefined)]);
  return now !== undefined && (now.ino !== cur.ino || now.dev !== cur.dev);
}

export async function followLog(path: string, io: StreamIO, alive: () => Promise<boolean>): Promise<void> {
  let fh = await open(path, 'r');
  try {
    let pos = (await fh.stat()).size;
    let rest = '';
    let skipping = false;
    let rotated = false;
    const buf = Buffer.alloc(step);
    for (;;) {
      if (io.signal?.aborted) return;
      const { bytesRead } = await fh.read(buf, 0, step, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        const lines = (rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        if (rest.length > maxLine) {
          rest = '';
          skipping = true;
        }
        for (const l of lines) {
          if (skipping) {
            skipping = false;
            continue;
          }
          const r = criLineText(l);
          if (!r) continue;
          const out = r.stream === 'stderr' && !io.tty ? io.stderr : io.stdout;
          // A slow client holds the reading back rather than our memory.
          if (out && !out.write(r.text)) await drained(out, io.signal);
        }
        continue;
      }
      if (rotated) {
        rotated = false;
        const next = await open(path, 'r').catch(() => undefined);
        if (next) {
          await fh.close();
          fh = next;
          pos = 0;
          rest = '';
          skipping = false;
          continue;
        }
      }
      // One more read of the old file first: conmon flushes it before renaming the new one over.
      if (await renamedOver(fh, path)) rotated = true;
      else if (!(await alive())) return;
      else await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await fh.close();
  }
}
