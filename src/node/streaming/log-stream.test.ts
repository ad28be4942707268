// Serving `kubectl logs --tail` from a log too large to read whole, and `logs -f` across
// conmon's own rotation (--log-size-max): real conmon logging a script's output.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { streamLogs } from './log-stream';
import { startConmonLogger } from './testing/conmon-logger';

function sink(): { out: Writable; text: () => string } {
  const parts: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      cb();
    },
  });
  return { out, text: () => Buffer.concat(parts).toString() };
}

const cri = (i: number) => `2026-01-01T00:00:00.000000000Z stdout F line-${i}`;

describe('streamLogs', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-log-stream-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('serves --tail from the end of a 3 GiB log', async () => {
    const p = join(dir, 'huge.log');
    await writeFile(p, '');
    await truncate(p, 3 * 1024 ** 3);
    await appendFile(p, '\n' + [1, 2, 3].map(cri).join('\n') + '\n');
    const s = sink();
    await streamLogs({ path: p, opts: { follow: false, previous: false, timestamps: false, tailLines: 2 }, out: s.out, signal: new AbortController().signal, stillWriting: async () => false });
    assert.equal(s.text(), 'line-2\nline-3\n');
  });

  it('logs -f keeps every line while conmon rotates the log at its size cap, which it never exceeds', async () => {
    const cap = 64 * 1024;
    // 24 bursts of ~24 KiB of log each: conmon replaces the file every few bursts.
    const script = 'i=0\nwhile [ $i -lt 24 ]; do seq -f "line-%g" $((i*500+1)) $((i*500+500)); i=$((i+1)); sleep 0.25; done\n';
    const c = await startConmonLogger(join(dir, 'conmon'), script, cap);
    const s = sink();
    let maxSize = 0;
    const watcher = setInterval(() => void stat(c.logPath).then((st) => (maxSize = Math.max(maxSize, st.size)), () => undefined), 20);
    try {
      await streamLogs({ path: c.logPath, opts: { follow: true, previous: false, timestamps: false }, out: s.out, signal: AbortSignal.timeout(30_000), stillWriting: async () => c.running(), pollMs: 50 });
    } finally {
      clearInterval(watcher);
      await c.kill();
    }
    const want = Array.from({ length: 24 * 500 }, (_, i) => `line-${i + 1}\n`).join('');
    assert.equal(s.text(), want);
    assert.ok(maxSize <= cap, `the log reached ${maxSize} bytes`);
    assert.ok((await stat(c.logPath)).size < 24 * 500 * 40, 'conmon should have dropped the rotated lines');
  });
});
