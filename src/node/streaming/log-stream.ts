// Reads a CRI log file from the start (or its last N lines) into a writable, and with `follow`
// keeps reading what is appended until the container instance ends or the client goes away.
// conmon rotates a log by renaming a fresh file over it (--log-size-max): a follower drains the
// old file, then carries on at the start of the new one.
import { once } from 'node:events';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tailOffset } from './log-tail';
import { formatEntry, type LogOptions, parseCriLine, wanted } from './logs';

export interface LogStreamOptions {
  path: string;
  opts: LogOptions;
  out: NodeJS.WritableStream;
  signal: AbortSignal;
  /** Whether the instance that writes `path` still runs; following stops once it does not. */
  stillWriting: () => Promise<boolean>;
  pollMs?: number;
}

/** A line longer than this is not a CRI line conmon wrote (it splits at 8 KiB); it is skipped. */
export const maxLogLine = 64 * 1024;

/** Whether `path` now names another file than `fh` (rotated) or `fh` shrank below `pos` (truncated). */
async function replaced(fh: FileHandle, path: string, pos: number): Promise<'rotated' | 'truncated' | undefined> {
  const [cur, now] = await Promise.all([fh.stat(), stat(path).catch(() => undefined)]);
  if (now && (now.ino !== cur.ino || now.dev !== cur.dev)) return 'rotated';
  return cur.size < pos ? 'truncated' : undefined;
}

export async function streamLogs(o: LogStreamOptions): Promise<void> {
  const { opts, out, signal } = o;
  let fh = await open(o.path, 'r');
  try {
    let pos = opts.tailLines === undefined ? 0 : await tailOffset(fh, (await fh.stat()).size, opts.tailLines);
    let rest = Buffer.alloc(0);
    let skipping = false;
    let budget = opts.limitBytes ?? Infinity;
    const buf = Buffer.alloc(64 * 1024);
    let ending = false;
    let rotated = false;
    let lastCheck = 0;
    for (;;) {
      if (signal.aborted) return;
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        const data = rest.length ? Buffer.concat([rest, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        const lastNl = data.lastIndexOf(0x0a);
        rest = Buffer.from(data.subarray(lastNl + 1));
        if (rest.length > maxLogLine) {
          rest = Buffer.alloc(0);
          skipping = true;
        }
        if (lastNl < 0) continue;
        let text = '';
        for (const line of data.subarray(0, lastNl).toString('utf8').split('\n')) {
          if (skipping) {
            skipping = false;
            continue;
          }
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
      if (!opts.follow) return;
      if (rotated) {
        // The old file is drained: go on with the one now at the path.
        rotated = false;
        const next = await open(o.path, 'r').catch(() => undefined);
        if (next) {
          await fh.close();
          fh = next;
          pos = 0;
          rest = Buffer.alloc(0);
          skipping = false;
          continue;
        }
      }
      const change = await replaced(fh, o.path, pos);
      if (change === 'truncated') pos = 0;
      // Read the old file once more: its writer may have flushed a last batch before renaming.
      if (change) {
        rotated = change === 'rotated';
        continue;
      }
      if (ending) return;
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
