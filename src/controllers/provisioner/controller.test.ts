// The CSI provisioner against the real API machinery (in-process store and client) and in-memory
// CSI drivers: what it asks the driver, the PVs it writes, the events it records, deletion.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ResourceRef } from '../../machinery/client';
import { nodeRef, pvRef, pvcRef, scRef } from '../../machinery/refs';
import { type CreateVolumeRequest, CsiError } from '../../storage/csi/types';
import { buildContext, startInformers } from '../context';
import { eventually } from '../testing/fake-timer';
import { type Stack, testStack } from '../testing/stack';
import { CsiProvisionerController } from './controller';
import { FakeCsiDriver, FakeRegistry } from './fake-driver';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const evRef: ResourceRef = { group: '', version: 'v1', plural: 'events' };
const snapRef: ResourceRef = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots' };
const contentRef: ResourceRef = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshotcontents' };
const NS = 'prov';
// Upstream validation wants CSI driver names to be DNS subdomains (no '/').
const BLOCK = 'block.csi.test';
const PLAIN = 'plain.csi.test';

let stack: Stack;
let ctl: CsiProvisionerController;
const block = new FakeCsiDriver(BLOCK);
const plain = new FakeCsiDriver(PLAIN);
plain.controller = new Set(['CREATE_DELETE_VOLUME']);
plain.plugin = new Set(['CONTROLLER_SERVICE']);
const ac = new AbortController();
let running: Promise<unknown>;

before(async () => {
  stack = await testStack();
  await stack.client.create(nsRef, undefined, { metadata: { name: NS } });
  const ctx = buildContext({ client: stack.client, registry: stack.registry, clock: { now: () => new Date() } });
  ctl = new CsiProvisionerController(ctx, { drivers: new FakeRegistry(block, plain), identity: '1700000000000-42', retryStartMs: 5, retryMaxMs: 50 });
  running = Promise.all([startInformers(ctx, ac.signal), ctl.start(ac.signal)]);
  await ctl.ready;
  for (const [name, provisioner, extra] of [
    ['fast', BLOCK, { parameters: { 'csi.storage.k8s.io/fstype': 'ext4', pool: 'main' }, mountOptions: ['noatime'] }],
    ['late', BLOCK, { volumeBindingMode: 'WaitForFirstConsumer' }],
    ['plain', PLAIN, {}],
  ] as const) await stack.client.create(scRef, undefined, { metadata: { name }, provisioner, reclaimPolicy: 'Delete', ...extra });
});
after(async () => {
  ac.abort();
  await running;
});

const getPv = (name: string) => stack.client.get(pvRef, undefined, name).catch(() => undefined);
const events = async (name: string) =>
  (await stack.client.list(evRef, NS)).items.filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === name) as { reason?: string; message?: string; type?: string }[];
const waitEvent = (name: string, reason: string, message?: RegExp) =>
  eventually(async () => (await events(name)).some((e) => e.reason === reason && (!message || message.test(e.message ?? ''))), 5000, `${reason} on ${name}`);
const createClaim = (name: string, cls: string, extra: { spec?: Record<string, unknown>; ann?: Record<string, string> } = {}) =>
  stack.client.create(pvcRef, NS, {
    metadata: { name, annotations: { 'volume.kubernetes.io/storage-provisioner': cls === 'plain' ? PLAIN : BLOCK, ...extra.ann } },
    spec: { storageClassName: cls, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra.spec },
  });
const createRequests = (d: FakeCsiDriver, name: string) => d.calls.filter((c) => c.rpc === 'createVolume' && (c.arg as CreateVolumeRequest).name === name).map((c) => c.arg as CreateVolumeRequest);

test('an Immediate claim gets CreateVolume and an external-provisioner-shaped PV; Released + Delete deletes both', async () => {
  const claim = await createClaim('data', 'fast');
  const name = `pvc-${claim.metadata.uid ?? ''}`;
  await eventually(async () => !!(await getPv(name)), 5000, 'PV created');
  const [req] = createRequests(block, name);
  assert.deepEqual(req, {
    name, requiredBytes: 1n << 30n,
    capabilities: [{ accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER', fsType: 'ext4', mountFlags: ['noatime'] }],
    parameters: { pool: 'main' },
  });
  const pv = (await getPv(name))!;
  assert.deepEqual(pv.metadata.finalizers, ['external-provisioner.volume.kubernetes.io/finalizer']);
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], BLOCK);
  const spec = pv.spec as Record<string, unknown>;
  assert.deepEqual(spec.csi, { driver: BLOCK, volumeHandle: name, fsType: 'ext4', volumeAttributes: { 'storage.kubernetes.io/csiProvisionerIdentity': `1700000000000-42-${BLOCK}`, node: 'node-a' } });
  assert.deepEqual(spec.nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.berth.dev/node', operator: 'In', values: ['node-a'] }] }] } });
  assert.deepEqual([spec.capacity, spec.persistentVolumeReclaimPolicy, spec.storageClassName, spec.volumeMode], [{ storage: '1Gi' }, 'Delete', 'fast', 'Filesystem']);
  assert.deepEqual((spec.claimRef as { uid: string }).uid, claim.metadata.uid);
  await waitEvent('data', 'ProvisioningSucceeded', new RegExp(`^Successfully provisioned volume ${name}$`));
  assert.ok((await events('data')).some((e) => e.reason === 'Provisioning' && e.message === `External provisioner is provisioning volume for claim "${NS}/data"`));

  block.failures.set('deleteVolume', [new CsiError('INTERNAL', 'device busy')]);
  await stack.client.patch(pvRef, undefined, name, 'merge', { status: { phase: 'Released' } }, {}, 'status');
  await eventually(async () => !(await getPv(name)), 5000, 'PV deleted after a retry');
  assert.equal(block.volumes.has(name), false, 'the backing volume is gone');
  const failed = (await stack.client.list(evRef, 'default')).items.find((e) => (e as { reason?: string }).reason === 'VolumeFailedDelete') as { message?: string } | undefined;
  assert.equal(failed?.message, 'rpc error: code = Internal desc = device busy');
});

test('WaitForFirstConsumer waits for the selected node and prefers its topology label', async () => {
  await stack.client.create(nodeRef, undefined, { metadata: { name: 'n1', labels: { 'topology.berth.dev/node': 'host-1' } } });
  const claim = await createClaim('late', 'late');
  const name = `pvc-${claim.metadata.uid ?? ''}`;
  await ctl.idle();
  assert.equal(await getPv(name), undefined, 'no volume before a node is selected');
  await stack.client.patch(pvcRef, NS, 'late', 'merge', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } } });
  await eventually(async () => !!(await getPv(name)), 5000, 'PV created');
  assert.deepEqual(createRequests(block, name)[0]?.preferredTopology, [{ 'topology.berth.dev/node': 'host-1' }]);
  const terms = ((await getPv(name))!.spec as { nodeAffinity: { required: { nodeSelectorTerms: unknown } } }).nodeAffinity.required.nodeSelectorTerms;
  assert.deepEqual(terms, [{ matchExpressions: [{ key: 'topology.berth.dev/node', operator: 'In', values: ['host-1'] }] }]);
});

test('out of space on the selected node: ProvisioningFailed and the node choice is handed back to the scheduler', async () => {
  block.failures.set('createVolume', [new CsiError('RESOURCE_EXHAUSTED', 'pool on host-1 is full')]);
  await createClaim('full', 'late', { ann: { 'volume.kubernetes.io/selected-node': 'n1' } });
  await waitEvent('full', 'ProvisioningFailed', /^rpc error: code = ResourceExhausted desc = pool on host-1 is full$/);
  await eventually(async () => !(await stack.client.get(pvcRef, NS, 'full')).metadata.annotations?.['volume.kubernetes.io/selected-node'], 5000, 'selected-node removed');
});

test('a driver that cannot restore snapshots or clone: ProvisioningFailed naming the driver and the capability', async () => {
  await createClaim('restore-plain', 'plain', { spec: { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' } } });
  await createClaim('clone-plain', 'plain', { spec: { dataSource: { kind: 'PersistentVolumeClaim', name: 'data' } } });
  await waitEvent('restore-plain', 'ProvisioningFailed', /^CSI driver plain\.csi\.test does not support snapshot restore: controller CREATE_DELETE_SNAPSHOT capability is not reported/);
  await waitEvent('clone-plain', 'ProvisioningFailed', /^CSI driver plain\.csi\.test does not support clone operations: controller CLONE_VOLUME capability is not reported/);
  assert.equal(plain.calls.filter((c) => c.rpc === 'createVolume').length, 0);
});

test('clone: a claim from a Bound claim of the same class copies its volume; restore from a ready snapshot', async () => {
  const src = await createClaim('origin', 'fast');
  const srcPv = `pvc-${src.metadata.uid ?? ''}`;
  await eventually(async () => !!(await getPv(srcPv)), 5000, 'source PV');
  block.volumes.get(srcPv)!.content = 'hello';
  // No binder runs here: bind the source by hand.
  await stack.client.patch(pvcRef, NS, 'origin', 'merge', { spec: { volumeName: srcPv } });
  await stack.client.patch(pvcRef, NS, 'origin', 'merge', { status: { phase: 'Bound' } }, {}, 'status');
  await stack.client.patch(pvRef, undefined, srcPv, 'merge', { status: { phase: 'Bound' } }, {}, 'status');

  const clone = await createClaim('copy', 'fast', { spec: { dataSource: { kind: 'PersistentVolumeClaim', name: 'origin' } } });
  await eventually(async () => !!(await getPv(`pvc-${clone.metadata.uid ?? ''}`)), 5000, 'clone PV');
  assert.deepEqual(createRequests(block, `pvc-${clone.metadata.uid ?? ''}`)[0]?.contentSource, { volumeId: srcPv });
  assert.equal(block.volumes.get(`pvc-${clone.metadata.uid ?? ''}`)?.content, 'hello');

  await block.createSnapshot(srcPv, 'snap-handle-1');
  await stack.client.create(contentRef, undefined, {
    metadata: { name: 'content-1' },
    spec: { driver: BLOCK, deletionPolicy: 'Delete', source: { snapshotHandle: 'snap-handle-1' }, volumeSnapshotRef: { name: 'snap', namespace: NS } },
  });
  const snap = await stack.client.create(snapRef, NS, { metadata: { name: 'snap' }, spec: { source: { volumeSnapshotContentName: 'content-1' } } });
  await stack.client.patch(contentRef, undefined, 'content-1', 'merge', { spec: { volumeSnapshotRef: { uid: snap.metadata.uid } } });
  await stack.client.patch(contentRef, undefined, 'content-1', 'merge', { status: { snapshotHandle: 'snap-handle-1', readyToUse: true } }, {}, 'status');
  const restored = await createClaim('restored', 'fast', { spec: { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' } } });
  await waitEvent('restored', 'ProvisioningFailed', /snapshot snap not bound$/);
  await stack.client.patch(snapRef, NS, 'snap', 'merge', { status: { boundVolumeSnapshotContentName: 'content-1', readyToUse: true, restoreSize: '1Gi' } }, {}, 'status');
  // A claim's retry follows its own backoff; poke it with an update.
  await stack.client.patch(pvcRef, NS, 'restored', 'merge', { metadata: { labels: { poke: '1' } } });
  const name = `pvc-${restored.metadata.uid ?? ''}`;
  await eventually(async () => !!(await getPv(name)), 5000, 'restored PV');
  assert.deepEqual(createRequests(block, name).at(-1)?.contentSource, { snapshotId: 'snap-handle-1' });
  assert.equal(block.volumes.get(name)?.content, 'hello');
});

test('a created volume smaller than asked is deleted again and reported', async () => {
  block.reportCapacity = () => 1n << 20n;
  const claim = await createClaim('small', 'fast');
  await waitEvent('small', 'ProvisioningFailed', /^created volume capacity 1048576 less than requested capacity 1073741824$/);
  block.reportCapacity = undefined;
  await eventually(async () => !!(await getPv(`pvc-${claim.metadata.uid ?? ''}`)), 5000, 'PV on retry');
  assert.ok(block.calls.some((c) => c.rpc === 'deleteVolume' && c.arg === `pvc-${claim.metadata.uid ?? ''}`), 'the short volume was deleted');
});

test('claims of unregistered drivers and static PVs are left alone', async () => {
  await stack.client.create(pvcRef, NS, { metadata: { name: 'foreign', annotations: { 'volume.kubernetes.io/storage-provisioner': 'nfs.example' } }, spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  await stack.client.create(pvRef, undefined, { metadata: { name: 'static' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', csi: { driver: BLOCK, volumeHandle: 'keep-me' } } });
  await stack.client.patch(pvRef, undefined, 'static', 'merge', { status: { phase: 'Released' } }, {}, 'status');
  // Earlier claims keep failing and retrying, so the queue is never idle: give it time instead.
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(await getPv('static'), 'a PV without provisioned-by stays');
  assert.equal(block.calls.some((c) => c.arg === 'keep-me'), false);
  assert.equal((await events('foreign')).length, 0);
});
