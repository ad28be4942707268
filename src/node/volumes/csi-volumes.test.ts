import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventRecorder, EventType } from '../../controllers/events';
import { type Stack, testStack } from '../../controllers/testing/stack';
import { pvRef, pvcRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import { CsiError } from '../../storage/csi/types';
import type { Pod } from '../types';
import { awaitsNodeResize } from './csi-volumes';
import { VolumeMountError } from './mount-error';
import { FakeCsiDriver, registryOf } from './testing/fake-csi';
import { VolumeManager } from './volume-manager';

const NS = 'csi-test';
const DRIVER = 'fake.csi.node';
const tag = `${process.pid}`;
const GiB = 1024n ** 3n;

let base: string;
let stack: Stack;
let seq = 0;
const events: { obj: KObject; type: EventType; reason: string; message: string }[] = [];
const recorder: EventRecorder = { event: (obj, type, reason, message) => events.push({ obj, type, reason, message }) };

function manager(driver: FakeCsiDriver, boot = 'boot-1'): VolumeManager {
  return new VolumeManager({ podsDir: join(base, 'pods'), dataDir: base, client: stack.client, clock: { now: () => new Date() }, nodeName: 'n1', csiDrivers: registryOf(driver), recorder, bootId: () => Promise.resolve(boot) });
}

function pod(claimName: string, o: { block?: boolean; readOnly?: boolean } = {}): Pod {
  const uid = `csi-${tag}-${seq++}`;
  const use = o.block ? { volumeDevices: [{ name: 'data', devicePath: '/dev/xvda' }] } : { volumeMounts: [{ name: 'data', mountPath: '/data' }] };
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${seq}`, namespace: NS, uid },
    spec: { containers: [{ name: 'c', ...use }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName, ...(o.readOnly ? { readOnly: true } : {}) } }] },
  };
}

interface ClaimOpts { accessModes?: string[]; block?: boolean; pvSize?: string; claimSize?: string; csi?: Record<string, unknown>; mountOptions?: string[] }

/** A csi PV and a claim bound to each other; returns the volume handle. */
async function bound(name: string, o: ClaimOpts = {}): Promise<string> {
  const accessModes = o.accessModes ?? ['ReadWriteOnce'];
  const handle = `vol-${name}-${tag}`;
  const mode = o.block ? { volumeMode: 'Block' } : {};
  const claim = await stack.client.create(pvcRef, NS, { metadata: { name }, spec: { storageClassName: '', volumeName: `pv-${name}-${tag}`, accessModes, ...mode, resources: { requests: { storage: o.claimSize ?? '1Gi' } } } });
  await stack.client.create(pvRef, undefined, {
    metadata: { name: `pv-${name}-${tag}` },
    spec: {
      storageClassName: '', capacity: { storage: o.pvSize ?? '1Gi' }, accessModes, ...mode, claimRef: { namespace: NS, name, uid: claim.metadata.uid },
      ...(o.mountOptions ? { mountOptions: o.mountOptions } : {}),
      csi: { driver: DRIVER, volumeHandle: handle, ...(o.csi ?? {}) },
    },
  });
  await stack.client.patch(pvcRef, NS, name, 'merge', { status: { phase: 'Bound', accessModes, capacity: { storage: o.claimSize ?? '1Gi' } } }, {}, 'status');
  return handle;
}

const uidOf = (p: Pod) => p.metadata.uid ?? '';
const stagingOf = (handle: string) => join(base, 'plugins', 'kubernetes.io', 'csi', 'fake.csi.node', createHash('sha256').update(handle).digest('hex'), 'globalmount');

before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-csi-')));
  stack = await testStack();
  await stack.client.create({ group: '', version: 'v1', plural: 'namespaces' }, undefined, { metadata: { name: NS } });
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('two pods sharing a volume: one stage, two publishes, unstage only after the second tear-down', async () => {
  const d = new FakeCsiDriver(DRIVER);
  const vm = manager(d);
  const h = await bound('shared', { csi: { fsType: 'ext4', volumeAttributes: { k: 'v' } }, mountOptions: ['noatime'] });
  const [a, b] = [pod('shared'), pod('shared')];
  await vm.setUp(a);
  await vm.setUp(a); // idempotent: no second publish
  await vm.setUp(b);
  assert.deepEqual(d.ops(), [`stage ${h}`, `publish ${h} ${uidOf(a)}`, `publish ${h} ${uidOf(b)}`]);
  const stage = d.calls[0];
  assert.ok(stage?.op === 'stage');
  assert.equal(stage.req.stagingPath, stagingOf(h));
  assert.deepEqual(stage.req.capability, { accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER', fsType: 'ext4', mountFlags: ['noatime'] });
  assert.deepEqual(stage.req.volumeContext, { k: 'v' });
  const pub = d.calls[1];
  const target = join(base, 'pods', uidOf(a), 'volumes', 'kubernetes.io~csi', 'data', 'mount');
  assert.ok(pub?.op === 'publish');
  assert.deepEqual({ target: pub.req.targetPath, staging: pub.req.stagingPath, ro: pub.req.readOnly }, { target, staging: stagingOf(h), ro: false });
  assert.deepEqual(await vm.containerMounts(a, a.spec.containers[0]!, {}), [{ destination: '/data', source: target, type: 'bind', options: ['rbind', 'rprivate', 'rw'] }]);
  const record = JSON.parse(await readFile(join(target, '..', 'vol_data.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([record.driver, record.volumeHandle, record.pvName, record.stagingPath], [DRIVER, h, `pv-shared-${tag}`, stagingOf(h)]);

  await vm.tearDown(uidOf(a));
  assert.deepEqual(d.ops().slice(3), [`unpublish ${h} ${uidOf(a)}`], 'the other pod still publishes it: no unstage');
  await vm.tearDown(uidOf(b));
  assert.deepEqual(d.ops().slice(4), [`unpublish ${h} ${uidOf(b)}`, `unstage ${h}`]);
  await vm.tearDown(uidOf(b)); // safe to repeat
  assert.equal(d.calls.length, 6);
  await assert.rejects(stat(join(stagingOf(h), '..')), /ENOENT/, 'the staging directory is gone');
  await assert.rejects(stat(join(base, 'pods', uidOf(a))), /ENOENT/);
});

test('a restarted node (new VolumeManager over the same dirs) stages again (idempotent) at its first setUp, and unstages after the last pod', async () => {
  const d = new FakeCsiDriver(DRIVER);
  const h = await bound('restart');
  const [a, b, c] = [pod('restart'), pod('restart'), pod('restart')];
  const before = manager(d);
  await before.setUp(a);
  await before.setUp(b);
  const after = manager(d);
  assert.deepEqual((await after.podsOnDisk()).filter((u) => [uidOf(a), uidOf(b)].includes(u)).sort(), [uidOf(a), uidOf(b)].sort());
  await after.setUp(c);
  const e = pod('restart');
  await after.setUp(e); // staged by this process now: not again
  await after.tearDown(uidOf(a));
  await after.tearDown(uidOf(c));
  await after.tearDown(uidOf(e));
  // The stage record of the earlier process is not trusted: NodeStageVolume again (idempotent).
  assert.deepEqual(d.ops().filter((o) => !o.startsWith('publish')), [`stage ${h}`, `stage ${h}`, `unpublish ${h} ${uidOf(a)}`, `unpublish ${h} ${uidOf(c)}`, `unpublish ${h} ${uidOf(e)}`]);
  const n = d.calls.length;
  // After a reboot the staging and publish mounts are gone: a pod still running here gets both again.
  const rebooted = manager(d, 'boot-2');
  await rebooted.setUp(b);
  assert.deepEqual(d.ops().slice(n), [`stage ${h}`, `publish ${h} ${uidOf(b)}`]);
  // b was never set up by this manager: its record on disk still holds the volume.
  const third = manager(d, 'boot-2');
  await third.tearDown(uidOf(b));
  assert.deepEqual(d.ops().slice(n + 2), [`unpublish ${h} ${uidOf(b)}`, `unstage ${h}`]);
});

test('access modes, block mode, read-only and drivers without staging', async () => {
  const cases: [string, ClaimOpts & { podReadOnly?: boolean }, { mode: string; type: string; ro: boolean }][] = [
    ['RWO', {}, { mode: 'SINGLE_NODE_WRITER', type: 'mount', ro: false }],
    ['ROX', { accessModes: ['ReadOnlyMany'] }, { mode: 'MULTI_NODE_READER_ONLY', type: 'mount', ro: true }],
    ['RWX', { accessModes: ['ReadWriteMany'] }, { mode: 'MULTI_NODE_MULTI_WRITER', type: 'mount', ro: false }],
    ['RWOP', { accessModes: ['ReadWriteOncePod'] }, { mode: 'SINGLE_NODE_SINGLE_WRITER', type: 'mount', ro: false }],
    ['pod readOnly', { podReadOnly: true }, { mode: 'SINGLE_NODE_WRITER', type: 'mount', ro: true }],
    ['csi readOnly', { csi: { readOnly: true } }, { mode: 'SINGLE_NODE_WRITER', type: 'mount', ro: true }],
    ['block', { block: true }, { mode: 'SINGLE_NODE_WRITER', type: 'block', ro: false }],
  ];
  for (const [i, [name, o, want]] of cases.entries()) {
    const d = new FakeCsiDriver(DRIVER);
    const vm = manager(d);
    await bound(`mode${i}`, o);
    const p = pod(`mode${i}`, { block: o.block === true, readOnly: o.podReadOnly === true });
    await vm.setUp(p);
    const pub = d.calls.find((c) => c.op === 'publish');
    assert.ok(pub?.op === 'publish', name);
    assert.deepEqual({ mode: pub.req.capability.accessMode, type: pub.req.capability.accessType, ro: pub.req.readOnly }, want, name);
    if (o.block) {
      assert.equal(pub.req.targetPath, join(base, 'pods', uidOf(p), 'volumeDevices', 'kubernetes.io~csi', 'data'), name);
      // The fake publishes a plain file: the node refuses to hand it over as a device.
      await assert.rejects(vm.containerDevices(p, p.spec.containers[0]!), /is not a block device/, name);
      const asMount = { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/d' }] };
      await assert.rejects(vm.containerMounts(p, asMount, {}), /volumeMode Block; list it under volumeDevices/, name);
    } else {
      assert.deepEqual((await vm.containerMounts(p, p.spec.containers[0]!, {}))[0]?.options[2], want.ro ? 'ro' : 'rw', name);
    }
    await vm.tearDown(uidOf(p));
    assert.deepEqual(d.ops().map((s) => s.split(' ')[0]), ['stage', 'publish', 'unpublish', 'unstage'], name);
  }
  const noStage = new FakeCsiDriver(DRIVER, []);
  const vm = manager(noStage);
  await bound('nostage');
  const p = pod('nostage');
  await vm.setUp(p);
  const pub = noStage.calls[0];
  assert.ok(pub?.op === 'publish' && pub.req.stagingPath === undefined);
  await vm.tearDown(uidOf(p));
  assert.deepEqual(noStage.ops().map((s) => s.split(' ')[0]), ['publish', 'unpublish']);
});

test('a driver that is not registered fails the mount naming the fix; secret refs are ignored', async () => {
  const vm = new VolumeManager({ podsDir: join(base, 'pods'), client: stack.client, clock: { now: () => new Date() }, nodeName: 'n1', csiDrivers: registryOf() });
  await bound('nodriver');
  const p = pod('nodriver');
  const err = await vm.setUp(p).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof VolumeMountError);
  assert.match(err.message, new RegExp(`^MountVolume.SetUp failed for volume "data" : driver ${DRIVER} is not registered on node n1: start it with its socket in ${base}/plugins`));
  await vm.tearDown(uidOf(p));
  const d = new FakeCsiDriver(DRIVER);
  await bound('secret', { csi: { nodeStageSecretRef: { name: 's', namespace: NS } } });
  const q = pod('secret');
  await manager(d).setUp(q);
  assert.deepEqual(d.ops().map((s) => s.split(' ')[0]), ['stage', 'publish']);
  await manager(d).tearDown(uidOf(q));
});

test('a stage that fails is a FailedMount, retried by the next setUp; tear-down of a pod that never got the volume still undoes the stage', async () => {
  const d = new FakeCsiDriver(DRIVER);
  const vm = manager(d);
  const h = await bound('flaky');
  d.stageError = new CsiError('INTERNAL', 'mkfs failed');
  const p = pod('flaky');
  const err = await vm.setUp(p).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof VolumeMountError);
  assert.match(err.message, /^MountVolume.SetUp failed for volume "data" : NodeStageVolume of volume "pv-flaky-\d+" failed: INTERNAL: mkfs failed$/);
  await assert.rejects(vm.containerMounts(p, p.spec.containers[0]!, {}), /not set up yet/);
  await vm.setUp(p).catch(() => undefined);
  assert.deepEqual(d.ops(), [`stage ${h}`, `stage ${h}`]);
  await vm.tearDown(uidOf(p));
  assert.deepEqual(d.ops().slice(2), [`unpublish ${h} ${uidOf(p)}`, `unstage ${h}`]);
  d.stageError = undefined;
  const q = pod('flaky');
  await vm.setUp(q);
  await vm.tearDown(uidOf(q));
  assert.deepEqual(d.ops().slice(4), [`stage ${h}`, `publish ${h} ${uidOf(q)}`, `unpublish ${h} ${uidOf(q)}`, `unstage ${h}`]);
});

const claimOf = (name: string) => stack.client.get(pvcRef, NS, name);
const resizePending = { type: 'FileSystemResizePending', status: 'True', message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.' };

test('a volume grown while unstaged is expanded after staging and the claim records the new size', async () => {
  const d = new FakeCsiDriver(DRIVER);
  const h = await bound('grown', { pvSize: '2Gi', claimSize: '1Gi' });
  await stack.client.patch(pvcRef, NS, 'grown', 'merge', { status: { conditions: [resizePending], allocatedResourceStatuses: { storage: 'NodeResizePending' } } }, {}, 'status');
  const p = pod('grown');
  await manager(d).setUp(p);
  assert.deepEqual(d.ops(), [`stage ${h}`, `publish ${h} ${uidOf(p)}`, `expand ${h} ${2n * GiB}`]);
  const exp = d.calls[2];
  assert.ok(exp?.op === 'expand' && exp.req.stagingPath === stagingOf(h));
  const claim = await claimOf('grown');
  const st = claim.status as Record<string, unknown>;
  assert.deepEqual(st.capacity, { storage: '2Gi' });
  assert.equal(st.conditions, undefined);
  assert.equal(st.allocatedResourceStatuses, undefined);
  const told = events.filter((e) => e.obj.metadata.uid === claim.metadata.uid);
  assert.deepEqual(told.map((e) => [e.type, e.reason]), [['Normal', 'FileSystemResizeSuccessful']]);
  await manager(d).tearDown(uidOf(p));
});

test('online expansion the driver refuses (FAILED_PRECONDITION): FileSystemResizePending stays, one event, done at the next stage', async () => {
  const d = new FakeCsiDriver(DRIVER);
  const vm = manager(d);
  const h = await bound('online');
  const p = pod('online');
  await vm.setUp(p);
  await vm.resync();
  assert.deepEqual(d.ops(), [`stage ${h}`, `publish ${h} ${uidOf(p)}`], 'same size: nothing to expand');
  // The resizer grew the volume while the pod runs.
  await stack.client.patch(pvRef, undefined, `pv-online-${tag}`, 'merge', { spec: { capacity: { storage: '3Gi' } } });
  await stack.client.patch(pvcRef, NS, 'online', 'merge', { status: { conditions: [resizePending] } }, {}, 'status');
  d.expandError = new CsiError('FAILED_PRECONDITION', 'online resize of ext4 needs CAP_SYS_RESOURCE');
  await vm.resync();
  await vm.resync();
  assert.deepEqual(d.ops().slice(2), [`expand ${h} ${3n * GiB}`], 'refused once, not retried online');
  let claim = await claimOf('online');
  assert.deepEqual((claim.status as { capacity: unknown }).capacity, { storage: '1Gi' });
  assert.deepEqual(((claim.status as { conditions: { type: string }[] }).conditions).map((c) => c.type), ['FileSystemResizePending']);
  const told = () => events.filter((e) => e.obj.metadata.uid === claim.metadata.uid).map((e) => [e.type, e.reason, e.message]);
  assert.deepEqual(told(), [['Warning', 'FileSystemResizeFailed', `NodeExpandVolume of volume "pv-online-${tag}" on node "n1" failed: FAILED_PRECONDITION: online resize of ext4 needs CAP_SYS_RESOURCE`]]);
  // The pod restarts: unstaged, staged again, expanded offline.
  await vm.tearDown(uidOf(p));
  d.expandError = undefined;
  const again = pod('online');
  await vm.setUp(again);
  assert.deepEqual(d.ops().slice(3), [`unpublish ${h} ${uidOf(p)}`, `unstage ${h}`, `stage ${h}`, `publish ${h} ${uidOf(again)}`, `expand ${h} ${3n * GiB}`]);
  claim = await claimOf('online');
  assert.deepEqual((claim.status as { capacity: unknown }).capacity, { storage: '3Gi' });
  assert.equal((claim.status as { conditions?: unknown }).conditions, undefined);
  assert.deepEqual(told().map((e) => e[1]), ['FileSystemResizeFailed', 'FileSystemResizeSuccessful']);
  await vm.tearDown(uidOf(again));
  assert.deepEqual(await readdir(join(base, 'pods')).then((l) => l.filter((u) => u === uidOf(again))), []);
});

/** The fake driver, with a NodeUnstageVolume that fails while `unstageError` is set. */
class FlakyUnstage extends FakeCsiDriver {
  unstageError: CsiError | undefined;
  override async nodeUnstageVolume(volumeId: string, stagingPath: string): Promise<void> {
    if (!this.unstageError) return super.nodeUnstageVolume(volumeId, stagingPath);
    this.calls.push({ op: 'unstage', volumeId, stagingPath });
    throw this.unstageError;
  }
}

test('an unstage that fails keeps the publish record, so the next tear-down unstages', async () => {
  const d = new FlakyUnstage(DRIVER);
  const h = await bound('unstagefail');
  const p = pod('unstagefail');
  await manager(d).setUp(p);
  d.unstageError = new CsiError('INTERNAL', 'device busy');
  await assert.rejects(manager(d).tearDown(uidOf(p)), /NodeUnstageVolume of volume "pv-unstagefail-\d+" failed: INTERNAL: device busy/);
  await stat(join(base, 'pods', uidOf(p), 'volumes', 'kubernetes.io~csi', 'data', 'vol_data.json'));
  d.unstageError = undefined;
  await manager(d).tearDown(uidOf(p));
  assert.deepEqual(d.ops(), [`stage ${h}`, `publish ${h} ${uidOf(p)}`, `unpublish ${h} ${uidOf(p)}`, `unstage ${h}`, `unpublish ${h} ${uidOf(p)}`, `unstage ${h}`]);
  await assert.rejects(stat(join(stagingOf(h), '..')), /ENOENT/);
});

test('a staged volume no publish record holds (a crash of an older tear-down) is unstaged by the next process', async () => {
  const d = new FakeCsiDriver(DRIVER);
  const h = await bound('orphan');
  const p = pod('orphan');
  await manager(d).setUp(p);
  // The crash: the pod's publish record is gone, NodeUnstageVolume never ran.
  await rm(join(base, 'pods', uidOf(p)), { recursive: true });
  const next = manager(d);
  await next.resync();
  assert.deepEqual(d.ops(), [`stage ${h}`, `publish ${h} ${uidOf(p)}`, `unstage ${h}`]);
  await assert.rejects(stat(join(stagingOf(h), '..')), /ENOENT/);
  // A volume a pod holds is left alone.
  const q = pod('orphan');
  await next.setUp(q);
  await manager(d).resync();
  assert.deepEqual(d.ops().slice(3), [`stage ${h}`, `publish ${h} ${uidOf(q)}`]);
  await next.tearDown(uidOf(q));
});

test('an unstage that fails half-way marks the volume unstaged: the next pod stages it again', async () => {
  const d = new FakeCsiDriver(DRIVER);
  const vm = manager(d);
  const h = await bound('halfway');
  const p = pod('halfway');
  await vm.setUp(p);
  // Something left a file in the staging path: unstaging fails after NodeUnstageVolume.
  await writeFile(join(stagingOf(h), 'stray'), 'x');
  await assert.rejects(vm.tearDown(uidOf(p)), /Cannot remove the staging path .*: it still holds files/);
  const rec = JSON.parse(await readFile(join(stagingOf(h), '..', 'vol_data.json'), 'utf8')) as { staged: boolean };
  assert.equal(rec.staged, false);
  await rm(join(stagingOf(h), 'stray'));
  const q = pod('halfway');
  await vm.setUp(q);
  assert.deepEqual(d.ops(), [`stage ${h}`, `publish ${h} ${uidOf(p)}`, `unpublish ${h} ${uidOf(p)}`, `unstage ${h}`, `stage ${h}`, `publish ${h} ${uidOf(q)}`]);
  await vm.tearDown(uidOf(p));
  await vm.tearDown(uidOf(q));
  assert.deepEqual(d.ops().slice(6), [`unpublish ${h} ${uidOf(p)}`, `unpublish ${h} ${uidOf(q)}`, `unstage ${h}`]);
});

test('awaitsNodeResize: only a claim the resizer marked for the node is checked against its volume', () => {
  const c = (status: Record<string, unknown>): KObject => ({ metadata: { name: 'c' }, status });
  assert.equal(awaitsNodeResize(c({ capacity: { storage: '1Gi' } })), false);
  assert.equal(awaitsNodeResize(c({ allocatedResourceStatuses: { storage: 'NodeResizePending' } })), true);
  assert.equal(awaitsNodeResize(c({ conditions: [{ type: 'FileSystemResizePending', status: 'True' }] })), true);
  assert.equal(awaitsNodeResize(c({ conditions: [{ type: 'Resizing', status: 'True' }], allocatedResourceStatuses: { storage: 'ControllerResizeInProgress' } })), false);
});
