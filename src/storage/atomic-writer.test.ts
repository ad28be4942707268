import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { versionDirPrefix, writeAtomically } from './atomic-writer';
import type { Payload } from './payload';

let base: string;
let n = 0;
const dir = () => join(base, String(n++));
const p = (files: Record<string, string | [string, number]>): Payload =>
  new Map(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? { data: Buffer.from(v), mode: 0o644 } : { data: Buffer.from(v[0]), mode: v[1] }]));
const t0 = new Date('2026-11-28T06:00:00.123Z');

before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-atomic-')));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('versionDirPrefix is the UTC timestamp upstream uses', () => {
  assert.equal(versionDirPrefix(t0), '..2026_11_28_06_00_00.');
});

test('layout: a timestamped version dir, ..data, user-visible symlinks; modes applied', async () => {
  const d = dir();
  assert.equal(await writeAtomically(d, p({ a: 'A', 'sub/b': ['B', 0o400] }), t0), true);
  const data = await readlink(join(d, '..data'));
  assert.match(data, /^\.\.2026_11_28_06_00_00\.\w{6}$/);
  assert.equal(await readlink(join(d, 'a')), '..data/a');
  assert.equal(await readlink(join(d, 'sub')), '..data/sub');
  assert.equal(await readFile(join(d, 'sub/b'), 'utf8'), 'B');
  assert.equal((await stat(join(d, 'sub/b'))).mode & 0o777, 0o400);
  assert.equal((await stat(join(d, 'a'))).mode & 0o777, 0o644);
  assert.deepEqual((await readdir(d)).sort(), [data, '..data', 'a', 'sub'].sort());
});

test('unchanged payload: nothing rewritten; changed: new version, old removed, dropped keys unlinked', async () => {
  const d = dir();
  await writeAtomically(d, p({ a: 'A', b: 'B' }), t0);
  const v1 = await readlink(join(d, '..data'));
  assert.equal(await writeAtomically(d, p({ a: 'A', b: 'B' }), t0), false);
  assert.equal(await readlink(join(d, '..data')), v1);
  assert.equal(await writeAtomically(d, p({ a: ['A', 0o600], b: 'B' }), t0), true, 'a mode change is a change');
  const v2 = await readlink(join(d, '..data'));
  assert.notEqual(v2, v1);
  assert.equal(await writeAtomically(d, p({ a: 'A2' }), t0), true);
  const names = await readdir(d);
  assert.ok(!names.includes(v1) && !names.includes(v2), 'old versions removed');
  assert.ok(!names.includes('b'), 'dropped key unlinked');
  assert.equal(await readFile(join(d, 'a'), 'utf8'), 'A2');
});

test('paths escaping the volume are refused before anything is written', async () => {
  const d = dir();
  for (const bad of ['../x', '/etc/x', 'a/../../x', '..data', 'a//b']) {
    await assert.rejects(writeAtomically(d, p({ ok: '1', [bad]: 'x' }), t0), /invalid path/, bad);
  }
  assert.equal(await lstat(join(d, '..data')).catch(() => undefined), undefined);
});

test('a reader looping on the file sees only whole old or whole new contents', async () => {
  const d = dir();
  const big = (c: string) => c.repeat(256 * 1024);
  await writeAtomically(d, p({ key: big('a'), other: '1' }), t0);
  // A separate process reads as fast as it can and reports anything that is not a complete version.
  const reader = spawn(process.execPath, ['-e', `
    const fs = require('fs'); let reads = 0, bad = 0, seen = new Set(); const end = Date.now() + 1500;
    while (Date.now() < end) {
      try { const s = fs.readFileSync(process.argv[1], 'utf8'); reads++;
        if (s.length !== 262144 || s !== s[0].repeat(262144)) bad++; else seen.add(s[0]); }
      catch (e) { bad++; }
    }
    console.log(JSON.stringify({ reads, bad, seen: [...seen] }));
  `, join(d, 'key')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  reader.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise((r) => reader.on('exit', r));
  let writes = 0;
  const letters = 'bcdefghijklmnopqrstuvwxyz';
  const start = Date.now();
  while (Date.now() - start < 1200) {
    await writeAtomically(d, p({ key: big(letters[writes % letters.length] ?? 'z'), other: String(writes) }), t0);
    writes++;
  }
  await done;
  const r = JSON.parse(out) as { reads: number; bad: number; seen: string[] };
  assert.equal(r.bad, 0, `torn or missing reads: ${out}`);
  assert.ok(r.reads > 50 && writes > 10 && r.seen.length > 2, `exercised: ${out}, writes=${writes}`);
});
