import assert from 'node:assert/strict';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bindMount, unmount } from '../mounts';
import { isPoolError } from './errors';
import { VolumePool } from './pool';
import { MiB } from './sizes';
import { Scratch, sh } from './test-fixture';

const clock = { now: () => new Date('2026-11-28T09:00:00.000Z') };
let s: Scratch;
before(async () => {
  s = await Scratch.make('berth-pool-dir-');
});
after(async () => s.cleanup());

// libuv has no name for EDQUOT (122): it surfaces as errno -122.
const isQuotaError = (e: NodeJS.ErrnoException): boolean => e.errno === -122 || e.code === 'EDQUOT' || e.code === 'ENOSPC';
const writeBytes = (p: string, n: number): Promise<void> => writeFile(p, Buffer.alloc(n, 1));

test('dir on btrfs: a subvolume whose qgroup limit fails writes past the size; expand raises it', async () => {
  const root = await s.btrfs('btr');
  const pool = new VolumePool({ root, clock });
  const rec = await pool.create('vq', { driver: 'dir', sizeBytes: 16n * MiB });
  assert.equal(rec.capacityEnforced, true);
  const dir = await pool.path('vq');
  assert.equal((await stat(dir)).ino, 256, 'a subvolume');
  await assert.rejects(writeBytes(join(dir, 'big'), 32 << 20), isQuotaError);
  await pool.expand('vq', 64n * MiB);
  await writeBytes(join(dir, 'big'), 32 << 20);
  const usage = await pool.usage('vq');
  assert.equal(usage.sizeBytes, 64n * MiB);

  await writeFile(join(dir, 'a'), 'A');
  await pool.snapshot('vq', 'vqs');
  await writeFile(join(dir, 'b'), 'B');
  const snapDir = join(root, 'dir', '.snapshots', 'vqs');
  await assert.rejects(writeFile(join(snapDir, 'c'), 'C'), (e: NodeJS.ErrnoException) => e.code === 'EROFS');
  const r = await pool.create('vqr', { driver: 'dir', sizeBytes: 64n * MiB, from: { snapshot: 'vqs' } });
  assert.equal(r.capacityEnforced, true);
  const rdir = await pool.path('vqr');
  assert.equal(await readFile(join(rdir, 'a'), 'utf8'), 'A');
  await assert.rejects(access(join(rdir, 'b')));
  await writeFile(join(rdir, 'new'), 'writable');
  await pool.deleteSnapshot('vqs');
  await pool.remove('vq');
  await pool.remove('vqr');
  await assert.rejects(access(dir));
  await assert.rejects(access(snapDir));
});

test('dir elsewhere: capacity recorded and not enforced, with the reason; in-use and snapshots by copy', async () => {
  const root = join(s.dir, 'plain');
  const pool = new VolumePool({ root, clock });
  const rec = await pool.create('vd', { driver: 'dir', sizeBytes: 1n * MiB, labels: { 'com.example': 'x' }, options: { size: '1M' } });
  assert.equal(rec.capacityEnforced, false);
  assert.match(rec.capacityNote, /not enforced: .* not btrfs; put the volume pool on btrfs/);
  const dir = await pool.path('vd');
  await writeBytes(join(dir, 'big'), 2 << 20); // past the size: allowed here
  await writeFile(join(dir, 'a'), 'A');
  await pool.snapshot('vd', 'vds');
  await writeFile(join(dir, 'b'), 'B');
  await pool.create('vdr', { driver: 'dir', sizeBytes: 0n, from: { snapshot: 'vds' } });
  const rdir = await pool.path('vdr');
  assert.equal(await readFile(join(rdir, 'a'), 'utf8'), 'A');
  await assert.rejects(access(join(rdir, 'b')));

  const target = join(s.dir, 'target');
  await mkdir(target);
  await bindMount(join(dir), target);
  try {
    assert.deepEqual(await pool.users('vd'), [target]);
    await assert.rejects(pool.remove('vd'), (e) => isPoolError(e, 'InUse') && (e as Error).message.includes(target));
  } finally {
    await unmount(target);
  }
  assert.deepEqual(await pool.users('vd'), []);
  await pool.remove('vd');
  await assert.rejects(access(dir));
  const again = new VolumePool({ root, clock });
  assert.deepEqual((await again.list()).map((v) => v.name), ['vdr']);
  assert.deepEqual((await again.getSnapshot('vds'))?.volume, 'vd');
  await assert.rejects(again.create('vdr', { driver: 'dir', sizeBytes: 0n }), (e) => isPoolError(e, 'AlreadyExists'));
  await assert.rejects(again.create('blk', { driver: 'block', sizeBytes: 32n * MiB, from: { snapshot: 'vds' } }), (e) => isPoolError(e, 'InvalidArgument'));
});

test('dir on btrfs: a volume holding nested subvolumes (made by a pod) is removed', async () => {
  const root = await s.btrfs('nest');
  const pool = new VolumePool({ root, clock });
  const rec = await pool.create('vn', { driver: 'dir', sizeBytes: 16n * MiB });
  assert.match(rec.capacityNote, /neither limited by the qgroup nor included in snapshots/);
  const dir = await pool.path('vn');
  await mkdir(join(dir, 'a', 'b'), { recursive: true });
  await sh('btrfs', ['subvolume', 'create', join(dir, 'a', 'b', 'inner')]);
  await sh('btrfs', ['subvolume', 'create', join(dir, 'a', 'b', 'inner', 'deeper')]);
  await sh('btrfs', ['subvolume', 'snapshot', '-r', join(dir, 'a', 'b', 'inner'), join(dir, 'ro')]);
  await writeFile(join(dir, 'a', 'b', 'inner', 'deeper', 'f'), 'x');
  await pool.remove('vn');
  await assert.rejects(access(dir));
  assert.equal(await pool.get('vn'), undefined);
});
