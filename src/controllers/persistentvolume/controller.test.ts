import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { buildContext, startInformers } from '../context';
import { StorageProtectionController } from '../pvcprotection/controller';
import { eventually } from '../testing/fake-timer';
import { testStack } from '../testing/stack';
import { pvRef, pvcRef } from '../../machinery/refs';
import { PersistentVolumeController } from './controller';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const scRef: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses' };
const podRef: ResourceRef = { group: '', version: 'v1', plural: 'pods' };
const evRef: ResourceRef = { group: '', version: 'v1', plural: 'events' };

let client: ApiClient;
const ac = new AbortController();
let running: Promise<unknown>;

const phase = (o: KObject | undefined) => (o?.status as { phase?: string } | undefined)?.phase;
const spec = (o: KObject | undefined) => (o?.spec ?? {}) as Record<string, unknown>;
async function tryGet(r: ResourceRef, ns: string | undefined, name: string): Promise<KObject | undefined> {
  try {
    return await client.get(r, ns, name);
  } catch {
    return undefined;
  }
}
function pv(name: string, size: string, extra: Record<string, unknown> = {}): KObject {
  return { metadata: { name }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, persistentVolumeReclaimPolicy: 'Retain', ...extra } };
}
function pvc(name: string, size: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject {
  return { metadata: { name, namespace: 'pvt', ...meta }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: '', ...extra } };
}
/** Polls until `get` yields a value. */
async function until<T>(get: () => Promise<T | undefined>, what: string): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const claimEvents = async (name: string) =>
  (await client.list(evRef, 'pvt')).items.filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => `${String(e.type)} ${String(e.reason)} ${String(e.message)}`);

before(async () => {
  const stack = await testStack();
  client = stack.client;
  const ctx = buildContext({ client, registry: stack.registry, clock: { now: () => new Date() } });
  const pvc = new PersistentVolumeController(ctx);
  const prot = new StorageProtectionController(ctx);
  running = Promise.all([startInformers(ctx, ac.signal), pvc.start(ac.signal), prot.start(ac.signal)]);
  await Promise.all([pvc.ready, prot.ready]);
  await client.create(nsRef, undefined, { metadata: { name: 'pvt' } });
});

after(async () => {
  ac.abort();
  await running;
});

test('a claim binds the smallest fitting volume: claimRef, annotations and phases on both', async () => {
  await client.create(pvRef, undefined, pv('big', '50Gi'));
  await client.create(pvRef, undefined, pv('fit', '5Gi'));
  // A new volume is Pending until the controller makes it Available; only then does it match.
  await eventually(async () => phase(await tryGet(pvRef, undefined, 'fit')) === 'Available' && phase(await tryGet(pvRef, undefined, 'big')) === 'Available', 5000, 'Available');
  const created = await client.create(pvcRef, 'pvt', pvc('data', '2Gi'));
  const claim = await until(async () => {
    const c = await tryGet(pvcRef, 'pvt', 'data');
    return phase(c) === 'Bound' ? c : undefined;
  }, 'claim Bound');
  assert.equal(spec(claim).volumeName, 'fit');
  assert.deepEqual(claim?.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
  assert.deepEqual(claim?.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } });
  const vol = await until(async () => {
    const v = await tryGet(pvRef, undefined, 'fit');
    return phase(v) === 'Bound' ? v : undefined;
  }, 'volume Bound');
  assert.deepEqual({ ...(spec(vol).claimRef as object), resourceVersion: undefined }, { kind: 'PersistentVolumeClaim', namespace: 'pvt', name: 'data', uid: created.metadata.uid, apiVersion: 'v1', resourceVersion: undefined });
  assert.equal(vol?.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  await eventually(async () => phase(await tryGet(pvRef, undefined, 'big')) === 'Available', 5000, 'the other volume Available');
});

test('deleting a bound claim releases its Retain volume, claimRef kept', async () => {
  await client.create(pvRef, undefined, pv('keep', '1Gi', { storageClassName: 'keep' }));
  await client.create(pvcRef, 'pvt', pvc('gone', '1Gi', { storageClassName: 'keep' }));
  await eventually(async () => phase(await tryGet(pvcRef, 'pvt', 'gone')) === 'Bound', 5000, 'bound');
  await client.delete(pvcRef, 'pvt', 'gone');
  const v = await until(async () => {
    const x = await tryGet(pvRef, undefined, 'keep');
    return phase(x) === 'Released' ? x : undefined;
  }, 'Released');
  assert.equal((spec(v).claimRef as { name?: string }).name, 'gone');
});

test('no match and no class: Pending with the FailedBinding event', async () => {
  await client.create(pvcRef, 'pvt', pvc('lonely', '900Gi'));
  await eventually(async () => (await claimEvents('lonely')).includes('Normal FailedBinding no persistent volumes available for this claim and no storage class is set'), 5000, 'event');
  assert.equal(phase(await tryGet(pvcRef, 'pvt', 'lonely')), 'Pending');
});

test('a class with a provisioner: the claim is annotated; a volume made pre-bound to it completes the bind', async () => {
  await client.create(scRef, undefined, { metadata: { name: 'dyn' }, provisioner: 'example.com/dir' });
  const claim = await client.create(pvcRef, 'pvt', pvc('dyn', '1Gi', { storageClassName: 'dyn' }));
  await eventually(async () => (await tryGet(pvcRef, 'pvt', 'dyn'))?.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'] === 'example.com/dir', 5000, 'annotated');
  const c = await client.get(pvcRef, 'pvt', 'dyn');
  assert.equal(c.metadata.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'example.com/dir');
  assert.ok((await claimEvents('dyn')).some((e) => e.startsWith("Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'example.com/dir'")));
  // What a provisioner does: a volume whose claimRef already names the claim.
  await client.create(pvRef, undefined, pv('pvc-dyn', '1Gi', { storageClassName: 'dyn', persistentVolumeReclaimPolicy: 'Delete', claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'pvt', name: 'dyn', uid: claim.metadata.uid } }));
  const bound = await until(async () => {
    const x = await tryGet(pvcRef, 'pvt', 'dyn');
    return phase(x) === 'Bound' ? x : undefined;
  }, 'bound');
  assert.equal(spec(bound).volumeName, 'pvc-dyn');
  const v = await client.get(pvRef, undefined, 'pvc-dyn');
  assert.equal(v.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'the provisioner chose it, not the controller');
});

test('a bind interrupted after the volume write is finished on the next pass', async () => {
  // The state a crash between "volume → claimRef" and "claim → volumeName" leaves behind.
  const claim = await client.create(pvcRef, 'pvt', pvc('half', '1Gi', { storageClassName: 'half' }));
  await client.create(pvRef, undefined, pv('half-pv', '1Gi', { storageClassName: 'half', claimRef: { kind: 'PersistentVolumeClaim', namespace: 'pvt', name: 'half', uid: claim.metadata.uid } }));
  const done = await until(async () => {
    const x = await tryGet(pvcRef, 'pvt', 'half');
    return phase(x) === 'Bound' ? x : undefined;
  }, 'bound');
  assert.equal(spec(done).volumeName, 'half-pv');
  assert.equal(done?.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
});

test('a claim used by a pod keeps its protection finalizer until the pod is gone', async () => {
  await client.create(pvcRef, 'pvt', pvc('used', '1Gi', {}, { finalizers: ['kubernetes.io/pvc-protection'] }));
  await client.create(podRef, 'pvt', { metadata: { name: 'user' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used' } }] } });
  await client.delete(pvcRef, 'pvt', 'used');
  await new Promise((r) => setTimeout(r, 300));
  const held = await tryGet(pvcRef, 'pvt', 'used');
  assert.ok(held?.metadata.deletionTimestamp, 'still there, being deleted');
  await client.delete(podRef, 'pvt', 'user', { gracePeriodSeconds: 0 });
  await eventually(async () => !(await tryGet(pvcRef, 'pvt', 'used')), 5000, 'claim removed once unused');
});

test('a volume being deleted keeps its protection finalizer while Bound', async () => {
  await client.create(pvRef, undefined, { ...pv('prot', '1Gi', { storageClassName: 'prot' }), metadata: { name: 'prot', finalizers: ['kubernetes.io/pv-protection'] } });
  await client.create(pvcRef, 'pvt', pvc('prot', '1Gi', { storageClassName: 'prot' }));
  await eventually(async () => phase(await tryGet(pvRef, undefined, 'prot')) === 'Bound', 5000, 'bound');
  await client.delete(pvRef, undefined, 'prot');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok((await tryGet(pvRef, undefined, 'prot'))?.metadata.deletionTimestamp, 'held while Bound');
  await client.delete(pvcRef, 'pvt', 'prot');
  await eventually(async () => !(await tryGet(pvRef, undefined, 'prot')), 5000, 'volume removed once Released');
});

test('claims racing for fewer volumes: each volume goes to one claim; the rest wait and bind when volumes appear', async () => {
  // More claims than the binder has workers, all wanting the same size: concurrent syncs must
  // not hand one volume to two claims, and claims left over must be woken by new volumes.
  const cls = 'race';
  const claims = 60;
  for (let i = 0; i < 20; i++) await client.create(pvRef, undefined, pv(`race-${i}`, '1Gi', { storageClassName: cls }));
  await eventually(async () => (await client.list(pvRef, undefined)).items.filter((v) => spec(v).storageClassName === cls && phase(v) === 'Available').length === 20, 5000, 'volumes Available');
  await Promise.all(Array.from({ length: claims }, (_, i) => client.create(pvcRef, 'pvt', pvc(`race-${i}`, '1Gi', { storageClassName: cls }))));
  const boundClaims = async () => (await client.list(pvcRef, 'pvt')).items.filter((c) => c.metadata.name?.startsWith('race-') && phase(c) === 'Bound');
  await eventually(async () => (await boundClaims()).length === 20, 5000, '20 claims Bound');
  await new Promise((r) => setTimeout(r, 200));
  const check = async (want: number) => {
    const bound = await boundClaims();
    assert.equal(bound.length, want);
    const names = bound.map((c) => String(spec(c).volumeName));
    assert.equal(new Set(names).size, want, 'no volume bound twice');
    for (const c of bound) {
      const v = await client.get(pvRef, undefined, String(spec(c).volumeName));
      assert.equal((spec(v).claimRef as { uid?: string }).uid, c.metadata.uid, `${String(spec(c).volumeName)} points back at ${c.metadata.name ?? ''}`);
      assert.equal(phase(v), 'Bound');
    }
  };
  await check(20);
  for (let i = 20; i < claims; i++) await client.create(pvRef, undefined, pv(`race-${i}`, '1Gi', { storageClassName: cls }));
  await eventually(async () => (await boundClaims()).length === claims, 5000, 'all claims Bound once volumes appeared');
  await check(claims);
});

const volumeEvents = async (name: string) =>
  (await client.list(evRef, 'default')).items.filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => `${String(e.type)} ${String(e.reason)} ${String(e.message)}`);
const recyclePv = (name: string) => pv(name, '1Gi', { storageClassName: name, persistentVolumeReclaimPolicy: 'Recycle' });
async function setPodStatus(name: string, status: Record<string, unknown>): Promise<void> {
  const p = await client.get(podRef, 'default', name);
  await client.update(podRef, 'default', { ...p, status }, {}, 'status');
}

test('Recycle: waits for the pods of the claim, runs the recycler pod, then the volume is Available', async () => {
  await client.create(pvRef, undefined, recyclePv('rec'));
  await client.create(pvcRef, 'pvt', pvc('rec', '1Gi', { storageClassName: 'rec' }));
  await eventually(async () => phase(await tryGet(pvcRef, 'pvt', 'rec')) === 'Bound', 5000, 'bound');
  await client.create(podRef, 'pvt', { metadata: { name: 'holder' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'rec' } }] } });
  await client.delete(pvcRef, 'pvt', 'rec');
  await eventually(async () => (await volumeEvents('rec')).includes('Normal VolumeFailedRecycle Volume is used by pods: pvt/holder'), 5000, 'used by pods');
  assert.equal(phase(await tryGet(pvRef, undefined, 'rec')), 'Released');
  assert.equal(await tryGet(podRef, 'default', 'recycler-for-rec'), undefined, 'no recycler while the pod runs');

  await client.delete(podRef, 'pvt', 'holder', { gracePeriodSeconds: 0 });
  const recycler = await until(() => tryGet(podRef, 'default', 'recycler-for-rec'), 'the recycler pod');
  const rs = spec(recycler);
  assert.deepEqual(rs.volumes, [{ name: 'vol', hostPath: { path: '/tmp/rec', type: '' } }], 'the volume\'s source, type defaulted');
  assert.equal(rs.restartPolicy, 'Never');
  assert.equal(rs.activeDeadlineSeconds, 60);
  assert.deepEqual((rs.containers as { args?: string[] }[])[0]?.args?.[1], 'test -e /scrub && rm -rf /scrub/..?* /scrub/.[!.]* /scrub/* && test -z "$(ls -A /scrub)" || exit 1');

  await setPodStatus('recycler-for-rec', { phase: 'Succeeded' });
  const v = await until(async () => {
    const x = await tryGet(pvRef, undefined, 'rec');
    return phase(x) === 'Available' ? x : undefined;
  }, 'Available');
  assert.equal(spec(v).claimRef, undefined, 'claimRef cleared');
  assert.equal(v?.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
  assert.ok((await volumeEvents('rec')).includes('Normal VolumeRecycled Volume recycled'));
  await eventually(async () => {
    const p = await tryGet(podRef, 'default', 'recycler-for-rec');
    return !p || p.metadata.deletionTimestamp !== undefined;
  }, 5000, 'the recycler pod deleted');

  // Available again: a new claim binds it.
  await client.create(pvcRef, 'pvt', pvc('rec2', '1Gi', { storageClassName: 'rec' }));
  await eventually(async () => spec(await tryGet(pvcRef, 'pvt', 'rec2')).volumeName === 'rec', 5000, 'rebound');
});

test('Recycle: a failed recycler pod makes the volume Failed with its message; a source without a recycler fails at once', async () => {
  await client.create(pvRef, undefined, recyclePv('recf'));
  await client.create(pvcRef, 'pvt', pvc('recf', '1Gi', { storageClassName: 'recf' }));
  await eventually(async () => phase(await tryGet(pvcRef, 'pvt', 'recf')) === 'Bound', 5000, 'bound');
  await client.delete(pvcRef, 'pvt', 'recf');
  await until(() => tryGet(podRef, 'default', 'recycler-for-recf'), 'the recycler pod');
  await setPodStatus('recycler-for-recf', { phase: 'Failed', message: 'scrub failed' });
  const v = await until(async () => {
    const x = await tryGet(pvRef, undefined, 'recf');
    return phase(x) === 'Failed' ? x : undefined;
  }, 'Failed');
  assert.equal((v?.status as { message?: string }).message, 'Recycle failed: failed to recycle volume: scrub failed');
  assert.ok((await volumeEvents('recf')).includes('Warning VolumeFailedRecycle Recycle failed: failed to recycle volume: scrub failed'));

  const { hostPath: _h, ...noHost } = spec(recyclePv('recl'));
  await client.create(pvRef, undefined, { metadata: { name: 'recl' }, spec: { ...noHost, local: { path: '/tmp/recl' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } } } });
  await client.create(pvcRef, 'pvt', pvc('recl', '1Gi', { storageClassName: 'recl' }));
  await eventually(async () => phase(await tryGet(pvcRef, 'pvt', 'recl')) === 'Bound', 5000, 'bound');
  await client.delete(pvcRef, 'pvt', 'recl');
  await eventually(async () => phase(await tryGet(pvRef, undefined, 'recl')) === 'Failed', 5000, 'Failed');
  assert.ok((await volumeEvents('recl')).includes('Warning VolumeFailedRecycle No recycler plugin found for the volume!'));
});
