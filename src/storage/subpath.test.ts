import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mountsAt, mountPointsUnder, unmount } from './mounts';
import { mountSubPath } from './subpath';

let base: string;
let vol: string;
let n = 0;
const target = () => join(base, 'subpaths', String(n++));

before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-subpath-')));
  vol = join(base, 'vol');
  await mkdir(join(vol, 'data/inner'), { recursive: true });
  await writeFile(join(vol, 'data/inner/file.txt'), 'inside');
});
after(async () => {
  for (const p of await mountPointsUnder(base)) await unmount(p);
  await rm(base, { recursive: true, force: true });
});

test('a subPath directory is bind-mounted at the target (same inode)', async () => {
  const t = target();
  await mountSubPath({ volumeRoot: vol, subPath: 'data/inner', target: t, create: false });
  assert.equal((await mountsAt(t)).length, 1);
  assert.equal(await readFile(join(t, 'file.txt'), 'utf8'), 'inside');
  const [a, b] = [await stat(t), await stat(join(vol, 'data/inner'))];
  assert.deepEqual([a.dev, a.ino], [b.dev, b.ino]);
  // Repeating (a container restart) reuses the mount instead of stacking another.
  await mountSubPath({ volumeRoot: vol, subPath: 'data/inner', target: t, create: false });
  assert.equal((await mountsAt(t)).length, 1);
});

test('a subPath file is bind-mounted on a file', async () => {
  const t = target();
  await mountSubPath({ volumeRoot: vol, subPath: 'data/inner/file.txt', target: t, create: false });
  assert.equal(await readFile(t, 'utf8'), 'inside');
});

test('a symlink that stays inside the volume is allowed', async () => {
  await symlink('data/inner', join(vol, 'alias'));
  const t = target();
  await mountSubPath({ volumeRoot: vol, subPath: 'alias', target: t, create: false });
  assert.equal(await readFile(join(t, 'file.txt'), 'utf8'), 'inside');
});

test('a symlink to /etc or ../../.. is refused and nothing is mounted', async () => {
  await symlink('/etc', join(vol, 'etc-link'));
  await symlink('../../..', join(vol, 'up-link'));
  await symlink('/nonexistent-berth-x', join(vol, 'dangling'));
  for (const sub of ['etc-link', 'up-link', 'up-link/etc', 'data/../etc-link', 'dangling/x']) {
    const t = target();
    await assert.rejects(mountSubPath({ volumeRoot: vol, subPath: sub, target: t, create: true }), /outside|'\.\.'|dangling/, sub);
    assert.deepEqual(await mountsAt(t), [], sub);
  }
  await assert.rejects(stat('/nonexistent-berth-x'), /ENOENT/, 'nothing created through the dangling link');
});

test('absolute and backstepping subPaths are refused', async () => {
  await assert.rejects(mountSubPath({ volumeRoot: vol, subPath: '/etc', target: target(), create: true }), /relative/);
  await assert.rejects(mountSubPath({ volumeRoot: vol, subPath: '../x', target: target(), create: true }), /'\.\.'/);
});

test('race: a directory swapped for a symlink to /etc after the check cannot redirect the mount', async () => {
  await mkdir(join(vol, 'victim'));
  await writeFile(join(vol, 'victim/mine'), 'ok');
  const t = target();
  const swap = async () => {
    await rename(join(vol, 'victim'), join(vol, 'victim-moved'));
    await symlink('/etc', join(vol, 'victim'));
  };
  await assert.rejects(mountSubPath({ volumeRoot: vol, subPath: 'victim', target: t, create: false, afterCheck: swap }), /symlink/);
  assert.deepEqual(await mountsAt(t), []);
  // The same swap on an intermediate component.
  await mkdir(join(vol, 'p/q'), { recursive: true });
  const t2 = target();
  const swap2 = async () => {
    await rename(join(vol, 'p'), join(vol, 'p-moved'));
    await symlink('/', join(vol, 'p'));
  };
  await assert.rejects(mountSubPath({ volumeRoot: vol, subPath: 'p/q', target: t2, create: false, afterCheck: swap2 }), /symlink/);
  assert.deepEqual(await mountsAt(t2), []);
});

test('a missing subPath is created as a directory in a writable volume only', async () => {
  const t = target();
  await mountSubPath({ volumeRoot: vol, subPath: 'new/deep', target: t, create: true });
  assert.ok((await stat(join(vol, 'new/deep'))).isDirectory());
  await writeFile(join(t, 'w'), 'through the mount');
  assert.equal(await readFile(join(vol, 'new/deep/w'), 'utf8'), 'through the mount');
  await assert.rejects(mountSubPath({ volumeRoot: vol, subPath: 'absent', target: target(), create: false }), /does not exist/);
  // Through a symlink that stays inside the volume (alias -> data/inner).
  const t2 = target();
  await mountSubPath({ volumeRoot: vol, subPath: 'alias/made', target: t2, create: true });
  assert.ok((await stat(join(vol, 'data/inner/made'))).isDirectory());
  // Not through one that leaves it.
  await assert.rejects(mountSubPath({ volumeRoot: vol, subPath: 'etc-link/made', target: target(), create: true }), /outside/);
  await assert.rejects(stat('/etc/made'), /ENOENT/);
});
