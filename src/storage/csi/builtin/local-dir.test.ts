import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { VolumePool } from '../../pool/pool';
import { MiB } from '../../pool/sizes';
import { Scratch } from '../../pool/test-fixture';
import { BLOCK_DRIVER, type CreateVolumeRequest, isCsiCode, LOCAL_DIR_DRIVER, NODE_TOPOLOGY_KEY, type VolumeCapability } from '../types';
import { builtinDrivers } from './drivers';
import { LocalDirDriver } from './local-dir';

const clock = { now: () => new Date('2026-11-28T09:00:00.000Z') };
const MOUNT: VolumeCapability = { accessType: 'mount', accessMode: 'MULTI_NODE_MULTI_WRITER' };
let s: Scratch;
before(async () => {
  s = await Scratch.make('berth-csi-dir-');
});
after(async () => s.cleanup());

const req = (name: string, mib: bigint, more: Partial<CreateVolumeRequest> = {}): CreateVolumeRequest => ({ name, requiredBytes: mib * MiB, capabilities: [MOUNT], parameters: {}, ...more });
const pub = (volumeId: string, targetPath: string, readOnly: boolean) => ({ volumeId, targetPath, capability: MOUNT, readOnly, volumeContext: {} });

test('local-dir: CreateVolume checks, publish rw/ro, delete refused while published, no node expansion', async () => {
  const pool = new VolumePool({ root: join(s.dir, 'plain'), clock });
  const driver = new LocalDirDriver({ pool, nodeName: 'node-a' });
  assert.equal((await driver.getPluginInfo()).name, LOCAL_DIR_DRIVER);
  assert.deepEqual([...(await driver.nodeGetCapabilities())], ['GET_VOLUME_STATS']);
  await assert.rejects(driver.createVolume(req('pvc-raw', 1n, { capabilities: [{ accessType: 'block', accessMode: 'SINGLE_NODE_WRITER' }] })), (e) => isCsiCode(e, 'INVALID_ARGUMENT'));
  await assert.rejects(driver.createVolume(req('pvc-p', 1n, { parameters: { fsType: 'ext4' } })), (e) => isCsiCode(e, 'INVALID_ARGUMENT'));
  const v = await driver.createVolume(req('pvc-d', 1n));
  assert.deepEqual(v, { volumeId: 'pvc-d', capacityBytes: MiB, volumeContext: { kind: 'dir' }, accessibleTopology: [{ [NODE_TOPOLOGY_KEY]: 'node-a' }] });
  const rw = join(s.dir, 'pods', 'p1', 'mount');
  const ro = join(s.dir, 'pods', 'p2', 'mount');
  await mkdir(join(rw, '..'), { recursive: true });
  await mkdir(join(ro, '..'), { recursive: true });
  try {
    await driver.nodePublishVolume(pub('pvc-d', rw, false));
    await driver.nodePublishVolume(pub('pvc-d', rw, false));
    await driver.nodePublishVolume(pub('pvc-d', ro, true));
    await writeFile(join(rw, 'a'), 'A');
    assert.equal(await readFile(join(await pool.path('pvc-d'), 'a'), 'utf8'), 'A');
    assert.equal(await readFile(join(ro, 'a'), 'utf8'), 'A');
    await assert.rejects(writeFile(join(ro, 'x'), 'x'), (e: NodeJS.ErrnoException) => e.code === 'EROFS');
    const [bytes, inodes] = await driver.nodeGetVolumeStats('pvc-d', rw);
    assert.equal(bytes?.unit, 'BYTES');
    assert.equal(inodes?.unit, 'INODES');
    await assert.rejects(driver.nodeGetVolumeStats('pvc-d', join(s.dir, 'nowhere')), (e) => isCsiCode(e, 'NOT_FOUND'));
    await assert.rejects(driver.deleteVolume('pvc-d'), (e) => isCsiCode(e, 'FAILED_PRECONDITION') && /mounted at/.test((e as Error).message));
    assert.deepEqual(await driver.controllerExpandVolume('pvc-d', 2n * MiB), { capacityBytes: 2n * MiB, nodeExpansionRequired: false });
  } finally {
    await driver.nodeUnpublishVolume('pvc-d', rw);
    await driver.nodeUnpublishVolume('pvc-d', ro);
  }
  await driver.nodeUnpublishVolume('pvc-d', ro);
  await assert.rejects(access(rw));
  await assert.rejects(driver.nodePublishVolume(pub('pvc-none', rw, false)), (e) => isCsiCode(e, 'NOT_FOUND'));
  await assert.rejects(driver.nodeStageVolume({ volumeId: 'pvc-d', stagingPath: rw, capability: MOUNT, volumeContext: {} }), (e) => isCsiCode(e, 'UNIMPLEMENTED'));
  await pool.create('blockvol', { driver: 'block', sizeBytes: 16n * MiB });
  await assert.rejects(driver.deleteVolume('blockvol'), (e) => isCsiCode(e, 'FAILED_PRECONDITION'));
  await assert.rejects(driver.createVolume(req('blockvol', 16n)), (e) => isCsiCode(e, 'ALREADY_EXISTS'));
  await driver.deleteVolume('pvc-d');
  await driver.deleteVolume('pvc-d');
  await assert.rejects(access(await pool.path('blockvol').then((p) => join(p, '..', '..', 'dir', 'pvc-d'))));
});

test('local-dir on btrfs: stats from the qgroup, snapshot and restore, clone', async () => {
  const pool = new VolumePool({ root: await s.btrfs('btr'), clock });
  const driver = new LocalDirDriver({ pool, nodeName: 'node-a' });
  await driver.createVolume(req('pvc-b', 16n));
  const t = join(s.dir, 'btr-pod', 'mount');
  await mkdir(join(t, '..'), { recursive: true });
  try {
    await driver.nodePublishVolume(pub('pvc-b', t, false));
    await writeFile(join(t, 'a'), Buffer.alloc(4 << 20, 1));
    await promisify(execFile)('sync', []);
    const [bytes] = await driver.nodeGetVolumeStats('pvc-b', t);
    assert.equal(bytes?.total, 16n * MiB);
    assert.ok(bytes.used >= 4n * MiB && bytes.available <= 12n * MiB, `used ${bytes.used}, available ${bytes.available}`);
    await assert.rejects(writeFile(join(t, 'big'), Buffer.alloc(16 << 20, 1)), (e: NodeJS.ErrnoException) => e.errno === -122 || e.code === 'ENOSPC');
    await rm(join(t, 'big'));
    await promisify(execFile)('sync', []);
    const snap = await driver.createSnapshot('pvc-b', 'snapshot-b', {});
    await writeFile(join(t, 'later'), 'L');
    const r = await driver.createVolume(req('pvc-rb', 0n, { contentSource: { snapshotId: snap.snapshotId } }));
    assert.equal(r.capacityBytes, 16n * MiB);
    const rdir = await pool.path('pvc-rb');
    assert.equal((await readFile(join(rdir, 'a'))).length, 4 << 20);
    await assert.rejects(access(join(rdir, 'later')));
    const c = await driver.createVolume(req('pvc-cb', 32n, { contentSource: { volumeId: 'pvc-b' } }));
    assert.equal(c.capacityBytes, 32n * MiB);
    assert.equal(await readFile(join(await pool.path('pvc-cb'), 'later'), 'utf8'), 'L');
  } finally {
    await driver.nodeUnpublishVolume('pvc-b', t);
  }
  await driver.deleteSnapshot('snapshot-b');
  for (const v of ['pvc-b', 'pvc-rb', 'pvc-cb']) await driver.deleteVolume(v);
  assert.deepEqual(await pool.list(), []);
});

test('builtinDrivers: both drivers by name over one pool', () => {
  const m = builtinDrivers(new VolumePool({ root: join(s.dir, 'reg'), clock }), 'node-a');
  assert.deepEqual([...m.keys()], [LOCAL_DIR_DRIVER, BLOCK_DRIVER]);
});

test('a Docker-style named volume (labels, driver options) is what a PV names: publish by its name', async () => {
  const pool = new VolumePool({ root: join(s.dir, 'named'), clock });
  // What `docker volume create --label app=web --opt size=8m webdata` will store.
  await pool.create('webdata', { driver: 'dir', sizeBytes: 8n * MiB, labels: { app: 'web' }, options: { size: '8m' } });
  const [rec] = await pool.list();
  assert.deepEqual([rec?.name, rec?.labels, rec?.options, rec?.createdAt], ['webdata', { app: 'web' }, { size: '8m' }, '2026-11-28T09:00:00.000Z']);
  // A static PV `csi: {driver: local-dir.csi.berth.dev, volumeHandle: webdata}` is published so:
  const driver = new LocalDirDriver({ pool, nodeName: 'node-a' });
  const target = join(s.dir, 'pods', 'named', 'mount');
  await mkdir(join(target, '..'), { recursive: true });
  await driver.nodePublishVolume(pub('webdata', target, false));
  try {
    await writeFile(join(target, 'index.html'), 'hello');
    assert.equal(await readFile(join(await pool.path('webdata'), 'index.html'), 'utf8'), 'hello');
  } finally {
    await driver.nodeUnpublishVolume('webdata', target);
  }
  await driver.deleteVolume('webdata');
  assert.deepEqual(await pool.list(), []);
});
