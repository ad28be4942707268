// The StatefulSet controller over the real in-process API: ordered creation with claims, events,
// scale down with claim retention, rolling update, Parallel, adoption. No node runs pods: the
// test marks them Running/Ready through pods/status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { buildContext, startInformers } from '../context';
import { GarbageCollector } from '../garbagecollector/controller';
import { eventually } from '../testing/fake-timer';
import { testStack } from '../testing/stack';
import { StatefulSetController } from './controller';

const stsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'statefulsets' };
const podRef: ResourceRef = { group: '', version: 'v1', plural: 'pods' };
const pvcRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumeclaims' };
const evRef: ResourceRef = { group: '', version: 'v1', plural: 'events' };
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const NS = 'st';

let client: ApiClient;
const ac = new AbortController();
let running: Promise<unknown>;

before(async () => {
  const stack = await testStack();
  client = stack.client;
  await client.create(nsRef, undefined, { metadata: { name: NS } });
  const ctx = buildContext({ client, registry: stack.registry, clock: { now: () => new Date() } });
  const c = new StatefulSetController(ctx);
  // The garbage collector acts on the claims' retention owner references.
  const gc = new GarbageCollector(ctx);
  running = Promise.all([startInformers(ctx, ac.signal), c.start(ac.signal), gc.start(ac.signal)]);
  await Promise.all([c.ready, gc.ready]);
});

after(async () => {
  ac.abort();
  await running;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ts = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
async function markReady(name: string): Promise<void> {
  const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts() }] };
  await client.patch(podRef, NS, name, 'merge', { status }, {}, 'status');
}
const podNames = async (app: string) => (await client.list(podRef, NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();
const getPod = (name: string) => client.get(podRef, NS, name);
/** Deleted pods go at once in this stack (no node); finish any graceful delete just in case. */
async function gone(name: string): Promise<boolean> {
  const p = await getPod(name).catch(() => undefined);
  if (p?.metadata.deletionTimestamp) await client.delete(podRef, NS, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
  return !p;
}

const sts = (name: string, replicas: number, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name },
  spec: {
    replicas, serviceName: name, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    ...extra,
  },
});

test('OrderedReady: db-0 with its claim, db-1 only after db-0 is ready; events; status', async () => {
  await client.create(stsRef, NS, sts('db', 2));
  await eventually(async () => (await podNames('db')).length === 1, 5000, 'db-0 created');
  const p0 = await getPod('db-0');
  assert.equal(p0.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-0');
  assert.equal(p0.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
  assert.match(p0.metadata.labels?.['controller-revision-hash'] ?? '', /^db-\w+$/);
  const spec = p0.spec as { hostname?: string; subdomain?: string; volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  assert.equal(spec.hostname, 'db-0');
  assert.equal(spec.subdomain, 'db');
  assert.deepEqual(spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: 'data-db-0' });
  const claim = await client.get(pvcRef, NS, 'data-db-0');
  assert.equal(claim.metadata.labels?.['app'], 'db');
  assert.equal(claim.metadata.ownerReferences, undefined, 'Retain: no owner');
  // db-1 waits for db-0.
  await sleep(300);
  assert.deepEqual(await podNames('db'), ['db-0']);
  await markReady('db-0');
  await eventually(async () => (await podNames('db')).length === 2, 5000, 'db-1 created');
  await markReady('db-1');
  await eventually(async () => {
    const s = (await client.get(stsRef, NS, 'db')).status as Record<string, unknown>;
    return s['readyReplicas'] === 2 && s['updatedReplicas'] === 2 && s['currentReplicas'] === 2 && s['currentRevision'] === s['updateRevision'] && s['observedGeneration'] === 1;
  }, 5000, 'status ready 2');
  const msgs = (await client.list(evRef, NS)).items.map((e) => `${String(e['reason'])}: ${String(e['message'])}`);
  for (const m of ['SuccessfulCreate: create Pod db-0 in StatefulSet db successful', 'SuccessfulCreate: create Claim data-db-0 Pod db-0 in StatefulSet db success', 'SuccessfulCreate: create Pod db-1 in StatefulSet db successful']) {
    assert.ok(msgs.includes(m), `${m} in ${msgs.join('; ')}`);
  }
});

test('scale down removes the highest ordinal and keeps its claim (Retain)', async () => {
  await client.patch(stsRef, NS, 'db', 'merge', { spec: { replicas: 1 } });
  await eventually(() => gone('db-1'), 5000, 'db-1 deleted');
  assert.ok(await client.get(pvcRef, NS, 'data-db-1'));
  const msgs = (await client.list(evRef, NS)).items.map((e) => String(e['message']));
  assert.ok(msgs.includes('delete Pod db-1 in StatefulSet db successful'));
});

test('rolling update replaces pods from the highest ordinal, each ready first', async () => {
  await client.patch(stsRef, NS, 'db', 'merge', { spec: { replicas: 2 } });
  await eventually(async () => (await podNames('db')).length === 2, 5000, 'db-1 back');
  await markReady('db-1');
  const before = (await getPod('db-0')).metadata.labels?.['controller-revision-hash'];
  await client.patch(stsRef, NS, 'db', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'img:2' }] } } } });
  const image = async (n: string) => ((await getPod(n).catch(() => undefined))?.spec as { containers?: { image: string }[] } | undefined)?.containers?.[0]?.image;
  await eventually(async () => (await image('db-1')) === 'img:2', 5000, 'db-1 replaced');
  assert.equal(await image('db-0'), 'img:1', 'db-0 waits for db-1 to be ready');
  await sleep(200);
  assert.equal(await image('db-0'), 'img:1');
  await markReady('db-1');
  await eventually(async () => (await image('db-0')) === 'img:2', 5000, 'db-0 replaced');
  await markReady('db-0');
  await eventually(async () => {
    const s = (await client.get(stsRef, NS, 'db')).status as Record<string, unknown>;
    return s['currentRevision'] === s['updateRevision'] && s['currentRevision'] !== before && s['updatedReplicas'] === 2 && s['readyReplicas'] === 2;
  }, 5000, 'rollout complete');
});

test('whenScaled=Delete: the scaled-away claim is owned by its pod; whenDeleted=Delete: by the set', async () => {
  const set = await client.create(stsRef, NS, sts('ret', 2, { podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
  await eventually(async () => (await podNames('ret')).length === 2, 5000, 'Parallel creates both');
  const refs = async (n: string) => ((await client.get(pvcRef, NS, n)).metadata.ownerReferences ?? []).map((r) => `${r.kind}/${r.uid}`);
  assert.deepEqual(await refs('data-ret-1'), [`StatefulSet/${set.metadata.uid ?? ''}`]);
  const pod1 = await getPod('ret-1');
  await client.patch(stsRef, NS, 'ret', 'merge', { spec: { replicas: 1 } });
  await eventually(() => gone('ret-1'), 5000, 'ret-1 deleted');
  // The claim moved from the set to its pod before the pod went (the GC may have taken it since).
  const left = await client.get(pvcRef, NS, 'data-ret-1').catch(() => undefined);
  if (left) assert.deepEqual(left.metadata.ownerReferences?.map((r) => `${r.kind}/${r.uid}`), [`Pod/${pod1.metadata.uid ?? ''}`]);
  assert.deepEqual(await refs('data-ret-0'), [`StatefulSet/${set.metadata.uid ?? ''}`]);
  // The garbage collector removes a claim once its owner is gone (a finalizer may hold it Terminating).
  const collected = async (n: string) => {
    const c = await client.get(pvcRef, NS, n).catch(() => undefined);
    return !c || Boolean(c.metadata.deletionTimestamp);
  };
  await eventually(() => collected('data-ret-1'), 5000, 'data-ret-1 collected with its pod');
  assert.equal(await collected('data-ret-0'), false);
  await client.delete(stsRef, NS, 'ret');
  await eventually(() => collected('data-ret-0'), 5000, 'data-ret-0 collected with the set');
  assert.ok(await client.get(pvcRef, NS, 'data-db-1'), 'Retain claims stay');
});

test('adopts a matching orphan named like a member; releases a pod whose labels stop matching', async () => {
  await client.create(podRef, NS, { metadata: { name: 'ad-0', labels: { app: 'ad' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } });
  const set = await client.create(stsRef, NS, sts('ad', 1));
  await eventually(async () => (await getPod('ad-0')).metadata.ownerReferences?.[0]?.uid === set.metadata.uid, 5000, 'ad-0 adopted');
  await client.patch(podRef, NS, 'ad-0', 'merge', { metadata: { labels: { app: 'other' } } });
  await eventually(async () => !(await getPod('ad-0')).metadata.ownerReferences, 5000, 'ad-0 released');
  await eventually(async () => (await podNames('ad')).length === 0 && (await getPod('ad-0')).metadata.labels?.['app'] === 'other', 5000, 'released');
});

const revRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'controllerrevisions' };
const revisionsOf = async (set: string) =>
  (await client.list(revRef, NS)).items.filter((r) => r.metadata.ownerReferences?.some((o) => o.name === set)) as (KObject & { revision: number; data: { spec: { template: { spec: { containers: { image: string }[] } } } } })[];

test('ControllerRevisions: one per template, numbered; a pod lost below the partition comes back at the current revision', async () => {
  await client.create(stsRef, NS, sts('rv', 2, { podManagementPolicy: 'Parallel', volumeClaimTemplates: [] }));
  await eventually(async () => (await podNames('rv')).length === 2, 5000, 'two pods');
  for (const n of ['rv-0', 'rv-1']) await markReady(n);
  await eventually(async () => (await revisionsOf('rv')).length === 1, 5000, 'first revision');
  const [first] = await revisionsOf('rv');
  assert.equal(first?.revision, 1);
  assert.equal(first?.data.spec.template.spec.containers[0]?.image, 'img:1');
  await eventually(async () => ((await client.get(stsRef, NS, 'rv')).status as { currentRevision?: string } | undefined)?.currentRevision === first?.metadata.name, 5000, 'current revision recorded');
  // New template, partition 1: rv-1 is updated, rv-0 stays at revision 1.
  await client.patch(stsRef, NS, 'rv', 'merge', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, template: { spec: { containers: [{ name: 'c', image: 'img:2' }] } } } });
  await eventually(async () => (await revisionsOf('rv')).length === 2, 5000, 'second revision');
  const second = (await revisionsOf('rv')).find((r) => r.revision === 2);
  assert.ok(second, 'the new template is revision 2');
  await eventually(async () => {
    await gone('rv-1');
    const p = await getPod('rv-1').catch(() => undefined);
    return p?.metadata.labels?.['controller-revision-hash'] === second.metadata.name;
  }, 5000, 'rv-1 re-created at revision 2');
  // rv-0 deleted by hand: re-created from revision 1, not from the set's new template.
  await client.delete(podRef, NS, 'rv-0', { gracePeriodSeconds: 0 });
  await eventually(async () => {
    const p = await getPod('rv-0').catch(() => undefined);
    return p !== undefined && !p.metadata.deletionTimestamp;
  }, 5000, 'rv-0 re-created');
  const p0 = await getPod('rv-0');
  assert.equal(p0.metadata.labels?.['controller-revision-hash'], first?.metadata.name);
  assert.equal((p0.spec as { containers: { image: string }[] }).containers[0]?.image, 'img:1');
  // Rolling back to the first template renumbers its revision instead of adding one.
  await client.patch(stsRef, NS, 'rv', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'img:1' }] } } } });
  await eventually(async () => (await revisionsOf('rv')).find((r) => r.metadata.name === first?.metadata.name)?.revision === 3, 5000, 'revision 1 renumbered to 3');
  assert.equal((await revisionsOf('rv')).length, 2);
});

test('ordinals.start: pods are numbered from it', async () => {
  await client.create(stsRef, NS, sts('os', 2, { podManagementPolicy: 'Parallel', volumeClaimTemplates: [], ordinals: { start: 5 } }));
  await eventually(async () => (await podNames('os')).join(',') === 'os-5,os-6', 5000, 'os-5 and os-6');
  await client.patch(stsRef, NS, 'os', 'merge', { spec: { replicas: 1 } });
  await eventually(async () => (await gone('os-6')) && (await podNames('os')).join(',') === 'os-5', 5000, 'scaled down from the top');
});
