import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { promisify } from 'node:util';
import { VolumePool } from '../../pool/pool';
import { MiB } from '../../pool/sizes';
import { loopsUnder, Scratch } from '../../pool/test-fixture';
import { BLOCK_DRIVER, type CreateVolumeRequest, isCsiCode, NODE_TOPOLOGY_KEY, type VolumeCapability } from '../types';
import { BlockDriver } from './block';

const clock = { now: () => new Date('2026-11-28T09:00:00.000Z') };
const MOUNT: VolumeCapability = { accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER' };
const RAW: VolumeCapability = { accessType: 'block', accessMode: 'SINGLE_NODE_WRITER' };
let s: Scratch;
let driver: BlockDriver;
before(async () => {
  s = await Scratch.make('berth-csi-block-');
  driver = new BlockDriver({ pool: new VolumePool({ root: join(s.dir, 'volumes'), clock }), nodeName: 'node-a' });
});
afterEach(async () => {
  const left = await loopsUnder(s.dir);
  assert.deepEqual(left, [], `loop devices left attached: ${left.join(', ')}`);
});
after(async () => s.cleanup());

const req = (name: string, mib: bigint, more: Partial<CreateVolumeRequest> = {}): CreateVolumeRequest => ({ name, requiredBytes: mib * MiB, capabilities: [MOUNT], parameters: {}, ...more });
const fsBytes = async (p: string): Promise<bigint> => {
  const f = await statfs(p, { bigint: true });
  return f.blocks * f.bsize;
};
/** Node paths laid out as the node volume manager does. */
function paths(vol: string): { staging: string; target: string; target2: string } {
  const base = join(s.dir, 'node', vol);
  return { staging: join(base, 'globalmount'), target: join(base, 'pod1', 'mount'), target2: join(base, 'pod2', 'mount') };
}

test('block: identity, capabilities, node info and CreateVolume validation', async () => {
  assert.deepEqual(await driver.getPluginInfo(), { name: BLOCK_DRIVER, vendorVersion: '0.1.0' });
  assert.ok((await driver.nodeGetCapabilities()).has('STAGE_UNSTAGE_VOLUME'));
  assert.ok(await driver.probe());
  assert.deepEqual(await driver.nodeGetInfo(), { nodeId: 'node-a', maxVolumesPerNode: 0, accessibleTopology: { [NODE_TOPOLOGY_KEY]: 'node-a' } });
  const v = await driver.createVolume({ ...req('pvc-v1', 20n), requiredBytes: 20n * MiB - 1n, preferredTopology: [{ [NODE_TOPOLOGY_KEY]: 'node-a' }] });
  assert.deepEqual(v, { volumeId: 'pvc-v1', capacityBytes: 20n * MiB, volumeContext: { kind: 'block', fsType: 'ext4' }, accessibleTopology: [{ [NODE_TOPOLOGY_KEY]: 'node-a' }] });
  assert.deepEqual(await driver.createVolume(req('pvc-v1', 20n)), v);
  assert.deepEqual(await driver.createVolume(req('pvc-v1', 16n)), v, 'an existing bigger volume satisfies a smaller request');
  const codes: [Partial<CreateVolumeRequest> & { name: string }, string][] = [
    [{ name: 'pvc-v1', requiredBytes: 24n * MiB }, 'ALREADY_EXISTS'],
    [{ name: 'pvc-v1', requiredBytes: 20n * MiB, capabilities: [RAW] }, 'ALREADY_EXISTS'],
    [{ name: 'pvc-small', requiredBytes: 8n * MiB }, 'OUT_OF_RANGE'],
    [{ name: 'pvc-lim', requiredBytes: 20n * MiB, limitBytes: 19n * MiB }, 'OUT_OF_RANGE'],
    [{ name: 'pvc-par', parameters: { type: 'fast' } }, 'INVALID_ARGUMENT'],
    [{ name: 'pvc-xfs', capabilities: [{ ...MOUNT, fsType: 'xfs' }] }, 'INVALID_ARGUMENT'],
    [{ name: 'pvc-far', preferredTopology: [{ [NODE_TOPOLOGY_KEY]: 'node-b' }] }, 'RESOURCE_EXHAUSTED'],
    [{ name: 'pvc-nosnap', contentSource: { snapshotId: 'missing' } }, 'NOT_FOUND'],
    [{ name: 'bad/name' }, 'INVALID_ARGUMENT'],
  ];
  for (const [r, code] of codes) {
    await assert.rejects(driver.createVolume({ ...req(r.name, 32n), ...r }), (e) => isCsiCode(e, code as 'NOT_FOUND'), `${r.name}: ${code}`);
  }
  await driver.deleteVolume('pvc-v1');
  await driver.deleteVolume('pvc-v1');
});

test('block mount: stage, publish rw and ro, stats, expand, snapshot while mounted, restore, delete', async () => {
  const vol = await driver.createVolume(req('pvc-m', 32n));
  const p = paths('pvc-m');
  await mkdir(p.staging, { recursive: true });
  await mkdir(join(p.target, '..'), { recursive: true });
  await mkdir(join(p.target2, '..'), { recursive: true });
  const stage = { volumeId: 'pvc-m', stagingPath: p.staging, capability: MOUNT, volumeContext: vol.volumeContext };
  try {
    await assert.rejects(driver.nodePublishVolume({ volumeId: 'pvc-m', stagingPath: p.staging, targetPath: p.target, capability: MOUNT, readOnly: false, volumeContext: {} }), (e) => isCsiCode(e, 'FAILED_PRECONDITION'));
    await driver.nodeStageVolume(stage);
    await driver.nodeStageVolume(stage);
    const pub = { volumeId: 'pvc-m', stagingPath: p.staging, capability: MOUNT, volumeContext: vol.volumeContext };
    await driver.nodePublishVolume({ ...pub, targetPath: p.target, readOnly: false });
    await driver.nodePublishVolume({ ...pub, targetPath: p.target, readOnly: false });
    await driver.nodePublishVolume({ ...pub, targetPath: p.target2, readOnly: true });
    await writeFile(join(p.target, 'a'), 'A');
    assert.equal(await readFile(join(p.target2, 'a'), 'utf8'), 'A');
    await assert.rejects(writeFile(join(p.target2, 'x'), 'x'), (e: NodeJS.ErrnoException) => e.code === 'EROFS');
    const stats = await driver.nodeGetVolumeStats('pvc-m', p.target);
    assert.deepEqual(stats.map((u) => u.unit), ['BYTES', 'INODES']);
    assert.ok(stats[0]!.total > 16n * MiB && stats[0]!.total <= 32n * MiB);
    await assert.rejects(driver.deleteVolume('pvc-m'), (e) => isCsiCode(e, 'FAILED_PRECONDITION'));
    await assert.rejects(driver.nodeUnstageVolume('pvc-m', p.staging), (e) => isCsiCode(e, 'FAILED_PRECONDITION') && (e as Error).message.includes(p.target));
    assert.equal(await readFile(join(p.staging, 'a'), 'utf8'), 'A', 'a refused unstage leaves the staging mount');

    const snap = await driver.createSnapshot('pvc-m', 'snapshot-1', {});
    assert.deepEqual(snap, { snapshotId: 'snapshot-1', sourceVolumeId: 'pvc-m', sizeBytes: 32n * MiB, creationTimeMs: Date.parse('2026-11-28T09:00:00.000Z'), readyToUse: true });
    assert.deepEqual(await driver.createSnapshot('pvc-m', 'snapshot-1', {}), snap);
    await writeFile(join(p.target, 'b'), 'B');

    assert.deepEqual(await driver.controllerExpandVolume('pvc-m', 64n * MiB, MOUNT), { capacityBytes: 64n * MiB, nodeExpansionRequired: true });
    const grown = await driver.nodeExpandVolume({ volumeId: 'pvc-m', volumePath: p.target, stagingPath: p.staging, requiredBytes: 64n * MiB, capability: MOUNT }).then(
      () => true,
      (e: Error) => {
        assert.ok(isCsiCode(e, 'FAILED_PRECONDITION'), e.message);
        assert.match(e.message, /cannot grow a mounted ext4 filesystem \(no CAP_SYS_RESOURCE.*next staged — restart the pod/);
        return false;
      },
    );
    assert.equal((await fsBytes(p.target)) > 32n * MiB, grown);
    for (const t of [p.target, p.target2]) {
      await driver.nodeUnpublishVolume('pvc-m', t);
      await driver.nodeUnpublishVolume('pvc-m', t);
      await assert.rejects(access(t));
    }
    await driver.nodeUnstageVolume('pvc-m', p.staging);
    await driver.nodeStageVolume(stage);
    assert.ok((await fsBytes(p.staging)) > 32n * MiB, 'the filesystem is grown at the latest by the next stage');
  } finally {
    await driver.nodeUnpublishVolume('pvc-m', p.target);
    await driver.nodeUnpublishVolume('pvc-m', p.target2);
    await driver.nodeUnstageVolume('pvc-m', p.staging);
  }
  await assert.rejects(driver.createSnapshot('pvc-other', 'snapshot-1', {}), (e) => isCsiCode(e, 'NOT_FOUND'));
  await driver.createVolume(req('pvc-o', 32n));
  await assert.rejects(driver.createSnapshot('pvc-o', 'snapshot-1', {}), (e) => isCsiCode(e, 'ALREADY_EXISTS'));

  const restored = await driver.createVolume(req('pvc-r', 40n, { contentSource: { snapshotId: 'snapshot-1' } }));
  assert.deepEqual(restored.contentSource, { snapshotId: 'snapshot-1' });
  await assert.rejects(driver.createVolume(req('pvc-r2', 16n, { contentSource: { snapshotId: 'snapshot-1' } })), (e) => isCsiCode(e, 'OUT_OF_RANGE'));
  const rp = paths('pvc-r');
  try {
    await driver.nodeStageVolume({ volumeId: 'pvc-r', stagingPath: rp.staging, capability: MOUNT, volumeContext: restored.volumeContext });
    assert.equal(await readFile(join(rp.staging, 'a'), 'utf8'), 'A');
    await assert.rejects(access(join(rp.staging, 'b')), 'b was written after the snapshot');
  } finally {
    await driver.nodeUnstageVolume('pvc-r', rp.staging);
  }
  const clone = await driver.createVolume(req('pvc-c', 0n, { contentSource: { volumeId: 'pvc-m' } }));
  assert.equal(clone.capacityBytes, 64n * MiB);
  await driver.deleteSnapshot('snapshot-1');
  await driver.deleteSnapshot('snapshot-1');
  for (const v of ['pvc-m', 'pvc-o', 'pvc-r', 'pvc-c']) await driver.deleteVolume(v);
  await assert.rejects(access(join(s.dir, 'volumes', 'block', 'pvc-m.img')));
});

test('block raw: attach-only stage, the device bound on a target file, no node expansion', async () => {
  const vol = await driver.createVolume(req('pvc-raw', 32n, { capabilities: [RAW] }));
  assert.deepEqual(vol.volumeContext, { kind: 'block', fsType: 'none' });
  const p = paths('pvc-raw');
  await mkdir(p.staging, { recursive: true });
  await mkdir(join(p.target, '..'), { recursive: true });
  try {
    await assert.rejects(driver.nodeStageVolume({ volumeId: 'pvc-raw', stagingPath: p.staging, capability: MOUNT, volumeContext: {} }), (e) => isCsiCode(e, 'INVALID_ARGUMENT'));
    await driver.nodeStageVolume({ volumeId: 'pvc-raw', stagingPath: p.staging, capability: RAW, volumeContext: {} });
    await driver.nodePublishVolume({ volumeId: 'pvc-raw', stagingPath: p.staging, targetPath: p.target, capability: RAW, readOnly: false, volumeContext: {} });
    assert.ok((await stat(p.target)).isBlockDevice());
    await promisify(execFile)('dd', ['if=/dev/zero', `of=${p.target}`, 'bs=1M', 'count=1', 'conv=fsync']);
    const [bytes] = await driver.nodeGetVolumeStats('pvc-raw', p.target);
    assert.deepEqual(bytes, { unit: 'BYTES', total: 32n * MiB, used: 0n, available: 0n });
    assert.deepEqual(await driver.controllerExpandVolume('pvc-raw', 48n * MiB, RAW), { capacityBytes: 48n * MiB, nodeExpansionRequired: false });
    assert.equal((await driver.nodeGetVolumeStats('pvc-raw', p.target))[0]?.total, 48n * MiB, 'the loop device sees the grown image');
    await assert.rejects(driver.nodeUnstageVolume('pvc-raw', p.staging), (e) => isCsiCode(e, 'FAILED_PRECONDITION'), 'still published');
  } finally {
    await driver.nodeUnpublishVolume('pvc-raw', p.target);
    await driver.nodeUnstageVolume('pvc-raw', p.staging);
  }
  await assert.rejects(access(p.target));
  await driver.deleteVolume('pvc-raw');
});
