// The output half of attach: following a CRI log written by real conmon across its rotation,
// and a log that grows by far more than one read between polls.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startConmonLogger } from '../streaming/testing/conmon-logger';
import { followLog } from './follow-log';

function sink(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { out, text: () => text };
}

describe('followLog', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-follow-log-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('follows conmon across rotations of the log at its size cap', async () => {
    const script = 'sleep 0.5\ni=0\nwhile [ $i -lt 16 ]; do seq -f "line-%g" $((i*500+1)) $((i*500+500)); i=$((i+1)); sleep 0.3; done\n';
    const c = await startConmonLogger(join(dir, 'conmon'), script, 64 * 1024);
    const s = sink();
    try {
      await followLog(c.logPath, { tty: false, stdout: s.out, signal: AbortSignal.timeout(30_000) }, async () => c.running());
    } finally {
      await c.kill();
    }
    assert.equal(s.text(), Array.from({ length: 16 * 500 }, (_, i) => `line-${i + 1}\n`).join(''));
    // conmon did rotate: the first lines are gone from the file.
    assert.ok((await stat(c.logPath)).size <= 64 * 1024, 'the log should stay within its cap');
  });

  it('reads a log that grew by 256 MiB in steps, without holding it in memory', async () => {
    const p = join(dir, 'big.log');
    await writeFile(p, '');
    const s = sink();
    let done = false;
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)), 2);
    const following = followLog(p, { tty: false, stdout: s.out, signal: AbortSignal.timeout(60_000) }, async () => !done);
    try {
      await new Promise((r) => setTimeout(r, 100));
      // Sparse: a 256 MiB run without a newline (dropped as no CRI line), then one real line.
      await truncate(p, 256 * 1024 * 1024);
      await appendFile(p, '\n2026-01-01T00:00:00Z stdout F after the flood\n');
      for (let i = 0; i < 600 && !s.text().includes('after the flood'); i++) await new Promise((r) => setTimeout(r, 50));
      done = true;
      await following;
    } finally {
      clearInterval(sampler);
    }
    assert.equal(s.text(), 'after the flood\n');
    assert.ok(peak < 32 * 1024 * 1024, `buffers grew by ${peak} bytes`);
  });
});
