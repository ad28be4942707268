import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { diskUsage, emptyDirOverLimit, setUpEmptyDir } from './empty-dir';
import { mountsAt, mountPointsUnder, unmount } from './mounts';

let base: string;
before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-emptydir-')));
});
after(async () => {
  for (const p of await mountPointsUnder(base)) await unmount(p);
  await rm(base, { recursive: true, force: true });
});

test('disk emptyDir: a 0777 directory, idempotent, content kept', async () => {
  const dir = join(base, 'disk');
  await setUpEmptyDir(dir, {});
  assert.equal((await stat(dir)).mode & 0o777, 0o777);
  await writeFile(join(dir, 'f'), 'x');
  await setUpEmptyDir(dir, {});
  assert.ok((await stat(join(dir, 'f'))).isFile());
  assert.deepEqual(await mountsAt(dir), [], 'not a mount');
});

test('Memory emptyDir: a tmpfs sized by sizeLimit, mounted once', async () => {
  const dir = join(base, 'mem');
  await setUpEmptyDir(dir, { medium: 'Memory', sizeLimit: '8Mi' });
  await setUpEmptyDir(dir, { medium: 'Memory', sizeLimit: '8Mi' });
  const info = await import('node:fs/promises').then((fs) => fs.readFile('/proc/self/mountinfo', 'utf8'));
  const lines = info.split('\n').filter((l) => l.split(' ')[4] === dir);
  assert.equal(lines.length, 1, 'mounted exactly once');
  assert.match(lines[0] ?? '', / - tmpfs tmpfs .*size=8192k/);
  // tmpfs enforces the size: writing past it fails.
  await assert.rejects(writeFile(join(dir, 'big'), Buffer.alloc(9 * 1024 * 1024)), /ENOSPC/);
  await unmount(dir);
});

test('unsupported medium is refused', async () => {
  await assert.rejects(setUpEmptyDir(join(base, 'huge'), { medium: 'HugePages-2Mi' }), /not supported/);
});

test('diskUsage counts allocated blocks once per inode', async () => {
  const dir = join(base, 'usage');
  await setUpEmptyDir(dir, {});
  const empty = await diskUsage(dir);
  await writeFile(join(dir, 'a'), Buffer.alloc(1024 * 1024, 1));
  const one = await diskUsage(dir);
  assert.ok(one - empty >= 1024n * 1024n, `grew by ${one - empty}`);
  const { link } = await import('node:fs/promises');
  await link(join(dir, 'a'), join(dir, 'b'));
  assert.equal(await diskUsage(dir), one, 'a hard link adds nothing');
});

test('emptyDirOverLimit: upstream message, only above the limit', () => {
  assert.equal(emptyDirOverLimit('cache', { sizeLimit: '100Mi' }, 100n * 1024n * 1024n), undefined);
  assert.equal(emptyDirOverLimit('cache', { sizeLimit: '100Mi' }, 100n * 1024n * 1024n + 1n), 'Usage of EmptyDir volume "cache" exceeds the limit "100Mi".');
  assert.equal(emptyDirOverLimit('cache', {}, 1n << 40n), undefined);
});
