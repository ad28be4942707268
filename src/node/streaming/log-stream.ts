// Reads a CRI log file from the start (or its last N lines) into a writable, and with `follow`
// keeps reading what is appended until the container instance ends or the client goes away.
import { once } from 'node:events';
import { open, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatEntry, type LogOptions, parseCriLine, tailStart, wanted } from './logs';

export interface LogStreamOptions {
  path: string;
  opts: LogOptions;
  out: NodeJS.WritableStream;
  signal: AbortSignal;
  /** Whether the instance that writes `path` still runs; following stops once it does not. */
  stillWriting: () => Promise<boolean>;
  pollMs?: number;
}

export async function streamLogs(o: LogStreamOptions): Promise<void> {
  const { opts, out, signal } = o;
  const fh = await open(o.path, 'r');
  try {
    let pos = opts.tailLines === undefined ? 0 : tailStart(await readFile(o.path), opts.tailLines);
    let rest = Buffer.alloc(0);
    let budget = opts.limitBytes ?? Infinity;
    const buf = Buffer.alloc(64 * 1024);
    let ending = false;
    let lastCheck = 0;
    for (;;) {
      if (signal.aborted) return;
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        const data = Buffer.concat([rest, buf.subarray(0, bytesRead)]);
        const lastNl = data.lastIndexOf(0x0a);
        rest = Buffer.from(data.subarray(lastNl + 1));
        if (lastNl < 0) continue;
        let text = '';
        for (const line of data.subarray(0, lastNl).toString('utf8').split('\n')) {
          const e = parseCriLine(line);
          if (e && wanted(e, opts)) text += formatEntry(e, opts.timestamps);
        }
        let chunk = Buffer.from(text);
        if (chunk.length > budget) chunk = chunk.subarray(0, budget);
        budget -= chunk.length;
        if (chunk.length > 0 && !out.write(chunk)) await once(out, 'drain', { signal }).catch(() => undefined);
        if (budget <= 0) return;
        continue;
      }
      if (!opts.follow || ending) return;
      // Checked at most once a second: the runtime answers from disk.
      const now = Date.now();
      if (now - lastCheck >= 1000) {
        lastCheck = now;
        // One more read after the writer stopped picks up its last lines.
        if (!(await o.stillWriting().catch(() => false))) ending = true;
      }
      if (!ending) await sleep(o.pollMs ?? 200, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    await fh.close();
  }
}
