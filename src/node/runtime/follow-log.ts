// Streams a CRI log file's text (without the timestamp/stream/tag prefix) from its current end
// while `alive()` holds and the client stays: the output half of `kubectl attach`.
import { open } from 'node:fs/promises';
import type { StreamIO } from '../types';

/** `<time> <stream> <P|F> <text>` → text, with a newline after full (F) lines. */
export function criLineText(line: string): { stream: 'stdout' | 'stderr'; text: string } | undefined {
  const m = /^\S+ (stdout|stderr) ([PF]) (.*)$/.exec(line);
  if (!m) return undefined;
  return { stream: m[1] as 'stdout' | 'stderr', text: m[3] + (m[2] === 'F' ? '\n' : '') };
}

export async function followLog(path: string, io: StreamIO, alive: () => Promise<boolean>): Promise<void> {
  const fh = await open(path, 'r');
  try {
    let pos = (await fh.stat()).size;
    let rest = '';
    for (;;) {
      if (io.signal?.aborted) return;
      const { size } = await fh.stat();
      if (size > pos) {
        const buf = Buffer.alloc(size - pos);
        await fh.read(buf, 0, buf.length, pos);
        pos = size;
        const lines = (rest + buf.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) {
          const r = criLineText(l);
          if (!r) continue;
          const out = r.stream === 'stderr' && !io.tty ? io.stderr : io.stdout;
          out?.write(r.text);
        }
      } else if (!(await alive())) return;
      else await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await fh.close();
  }
}
