// The resizer against the real API machinery and in-memory CSI drivers: a grown claim gets
// ControllerExpandVolume, the PV's capacity, and the claim status of the step it is at.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ResourceRef } from '../../machinery/client';
import { pvRef, pvcRef, scRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import { CsiError } from '../../storage/csi/types';
import { buildContext, startInformers } from '../context';
import { FakeCsiDriver, FakeRegistry } from '../provisioner/fake-driver';
import { eventually } from '../testing/fake-timer';
import { type Stack, testStack } from '../testing/stack';
import { ResizerController } from './controller';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const evRef: ResourceRef = { group: '', version: 'v1', plural: 'events' };
const NS = 'resize';
// Upstream validation wants CSI driver names to be DNS subdomains (no '/').
const ONLINE = new FakeCsiDriver('online.csi.test');
const OFFLINE = new FakeCsiDriver('offline.csi.test');
const NODE_ONLY = new FakeCsiDriver('nodeonly.csi.test');
ONLINE.nodeExpansionRequired = false;
NODE_ONLY.controller = new Set(['CREATE_DELETE_VOLUME']);

let stack: Stack;
const ac = new AbortController();
let running: Promise<unknown>;

before(async () => {
  stack = await testStack();
  await stack.client.create(nsRef, undefined, { metadata: { name: NS } });
  await stack.client.create(scRef, undefined, { metadata: { name: 'grow' }, provisioner: 'offline.csi.test', allowVolumeExpansion: true });
  const ctx = buildContext({ client: stack.client, registry: stack.registry, clock: { now: () => new Date() } });
  const ctl = new ResizerController(ctx, { drivers: new FakeRegistry(ONLINE, OFFLINE, NODE_ONLY), retryStartMs: 5, retryMaxMs: 50, infeasibleRetryMs: 60_000 });
  running = Promise.all([startInformers(ctx, ac.signal), ctl.start(ac.signal)]);
  await ctl.ready;
});
after(async () => {
  ac.abort();
  await running;
});

/** A 1Gi claim Bound to a CSI PV of `driver` (made by hand: no binder runs here), then grown to 2Gi. */
async function boundAndGrown(name: string, driver: FakeCsiDriver): Promise<void> {
  await driver.createVolume({ name: `vol-${name}`, requiredBytes: 1n << 30n, capabilities: [], parameters: {} });
  const claim = await stack.client.create(pvcRef, NS, { metadata: { name }, spec: { storageClassName: 'grow', accessModes: ['ReadWriteOnce'], volumeName: `pv-${name}`, resources: { requests: { storage: '1Gi' } } } });
  await stack.client.create(pvRef, undefined, {
    metadata: { name: `pv-${name}` },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'grow', persistentVolumeReclaimPolicy: 'Delete',
      csi: { driver: driver.name, volumeHandle: `vol-${name}`, fsType: 'ext4' },
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: NS, name, uid: claim.metadata.uid },
    },
  });
  await stack.client.patch(pvcRef, NS, name, 'merge', { status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, {}, 'status');
  await stack.client.patch(pvcRef, NS, name, 'merge', { spec: { resources: { requests: { storage: '2Gi' } } } });
}

const claimOf = (name: string) => stack.client.get(pvcRef, NS, name);
const pvOf = (name: string) => stack.client.get(pvRef, undefined, `pv-${name}`);
const st = (c: KObject) => c.status as { capacity?: { storage?: string }; allocatedResources?: { storage?: string }; allocatedResourceStatuses?: Record<string, string>; conditions?: { type: string; message?: string }[] };
const reasons = async (name: string) =>
  (await stack.client.list(evRef, NS)).items
    .filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === name)
    .map((e) => e as { reason?: string; message?: string; type?: string; source?: { component?: string } });

test('a driver needing node expansion: PV grows, claim waits with FileSystemResizePending / NodeResizePending', async () => {
  await boundAndGrown('offline', OFFLINE);
  await eventually(async () => st(await claimOf('offline')).allocatedResourceStatuses?.storage === 'NodeResizePending', 5000, 'NodeResizePending');
  const c = st(await claimOf('offline'));
  assert.equal(c.capacity?.storage, '1Gi', 'the claim keeps its old capacity until the node grew the filesystem');
  assert.equal(c.allocatedResources?.storage, '2Gi');
  assert.deepEqual(c.conditions?.map((x) => [x.type, x.message]), [
    ['FileSystemResizePending', 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.'],
  ]);
  const pv = await pvOf('offline');
  assert.equal((pv.spec as { capacity: { storage: string } }).capacity.storage, '2Gi');
  assert.equal(pv.metadata.annotations?.['volume.alpha.kubernetes.io/pre-resize-capacity'], '1Gi');
  const call = OFFLINE.calls.find((x) => x.rpc === 'controllerExpandVolume');
  assert.deepEqual(call?.arg, { volumeId: 'vol-offline', requiredBytes: 2n << 30n, capability: { accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER', fsType: 'ext4' } });
  await eventually(async () => (await reasons('offline')).some((e) => e.reason === 'FileSystemResizeRequired'), 5000, 'events');
  const evs = await reasons('offline');
  assert.ok(evs.some((e) => e.reason === 'ExternalExpanding' && e.type === 'Warning' && e.message === 'waiting for an external controller to expand this PVC' && e.source?.component === 'volume_expand'));
  assert.ok(evs.some((e) => e.reason === 'Resizing' && e.message === 'External resizer is resizing volume pv-offline' && e.source?.component === 'external-resizer offline.csi.test'));
  assert.ok(evs.some((e) => e.reason === 'FileSystemResizeRequired' && e.message === 'Require file system resize of volume on node'));

  // The node (H5's side) finishes: status.capacity catches up; the PV's pre-resize annotation goes.
  await stack.client.patch(pvcRef, NS, 'offline', 'merge', { status: { capacity: { storage: '2Gi' }, conditions: null, allocatedResourceStatuses: null } }, {}, 'status');
  await eventually(async () => (await pvOf('offline')).metadata.annotations?.['volume.alpha.kubernetes.io/pre-resize-capacity'] === undefined, 5000, 'annotation removed');
  assert.equal(OFFLINE.calls.filter((x) => x.rpc === 'controllerExpandVolume').length, 1, 'no second expansion');
});

test('a driver that expands fully on the controller: the claim is finished at once', async () => {
  await boundAndGrown('online', ONLINE);
  await eventually(async () => st(await claimOf('online')).capacity?.storage === '2Gi', 5000, 'capacity 2Gi');
  const c = await claimOf('online');
  assert.deepEqual([st(c).conditions, st(c).allocatedResourceStatuses, st(c).allocatedResources], [undefined, undefined, { storage: '2Gi' }]);
  assert.equal(c.metadata.annotations?.['volume.kubernetes.io/node-expansion-not-required'], 'true');
  assert.equal((await pvOf('online')).metadata.annotations?.['volume.alpha.kubernetes.io/pre-resize-capacity'], undefined);
  await eventually(async () => (await reasons('online')).some((e) => e.reason === 'VolumeResizeSuccessful' && e.message === 'Resize volume succeeded'), 5000, 'success event');
});

test('a node-only driver: no ControllerExpandVolume, the PV takes the requested size, the node does the rest', async () => {
  await boundAndGrown('nodeonly', NODE_ONLY);
  await eventually(async () => st(await claimOf('nodeonly')).allocatedResourceStatuses?.storage === 'NodeResizePending', 5000, 'NodeResizePending');
  assert.equal(((await pvOf('nodeonly')).spec as { capacity: { storage: string } }).capacity.storage, '2Gi');
  assert.equal(NODE_ONLY.calls.some((x) => x.rpc === 'controllerExpandVolume'), false);
});

test('an infeasible expansion: VolumeResizeFailed, ControllerResizeError, Infeasible; a smaller new request recovers', async () => {
  OFFLINE.failures.set('controllerExpandVolume', [new CsiError('OUT_OF_RANGE', 'the pool has 1.5Gi left')]);
  await boundAndGrown('toobig', OFFLINE);
  await eventually(async () => st(await claimOf('toobig')).allocatedResourceStatuses?.storage === 'ControllerResizeInfeasible', 5000, 'Infeasible');
  const c = st(await claimOf('toobig'));
  assert.deepEqual(c.conditions?.find((x) => x.type === 'ControllerResizeError')?.message, 'failed to expand pvc with rpc error: code = OutOfRange desc = the pool has 1.5Gi left');
  assert.ok((await reasons('toobig')).some((e) => e.reason === 'VolumeResizeFailed' && e.message === 'resize volume "pv-toobig" by resizer "offline.csi.test" failed: rpc error: code = OutOfRange desc = the pool has 1.5Gi left'));
  assert.equal(((await pvOf('toobig')).spec as { capacity: { storage: string } }).capacity.storage, '1Gi', 'the PV keeps its size');
  // The same size is not retried soon (slow set); a different request goes ahead (recovery).
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(OFFLINE.calls.filter((x) => x.rpc === 'controllerExpandVolume' && (x.arg as { volumeId: string }).volumeId === 'vol-toobig').length, 1);
  await stack.client.patch(pvcRef, NS, 'toobig', 'merge', { spec: { resources: { requests: { storage: '1536Mi' } } } });
  await eventually(async () => st(await claimOf('toobig')).allocatedResourceStatuses?.storage === 'NodeResizePending', 5000, 'recovered at 1536Mi');
  assert.equal(st(await claimOf('toobig')).allocatedResources?.storage, '1536Mi');
  assert.equal(((await pvOf('toobig')).spec as { capacity: { storage: string } }).capacity.storage, '1536Mi');
});
