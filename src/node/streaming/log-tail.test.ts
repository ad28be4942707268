import assert from 'node:assert/strict';
import { mkdtemp, open, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTail, tailOffset } from './log-tail';

describe('tailOffset', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-log-tail-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  async function tailOf(text: Buffer, n: number, maxBytes?: number): Promise<string> {
    const p = join(dir, 'f');
    await writeFile(p, text);
    const fh = await open(p, 'r');
    try {
      return text.subarray(await tailOffset(fh, text.length, n, maxBytes)).toString();
    } finally {
      await fh.close();
    }
  }

  const cases: [string, number, string][] = [
    ['a\nb\nc\n', 0, ''],
    ['a\nb\nc\n', 1, 'c\n'],
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc\n', 3, 'a\nb\nc\n'],
    ['a\nb\nc\n', 10, 'a\nb\nc\n'],
    ['a\nb', 1, 'b'],
    ['', 3, ''],
    ['\n\n', 1, '\n'],
  ];
  for (const [text, n, want] of cases) it(`last ${n} of ${JSON.stringify(text)}`, async () => assert.equal(await tailOf(Buffer.from(text), n), want));

  it('finds lines across 64 KiB blocks', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    const got = await tailOf(Buffer.from(lines.join('\n') + '\n'), 15_000);
    assert.equal(got, lines.slice(5_000).join('\n') + '\n');
  });

  it('stops at maxBytes and starts at the first whole line within reach', async () => {
    assert.equal(await tailOf(Buffer.from('aaaa\nbb\ncc\n'), 5, 7), 'bb\ncc\n');
    assert.equal(await tailOf(Buffer.from('aaaa\nbb\ncc\n'), 5, 6), 'cc\n');
    assert.equal(await tailOf(Buffer.from('aaaaaaaaaa\n'), 1, 4), '');
  });

  it('reads only the end of a file too large to read whole', async () => {
    const p = join(dir, 'huge');
    // Sparse: 3 GiB of hole, then lines; readFile refuses anything above 2 GiB.
    await writeFile(p, '');
    await truncate(p, 3 * 1024 ** 3);
    await appendFile(p, '\nfirst\nsecond\nthird\n');
    const fh = await open(p, 'r');
    try {
      assert.equal((await readTail(fh, 2, 1 << 20)).toString(), 'second\nthird\n');
    } finally {
      await fh.close();
    }
  });
});
