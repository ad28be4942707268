// The snapshot controller over the real API stack (InProcessClient, ObjectStore, the served
// snapshot kinds) with an in-memory CSI driver: dynamic and pre-provisioned snapshots, waiting
// for an unbound claim, driver failures, Delete / Retain cascades and restores holding deletion.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../../machinery/client';
import { pvRef, pvcRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import { CsiError } from '../../storage/csi/types';
import { buildContext, startInformers } from '../context';
import { eventually } from '../testing/fake-timer';
import { testStack } from '../testing/stack';
import { SnapshotController } from './controller';
import { FakeCsiDriver, registryOf } from './fake-driver';
import { vsClassRef, vsRef, vscRef } from './names';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const evRef: ResourceRef = { group: '', version: 'v1', plural: 'events' };
const ns = 'snaps';
// A DNS-subdomain name, as PV validation wants of spec.csi.driver.
const DRIVER = 'fake.csi.berth.dev';
const GiB = 1073741824n;
const PVC_FIN = 'snapshot.storage.kubernetes.io/pvc-as-source-protection';

let client: ApiClient;
const driver = new FakeCsiDriver(DRIVER);
const ac = new AbortController();
let running: Promise<unknown>;

const st = (o: KObject | undefined): Record<string, unknown> => (o?.status ?? {}) as Record<string, unknown>;
async function tryGet(r: ResourceRef, namespace: string | undefined, name: string): Promise<KObject | undefined> {
  try {
    return await client.get(r, namespace, name);
  } catch {
    return undefined;
  }
}
async function until(r: ResourceRef, namespace: string | undefined, name: string, ok: (o: KObject) => boolean, what: string): Promise<KObject> {
  let last: KObject | undefined;
  await eventually(async () => {
    last = await tryGet(r, namespace, name);
    return last !== undefined && ok(last);
  }, 5000, what);
  return last as KObject;
}
const gone = (r: ResourceRef, namespace: string | undefined, name: string) => eventually(async () => (await tryGet(r, namespace, name)) === undefined, 5000, `${name} gone`);
const events = async (name: string): Promise<string[]> =>
  (await client.list(evRef, ns)).items.filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => `${String(e.type)} ${String(e.reason)} ${String(e.message)}`);

/** A Bound claim on a CSI volume of `size` bytes. */
async function boundClaim(name: string, volumeHandle: string, size = GiB, bound = true): Promise<KObject> {
  driver.volumes.set(volumeHandle, size);
  await client.create(pvRef, undefined, {
    metadata: { name: `pv-${name}` },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', csi: { driver: DRIVER, volumeHandle }, claimRef: { name, namespace: ns }, storageClassName: '' },
  });
  const claim = await client.create(pvcRef, ns, { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName: `pv-${name}` } });
  return bound ? setPhase(claim, 'Bound') : claim;
}
async function setPhase(claim: KObject, phase: string): Promise<KObject> {
  const cur = await client.get(pvcRef, ns, claim.metadata.name ?? '');
  return client.update(pvcRef, ns, { ...cur, status: { phase } }, {}, 'status');
}
const snapClass = (name: string, policy: string, isDefault = false): KObject => ({
  metadata: { name, ...(isDefault ? { annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } : {}) },
  driver: DRIVER, deletionPolicy: policy, parameters: { tier: 'gold' },
});
const snapshotOf = (name: string, source: Record<string, string>, cls?: string): KObject => ({ metadata: { name }, spec: { source, ...(cls ? { volumeSnapshotClassName: cls } : {}) } });

before(async () => {
  const stack = await testStack();
  client = stack.client;
  const ctx = buildContext({ client, registry: stack.registry, clock: { now: () => new Date() } });
  const ctrl = new SnapshotController(ctx, { drivers: registryOf(driver) });
  running = Promise.all([startInformers(ctx, ac.signal), ctrl.start(ac.signal)]);
  await ctrl.ready;
  await client.create(nsRef, undefined, { metadata: { name: ns } });
  await client.create(vsClassRef, undefined, snapClass('gold', 'Delete', true));
  await client.create(vsClassRef, undefined, snapClass('keep', 'Retain'));
});

after(async () => {
  ac.abort();
  await running;
});

test('a snapshot of a bound claim: default class, content, CreateSnapshot, statuses, events, finalizers', async () => {
  await boundClaim('data', 'vol-data');
  const created = await client.create(vsRef, ns, snapshotOf('first', { persistentVolumeClaimName: 'data' }));
  const uid = created.metadata.uid ?? '';
  const snap = await until(vsRef, ns, 'first', (o) => st(o)['readyToUse'] === true, 'first ready');
  assert.equal((snap.spec as Record<string, unknown>)['volumeSnapshotClassName'], 'gold');
  assert.deepEqual(snap.metadata.finalizers, ['snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection', 'snapshot.storage.kubernetes.io/volumesnapshot-bound-protection']);
  const status = st(snap);
  assert.equal(status['boundVolumeSnapshotContentName'], `snapcontent-${uid}`);
  assert.equal(status['restoreSize'], '1Gi');
  assert.match(String(status['creationTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(status['error'], undefined);
  const content = await until(vscRef, undefined, `snapcontent-${uid}`, () => true, 'content');
  assert.deepEqual((content.spec as Record<string, unknown>)['source'], { volumeHandle: 'vol-data' });
  assert.equal((content.spec as Record<string, unknown>)['deletionPolicy'], 'Delete');
  assert.deepEqual(content.metadata.finalizers, ['snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection']);
  const cs = st(content);
  assert.deepEqual([cs['snapshotHandle'], cs['readyToUse'], cs['restoreSize']], [`snap-snapshot-${uid}`, true, 1073741824]);
  // int64 nanoseconds, within a minute of now.
  assert.ok(Math.abs(Number(cs['creationTime']) / 1e6 - Date.now()) < 60_000);
  assert.ok(driver.calls.includes(`create vol-data snapshot-${uid} {"tier":"gold"}`));
  await eventually(async () => (await events('first')).length >= 3, 5000, 'events');
  assert.deepEqual((await events('first')).sort(), [
    `Normal CreatingSnapshot Waiting for a snapshot ${ns}/first to be created by the CSI driver.`,
    `Normal SnapshotCreated Snapshot ${ns}/first was successfully created by the CSI driver.`,
    `Normal SnapshotReady Snapshot ${ns}/first is ready to use.`,
  ]);
  // The source claim was protected while the snapshot was taken, and is released once it is ready.
  await until(pvcRef, ns, 'data', (c) => !(c.metadata.finalizers ?? []).includes(PVC_FIN), 'claim released');
});

test('a snapshot of an unbound claim waits with the upstream error, then proceeds once it binds', async () => {
  const claim = await boundClaim('late', 'vol-late', GiB, false);
  await client.create(vsRef, ns, snapshotOf('waiting', { persistentVolumeClaimName: 'late' }, 'gold'));
  const waiting = await until(vsRef, ns, 'waiting', (o) => st(o)['error'] !== undefined, 'error status');
  assert.equal((st(waiting)['error'] as { message: string }).message, 'Failed to create snapshot content with error failed to get input parameters to create snapshot waiting: "the PVC late is not yet bound to a PV, will not attempt to take a snapshot"');
  assert.equal(st(waiting)['readyToUse'], false);
  assert.ok((await events('waiting')).some((e) => e.startsWith('Warning SnapshotContentCreationFailed ')));
  // Protected from deletion already, as upstream.
  assert.ok(((await client.get(pvcRef, ns, 'late')).metadata.finalizers ?? []).includes(PVC_FIN));
  await setPhase(claim, 'Bound');
  const ready = await until(vsRef, ns, 'waiting', (o) => st(o)['readyToUse'] === true, 'ready after binding');
  assert.equal(st(ready)['error'], undefined);
});

test('a driver failure is reported on the content and retried', async () => {
  await boundClaim('flaky', 'vol-flaky');
  driver.createErrors.push(new CsiError('INTERNAL', 'disk full'));
  const created = await client.create(vsRef, ns, snapshotOf('retry', { persistentVolumeClaimName: 'flaky' }, 'gold'));
  await until(vsRef, ns, 'retry', (o) => st(o)['readyToUse'] === true, 'ready after a retry');
  const content = await client.get(vscRef, undefined, `snapcontent-${created.metadata.uid ?? ''}`);
  assert.equal(st(content)['error'], undefined);
  const contentEvents = (await client.list(evRef, 'default')).items.filter((e) => (e.involvedObject as { name?: string }).name === content.metadata.name);
  assert.deepEqual(contentEvents.map((e) => `${String(e.reason)} ${String(e.message)} ${String((e.source as { component?: string }).component)}`), [
    `SnapshotCreationFailed Failed to create snapshot: failed to take snapshot of the volume vol-flaky: "disk full" csi-snapshotter ${DRIVER}`,
  ]);
});

test('deleting a snapshot with policy Delete deletes the snapshot on the driver and the content', async () => {
  await until(vsRef, ns, 'first', (o) => st(o)['readyToUse'] === true, 'first ready');
  const content = String(st(await client.get(vsRef, ns, 'first'))['boundVolumeSnapshotContentName']);
  const handle = String(st(await client.get(vscRef, undefined, content))['snapshotHandle']);
  await client.delete(vsRef, ns, 'first');
  await gone(vsRef, ns, 'first');
  await gone(vscRef, undefined, content);
  assert.ok(driver.calls.includes(`delete ${handle}`));
  assert.equal([...driver.snapshots.values()].some((s) => s.snapshotId === handle), false);
});

test('deleting a snapshot with policy Retain keeps the content and the snapshot on the driver', async () => {
  await boundClaim('kept', 'vol-kept');
  const created = await client.create(vsRef, ns, snapshotOf('retained', { persistentVolumeClaimName: 'kept' }, 'keep'));
  await until(vsRef, ns, 'retained', (o) => st(o)['readyToUse'] === true, 'retained ready');
  const name = `snapcontent-${created.metadata.uid ?? ''}`;
  const handle = String(st(await client.get(vscRef, undefined, name))['snapshotHandle']);
  await client.delete(vsRef, ns, 'retained');
  await gone(vsRef, ns, 'retained');
  const content = await until(vscRef, undefined, name, (c) => c.metadata.annotations?.['snapshot.storage.kubernetes.io/volumesnapshot-being-deleted'] === 'yes', 'content marked');
  assert.equal(content.metadata.deletionTimestamp, undefined);
  assert.equal(driver.calls.includes(`delete ${handle}`), false);
});

test('a pre-provisioned content binds to the snapshot that names it', async () => {
  await client.create(vscRef, undefined, {
    metadata: { name: 'pre-1' },
    spec: { deletionPolicy: 'Retain', driver: DRIVER, source: { snapshotHandle: 'existing-1' }, volumeSnapshotRef: { name: 'imported', namespace: ns } },
  });
  const created = await client.create(vsRef, ns, snapshotOf('imported', { volumeSnapshotContentName: 'pre-1' }));
  const snap = await until(vsRef, ns, 'imported', (o) => st(o)['readyToUse'] === true, 'imported ready');
  assert.equal(st(snap)['boundVolumeSnapshotContentName'], 'pre-1');
  const content = await client.get(vscRef, undefined, 'pre-1');
  assert.equal((content.spec as { volumeSnapshotRef: { uid: string } }).volumeSnapshotRef.uid, created.metadata.uid);
  assert.equal(st(content)['snapshotHandle'], 'existing-1');
  // Retain: no bound finalizer on the snapshot.
  assert.deepEqual(snap.metadata.finalizers, ['snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection']);
});

test('a snapshot a pending claim restores from is kept until the claim stops waiting', async () => {
  await boundClaim('src', 'vol-src');
  await client.create(vsRef, ns, snapshotOf('source', { persistentVolumeClaimName: 'src' }, 'gold'));
  await until(vsRef, ns, 'source', (o) => st(o)['readyToUse'] === true, 'source ready');
  const restore = await client.create(pvcRef, ns, {
    metadata: { name: 'restore' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'source' } },
  });
  await setPhase(restore, 'Pending');
  await client.delete(vsRef, ns, 'source');
  await eventually(async () => (await events('source')).some((e) => e === 'Warning SnapshotDeletePending Snapshot is being used to restore a PVC'), 5000, 'SnapshotDeletePending');
  assert.ok((await client.get(vsRef, ns, 'source')).metadata.deletionTimestamp);
  await setPhase(restore, 'Bound');
  await gone(vsRef, ns, 'source');
});
