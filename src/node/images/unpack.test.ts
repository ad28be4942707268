import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, lstat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sha256 } from './fake-registry';
import { type TarEntry, writeTar } from './tar-writer';
import { unpackLayer } from './unpack';

// A three-layer stack (gzip, zstd, plain tar) unpacked and mounted as overlayfs lowerdirs, the way
// the runtime will: what the merged view shows proves the whiteouts and opaque dirs are right.
describe('unpackLayer', () => {
  let work: string;
  const layerDirs: string[] = [];
  let merged: string;
  const tars: Buffer[] = [];

  const l1: TarEntry[] = [
    { name: 'etc', type: 'dir' },
    { name: 'etc/a', type: 'file', data: 'a\n' },
    { name: 'etc/keep', type: 'file', data: 'keep\n' },
    { name: 'bin', type: 'dir' },
    { name: 'bin/tool', type: 'file', data: '#!/bin/sh\n', mode: 0o4755, uid: 1000, gid: 1001 },
    { name: 'link', type: 'symlink', linkname: '/etc/a' },
    { name: 'hl', type: 'hardlink', linkname: 'etc/keep' },
    { name: 'opq', type: 'dir', mode: 0o750, uid: 7, gid: 8 },
    { name: 'opq/old', type: 'file', data: 'old' },
    { name: 'opq/sub', type: 'dir' },
    { name: 'opq/sub/deep', type: 'file', data: 'deep' },
    { name: 'gone', type: 'file', data: 'gone' },
    { name: 'gonedir', type: 'dir' },
    { name: 'gonedir/x', type: 'file', data: 'x' },
  ];
  const l2: TarEntry[] = [
    { name: '.wh.gone', type: 'file' },
    { name: '.wh.gonedir', type: 'file' },
    { name: 'opq', type: 'dir', mode: 0o750, uid: 7, gid: 8 },
    { name: 'opq/.wh..wh..opq', type: 'file' },
    { name: 'opq/new', type: 'file', data: 'new' },
    { name: 'etc', type: 'dir' },
    { name: 'etc/.wh.a', type: 'file' },
    { name: 'newdir', type: 'dir' },
    { name: 'newdir/f', type: 'file', data: 'f' },
  ];
  const l3: TarEntry[] = [{ name: 'gone', type: 'file', data: 'back' }];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'berth-unpack-'));
    const blobs = [
      gzipSync(writeTar(l1)),
      execFileSync('zstd', ['-c', '-q'], { input: writeTar(l2) }),
      writeTar(l3),
    ];
    for (const [i, blob] of blobs.entries()) {
      tars.push(i === 1 ? writeTar(l2) : i === 0 ? writeTar(l1) : writeTar(l3));
      const file = join(work, `blob${i}`);
      await writeFile(file, blob);
      const dir = join(work, `layer${i}`);
      await mkdir(dir);
      const { diffID } = await unpackLayer(file, dir, sha256(tars[i] ?? Buffer.alloc(0)));
      assert.equal(diffID, sha256(tars[i] ?? Buffer.alloc(0)));
      layerDirs.push(dir);
    }
    merged = join(work, 'merged');
    for (const d of ['merged', 'upper', 'work']) await mkdir(join(work, d));
    const lower = [...layerDirs].reverse().join(':');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${join(work, 'upper')},workdir=${join(work, 'work')}`, merged]);
  });

  after(async () => {
    if (merged) execFileSync('umount', [merged]);
    await rm(work, { recursive: true, force: true });
  });

  it('represents a whiteout as a 0/0 character device and drops the marker', async () => {
    const st = await lstat(join(layerDirs[1] ?? '', 'gone'));
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, 0);
    assert.ok(!(await readdir(layerDirs[1] ?? '')).some((n) => n.startsWith('.wh.')));
    assert.ok(!(await readdir(join(layerDirs[1] ?? '', 'opq'))).includes('.wh..wh..opq'));
  });

  it('whiteouts delete files and whole directories of lower layers', async () => {
    await assert.rejects(stat(join(merged, 'etc/a')), { code: 'ENOENT' });
    await assert.rejects(stat(join(merged, 'gonedir')), { code: 'ENOENT' });
    assert.equal(await readFile(join(merged, 'etc/keep'), 'utf8'), 'keep\n');
    assert.deepEqual((await readdir(join(merged, 'newdir'))).sort(), ['f']);
  });

  it('an opaque directory hides everything below it but keeps its own entries and attributes', async () => {
    assert.deepEqual((await readdir(join(merged, 'opq'))).sort(), ['new']);
    const st = await stat(join(merged, 'opq'));
    assert.equal(st.mode & 0o7777, 0o750);
    assert.equal(st.uid, 7);
    assert.equal(st.gid, 8);
  });

  it('a higher layer brings a whited-out name back', async () => {
    assert.equal(await readFile(join(merged, 'gone'), 'utf8'), 'back');
  });

  it('keeps ownership, setuid modes, symlinks and hardlinks', async () => {
    const tool = await stat(join(merged, 'bin/tool'));
    assert.equal(tool.mode & 0o7777, 0o4755);
    assert.equal(tool.uid, 1000);
    assert.equal(tool.gid, 1001);
    assert.equal(await readlink(join(merged, 'link')), '/etc/a');
    const [hl, keep] = await Promise.all([stat(join(layerDirs[0] ?? '', 'hl')), stat(join(layerDirs[0] ?? '', 'etc/keep'))]);
    assert.equal(hl.ino, keep.ino);
  });

  it('rejects content whose digest is not the expected diffID', async () => {
    const dir = join(work, 'bad');
    await mkdir(dir);
    await assert.rejects(unpackLayer(join(work, 'blob0'), dir, sha256(Buffer.from('other'))), /uncompressed content has digest sha256:[a-f0-9]{64} but the image config says/);
  });

  it('fails (rather than hangs) on a corrupt compressed blob', async () => {
    const dir = join(work, 'corrupt');
    await mkdir(dir);
    const good = gzipSync(writeTar(l1));
    const file = join(work, 'corrupt.gz');
    await writeFile(file, Buffer.concat([good.subarray(0, 40), Buffer.alloc(200, 0x55), good.subarray(240)]));
    await assert.rejects(unpackLayer(file, dir));
  });

  it('does not write outside its directory through symlinks or ..', async () => {
    const dir = join(work, 'evil');
    await mkdir(dir);
    const outside = join(work, 'outside');
    await mkdir(outside);
    const file = join(work, 'evil.tar');
    await writeFile(
      file,
      writeTar([
        { name: 'esc', type: 'symlink', linkname: outside },
        { name: 'esc/pwned', type: 'file', data: 'x' },
        { name: '../pwned2', type: 'file', data: 'x' },
      ]),
    );
    await unpackLayer(file, dir).catch(() => undefined);
    assert.deepEqual(await readdir(outside), []);
    await assert.rejects(stat(join(work, 'pwned2')), { code: 'ENOENT' });
  });
});
