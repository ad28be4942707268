// GrpcCsiDriver against the test CSI driver over a real unix socket, with real bind mounts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { startTestCsiDriver, type TestCsiDriver } from '../../../../test/csi-driver/server';
import { mountAt } from '../../../../test/csi-driver/mounts';
import { CsiError, type VolumeCapability } from '../types';
import { GrpcCsiDriver } from './driver';
import { csiServices } from './proto';

const mount: VolumeCapability = { accessType: 'mount', fsType: 'ext4', accessMode: 'SINGLE_NODE_WRITER' };
const BIG = (1n << 53n) + 7n; // not representable as a double

async function rejectsWith(p: Promise<unknown>, code: string, text?: RegExp): Promise<CsiError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof CsiError, `expected CsiError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (text) assert.match(e.message, text);
  assert.ok(e.cause, 'the gRPC error is kept as cause');
  return e;
}

describe('GrpcCsiDriver against the test CSI driver', () => {
  let dir: string;
  let server: TestCsiDriver;
  let csi: GrpcCsiDriver;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-csi-grpc-'));
    server = await startTestCsiDriver({ socket: join(dir, 'csi.sock'), root: join(dir, 'state'), nodeId: 'node-a' });
    csi = new GrpcCsiDriver({ socket: server.socket });
  });
  after(async () => {
    csi.close();
    await server.stop();
    // A failed assertion may leave a bind mount behind: never leave one on the host.
    for (const t of ['rw', 'ro']) if (await mountAt(join(dir, 'pods', t))) execFileSync('umount', [join(dir, 'pods', t)]);
    await rm(dir, { recursive: true, force: true });
  });

  test('Identity: name, capabilities, probe', async () => {
    assert.deepEqual(await csi.getPluginInfo(), { name: 'csi.test.berth.dev', vendorVersion: '0.1.0' });
    assert.deepEqual(await csi.getPluginCapabilities(), new Set(['CONTROLLER_SERVICE', 'ONLINE_EXPANSION']));
    assert.equal(await csi.probe(), true);
  });

  test('capabilities and node info', async () => {
    assert.deepEqual(await csi.controllerGetCapabilities(), new Set(['CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CLONE_VOLUME']));
    assert.deepEqual(await csi.nodeGetCapabilities(), new Set(['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME', 'GET_VOLUME_STATS']));
    assert.deepEqual(await csi.nodeGetInfo(), { nodeId: 'node-a', maxVolumesPerNode: 0 });
  });

  test('CreateVolume carries sizes above 2^53 exactly, is idempotent by name, and says ALREADY_EXISTS on a conflict', async () => {
    const req = { name: 'pvc-big', requiredBytes: BIG, capabilities: [mount], parameters: { tier: 'gold' }, preferredTopology: [{ zone: 'a' }] };
    const v = await csi.createVolume(req);
    assert.equal(v.capacityBytes, BIG);
    assert.deepEqual(v.volumeContext, { name: 'pvc-big' });
    const sent = server.requests.findLast((r) => r.rpc === 'CreateVolume')?.request;
    assert.deepEqual(sent?.capacity_range, { required_bytes: BIG.toString(), limit_bytes: '0' });
    assert.deepEqual(sent?.parameters, { tier: 'gold' });
    assert.deepEqual(sent?.accessibility_requirements, { preferred: [{ segments: { zone: 'a' } }] });
    assert.deepEqual(sent?.volume_capabilities, [{ mount: { fs_type: 'ext4' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }]);

    assert.equal((await csi.createVolume(req)).volumeId, v.volumeId);
    await rejectsWith(csi.createVolume({ ...req, parameters: { tier: 'silver' } }), 'ALREADY_EXISTS', /pvc-big already exists/);
    const exp = await csi.controllerExpandVolume(v.volumeId, BIG + 1000n, mount);
    assert.deepEqual(exp, { capacityBytes: BIG + 1000n, nodeExpansionRequired: true });
    await csi.deleteVolume(v.volumeId);
    await csi.deleteVolume(v.volumeId); // idempotent
    await rejectsWith(csi.controllerExpandVolume(v.volumeId, 1n), 'NOT_FOUND', /does not exist/);
  });

  test('snapshots and clones copy content; missing sources are NOT_FOUND with the driver message', async () => {
    const src = await csi.createVolume({ name: 'pvc-src', requiredBytes: 1n << 20n, capabilities: [mount], parameters: {} });
    await writeFile(join(server.root, 'volumes', src.volumeId, 'data.txt'), 'hello');
    const snap = await csi.createSnapshot(src.volumeId, 'snap-1', {});
    assert.equal(snap.sourceVolumeId, src.volumeId);
    assert.equal(snap.sizeBytes, 1n << 20n);
    assert.equal(snap.readyToUse, true);
    assert.ok(Math.abs(snap.creationTimeMs - Date.now()) < 60_000, `creation time ${snap.creationTimeMs}`);
    assert.deepEqual(await csi.createSnapshot(src.volumeId, 'snap-1', {}), snap);

    const restored = await csi.createVolume({ name: 'pvc-restored', requiredBytes: 0n, capabilities: [mount], parameters: {}, contentSource: { snapshotId: snap.snapshotId } });
    assert.deepEqual(restored.contentSource, { snapshotId: snap.snapshotId });
    assert.equal(await readFile(join(server.root, 'volumes', restored.volumeId, 'data.txt'), 'utf8'), 'hello');
    const clone = await csi.createVolume({ name: 'pvc-clone', requiredBytes: 0n, capabilities: [mount], parameters: {}, contentSource: { volumeId: src.volumeId } });
    assert.deepEqual(clone.contentSource, { volumeId: src.volumeId });
    assert.equal(await readFile(join(server.root, 'volumes', clone.volumeId, 'data.txt'), 'utf8'), 'hello');

    await rejectsWith(
      csi.createVolume({ name: 'pvc-x', requiredBytes: 0n, capabilities: [mount], parameters: {}, contentSource: { snapshotId: 'snap-missing' } }),
      'NOT_FOUND',
      /^CreateVolume: source snapshot snap-missing does not exist$/,
    );
    await rejectsWith(csi.createSnapshot('vol-missing', 'snap-2', {}), 'NOT_FOUND');
    await rejectsWith(csi.createSnapshot(clone.volumeId, 'snap-1', {}), 'ALREADY_EXISTS');
    await rejectsWith(csi.createVolume({ name: '', requiredBytes: 0n, capabilities: [mount], parameters: {} }), 'INVALID_ARGUMENT', /name is required/);
    await rejectsWith(csi.createVolume({ name: 'pvc-block', requiredBytes: 0n, capabilities: [{ accessType: 'block', accessMode: 'SINGLE_NODE_WRITER' }], parameters: {} }), 'INVALID_ARGUMENT', /block/);

    await csi.deleteSnapshot(snap.snapshotId);
    await csi.deleteSnapshot(snap.snapshotId);
    for (const v of [src, restored, clone]) await csi.deleteVolume(v.volumeId);
  });

  test('node: stage, publish as real bind mounts (rw and ro), stats, expand, unpublish, unstage', async () => {
    const v = await csi.createVolume({ name: 'pvc-node', requiredBytes: 1n << 30n, capabilities: [mount], parameters: {} });
    const staging = join(dir, 'staging');
    await mkdir(staging, { recursive: true });
    await mkdir(join(dir, 'pods'), { recursive: true });
    const rw = join(dir, 'pods', 'rw');
    const ro = join(dir, 'pods', 'ro');
    const publish = { volumeId: v.volumeId, stagingPath: staging, capability: mount, volumeContext: v.volumeContext };

    await rejectsWith(csi.nodePublishVolume({ ...publish, targetPath: rw, readOnly: false }), 'FAILED_PRECONDITION', /not staged/);
    await csi.nodeStageVolume({ volumeId: v.volumeId, stagingPath: staging, capability: mount, volumeContext: v.volumeContext });
    await csi.nodeStageVolume({ volumeId: v.volumeId, stagingPath: staging, capability: mount, volumeContext: v.volumeContext });
    await csi.nodePublishVolume({ ...publish, targetPath: rw, readOnly: false });
    await csi.nodePublishVolume({ ...publish, targetPath: rw, readOnly: false }); // idempotent
    await csi.nodePublishVolume({ ...publish, targetPath: ro, readOnly: true });
    assert.deepEqual(await mountAt(rw), { readOnly: false });
    assert.deepEqual(await mountAt(ro), { readOnly: true });

    await writeFile(join(rw, 'f'), 'x'.repeat(4096));
    assert.equal(await readFile(join(server.root, 'volumes', v.volumeId, 'f'), 'utf8'), 'x'.repeat(4096));
    assert.equal((await readFile(join(ro, 'f'))).length, 4096);
    await assert.rejects(writeFile(join(ro, 'g'), 'no'), { code: 'EROFS' });

    const stats = await csi.nodeGetVolumeStats(v.volumeId, rw);
    const bytes = stats.find((u) => u.unit === 'BYTES');
    assert.deepEqual(bytes, { unit: 'BYTES', total: 1n << 30n, used: 4096n, available: (1n << 30n) - 4096n });
    assert.ok(stats.some((u) => u.unit === 'INODES' && u.total > 0n));
    assert.deepEqual(await csi.nodeExpandVolume({ volumeId: v.volumeId, volumePath: rw, stagingPath: staging, requiredBytes: BIG, capability: mount }), { capacityBytes: BIG });
    await rejectsWith(csi.nodeGetVolumeStats(v.volumeId, join(dir, 'nowhere')), 'NOT_FOUND');

    for (const t of [rw, ro]) {
      await csi.nodeUnpublishVolume(v.volumeId, t);
      assert.equal(await mountAt(t), undefined);
      await assert.rejects(stat(t), { code: 'ENOENT' }, 'the driver removes the target it created');
      await csi.nodeUnpublishVolume(v.volumeId, t); // idempotent
    }
    await csi.nodeUnstageVolume(v.volumeId, staging);
    await rejectsWith(csi.nodePublishVolume({ ...publish, targetPath: rw, readOnly: false }), 'FAILED_PRECONDITION');
    await csi.deleteVolume(v.volumeId);
    await rejectsWith(csi.nodeUnstageVolume(v.volumeId, staging), 'NOT_FOUND');
  });
});

test('topology: plugin capability, node info and the volume accessible topology', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-csi-topo-'));
  const server = await startTestCsiDriver({ socket: join(dir, 'csi.sock'), root: join(dir, 'state'), nodeId: 'node-b', topology: { 'topology.csi.test.berth.dev/node': 'node-b' } });
  const csi = new GrpcCsiDriver({ socket: server.socket });
  try {
    assert.ok((await csi.getPluginCapabilities()).has('VOLUME_ACCESSIBILITY_CONSTRAINTS'));
    assert.deepEqual(await csi.nodeGetInfo(), { nodeId: 'node-b', maxVolumesPerNode: 0, accessibleTopology: { 'topology.csi.test.berth.dev/node': 'node-b' } });
    const v = await csi.createVolume({ name: 'pvc-t', requiredBytes: 0n, capabilities: [mount], parameters: {} });
    assert.equal(v.capacityBytes, 1n << 30n, 'the driver default when no size is asked');
    assert.deepEqual(v.accessibleTopology, [{ 'topology.csi.test.berth.dev/node': 'node-b' }]);
  } finally {
    csi.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

describe('GrpcCsiDriver failures', () => {
  test('a driver that never answers: DEADLINE_EXCEEDED after the configured deadline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-csi-hang-'));
    const server = new grpc.Server();
    const never = () => undefined; // holds every call open
    const s = csiServices();
    server.addService(s.Identity.service, { GetPluginInfo: never, GetPluginCapabilities: never, Probe: never });
    server.addService(s.Controller.service, { CreateVolume: never });
    const socket = join(dir, 'hang.sock');
    await new Promise<void>((res, rej) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
    const csi = new GrpcCsiDriver({ socket, identityTimeoutMs: 200, callTimeoutMs: 300 });
    try {
      let t0 = Date.now();
      await rejectsWith(csi.getPluginInfo(), 'DEADLINE_EXCEEDED');
      assert.ok(Date.now() - t0 < 2000, 'identity deadline applied');
      t0 = Date.now();
      await rejectsWith(csi.createVolume({ name: 'x', requiredBytes: 0n, capabilities: [mount], parameters: {} }), 'DEADLINE_EXCEEDED');
      assert.ok(Date.now() - t0 >= 250, 'controller deadline is its own');
    } finally {
      csi.close();
      server.forceShutdown();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('no driver on the socket: UNAVAILABLE', async () => {
    const csi = new GrpcCsiDriver({ socket: join(tmpdir(), `berth-csi-none-${process.pid}.sock`), identityTimeoutMs: 2000 });
    try {
      await rejectsWith(csi.probe(), 'UNAVAILABLE');
    } finally {
      csi.close();
    }
  });
});
