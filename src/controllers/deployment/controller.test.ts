// Deployment + ReplicaSet controllers over the real in-process API: create, scale, rolling
// update within surge/unavailable, Recreate, rollback-by-template, revision history cleanup.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { buildContext, startInformers } from '../context';
import { ReplicaSetController } from '../replicaset/controller';
import { eventually } from '../testing/fake-timer';
import { testStack } from '../testing/stack';
import { DeploymentController } from './controller';

const depRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments' };
const rsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets' };
const podRef: ResourceRef = { group: '', version: 'v1', plural: 'pods' };
const evRef: ResourceRef = { group: '', version: 'v1', plural: 'events' };
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };

let client: ApiClient;
const ac = new AbortController();
let running: Promise<unknown>;
/** Pods this "kubelet" keeps ready: every pod it sees becomes Running and Ready. */
let autoReady = true;
let kubelet: ReturnType<typeof setInterval>;

const ts = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

async function markReady(p: KObject): Promise<void> {
  const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts() }] };
  try {
    await client.patch(podRef, p.metadata.namespace, p.metadata.name ?? '', 'merge', { status }, {}, 'status');
  } catch {
    // deleted meanwhile
  }
}

before(async () => {
  const stack = await testStack();
  client = stack.client;
  await client.create(nsRef, undefined, { metadata: { name: 'w' } });
  const ctx = buildContext({ client, registry: stack.registry, clock: { now: () => new Date() } });
  const rsc = new ReplicaSetController(ctx);
  const dc = new DeploymentController(ctx);
  running = Promise.all([startInformers(ctx, ac.signal), rsc.start(ac.signal), dc.start(ac.signal)]);
  await Promise.all([rsc.ready, dc.ready]);
  kubelet = setInterval(() => {
    if (!autoReady) return;
    void client.list(podRef, 'w').then((l) => Promise.all(l.items.filter((p) => (p.status as { phase?: string }).phase !== 'Running' && !p.metadata.deletionTimestamp).map(markReady)));
  }, 20);
});

after(async () => {
  clearInterval(kubelet);
  ac.abort();
  await running;
});

const deployment = (name: string, replicas: number, image: string, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name, annotations: { 'kubernetes.io/change-cause': `image ${image}` } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    ...extra,
  },
});

interface DStatus { replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number; conditions?: { type: string; status: string; reason: string; message: string }[] }
const statusOf = (d: KObject) => (d.status ?? {}) as DStatus;
const pods = async (app: string) => (await client.list(podRef, 'w', { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
const rss = async (app: string) => (await client.list(rsRef, 'w', { labelSelector: `app=${app}` })).items;

async function rolledOut(name: string, replicas: number): Promise<KObject> {
  let d: KObject | undefined;
  await eventually(async () => {
    d = await client.get(depRef, 'w', name);
    const s = statusOf(d);
    return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas;
  }, 10_000, `${name} rolled out with ${replicas}`);
  return d as KObject;
}

test('a Deployment gets a hashed ReplicaSet and pods named after it; status, conditions and events follow', async () => {
  await client.create(depRef, 'w', deployment('web', 2, 'busybox:1'));
  const d = await rolledOut('web', 2);
  const [rs] = await rss('web');
  assert.ok(rs);
  const hash = rs.metadata.labels?.['pod-template-hash'] ?? '';
  assert.match(hash, /^[456789bcdf]{6,10}$/);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '2');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '3');
  assert.equal(rs.metadata.annotations?.['kubernetes.io/change-cause'], 'image busybox:1');
  for (const p of await pods('web')) assert.match(p.metadata.name ?? '', new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const conds = Object.fromEntries((statusOf(d).conditions ?? []).map((c) => [c.type, c]));
  assert.equal(conds.Available?.reason, 'MinimumReplicasAvailable');
  assert.equal(conds.Progressing?.reason, 'NewReplicaSetAvailable');
  assert.equal(conds.Progressing?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
  await eventually(async () => {
    const evs = (await client.list(evRef, 'w')).items.map((e) => `${e.reason as string}: ${e.message as string}`);
    return evs.includes(`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 2`) && evs.some((e) => e.startsWith(`SuccessfulCreate: Created pod: web-${hash}-`));
  }, 5000, 'events');
  const rsNow = (await rss('web'))[0] as KObject;
  assert.deepEqual(rsNow.status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
});

test('scaling through the scale subresource grows and shrinks the ReplicaSet', async () => {
  await client.patch(depRef, 'w', 'web', 'merge', { spec: { replicas: 4 } }, {}, 'scale');
  await rolledOut('web', 4);
  assert.equal((await pods('web')).length, 4);
  await client.patch(depRef, 'w', 'web', 'merge', { spec: { replicas: 1 } }, {}, 'scale');
  await rolledOut('web', 1);
  await eventually(async () => (await pods('web')).length === 1, 5000, 'one pod left');
});

test('a rolling update never exceeds maxSurge nor drops below maxUnavailable; a template revert reuses the old ReplicaSet', async () => {
  await client.create(depRef, 'w', deployment('roll', 4, 'busybox:1', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
  await rolledOut('roll', 4);
  let maxPods = 0;
  let minReady = 4;
  let watching = true;
  const sample = (async () => {
    while (watching) {
      const ps = await pods('roll');
      maxPods = Math.max(maxPods, ps.length);
      const ready = ps.filter((p) => (p.status as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      minReady = Math.min(minReady, ready);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const cur = await client.get(depRef, 'w', 'roll');
  const spec = cur.spec as { template: { spec: { containers: { image: string }[] } } };
  (spec.template.spec.containers[0] as { image: string }).image = 'busybox:2';
  await client.update(depRef, 'w', cur);
  const d = await rolledOut('roll', 4);
  watching = false;
  await sample;
  assert.ok(maxPods <= 5, `at most replicas+maxSurge pods existed (saw ${maxPods})`);
  assert.ok(minReady >= 4, `ready never dropped below replicas-maxUnavailable (saw ${minReady})`);
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  const sets = await rss('roll');
  assert.equal(sets.length, 2);
  const byRev = Object.fromEntries(sets.map((r) => [r.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '', r]));
  assert.equal((byRev['1']?.spec as { replicas: number }).replicas, 0);
  assert.equal((byRev['2']?.spec as { replicas: number }).replicas, 4);
  await eventually(async () => (await client.list(evRef, 'w')).items.some((e) => /^Scaled down replica set roll-\w+ from 4 to 3$/.test(e.message as string)), 5000, 'scale-down event');

  // Undo as kubectl does it: put the old template back; the old ReplicaSet becomes revision 3.
  const again = await client.get(depRef, 'w', 'roll');
  (((again.spec as typeof spec).template.spec.containers[0]) as { image: string }).image = 'busybox:1';
  await client.update(depRef, 'w', again);
  await rolledOut('roll', 4);
  const after2 = await rss('roll');
  assert.equal(after2.length, 2, 'no new ReplicaSet for a known template');
  const old = after2.find((r) => r.metadata.name === byRev['1']?.metadata.name) as KObject;
  assert.equal(old.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(old.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
});

test('Recreate scales the old ReplicaSet to zero and waits for its pods before starting new ones', async () => {
  await client.create(depRef, 'w', deployment('rec', 2, 'busybox:1', { strategy: { type: 'Recreate' } }));
  await rolledOut('rec', 2);
  const cur = await client.get(depRef, 'w', 'rec');
  ((cur.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0] as { image: string }).image = 'busybox:2';
  let mixed = false;
  let watching = true;
  const sample = (async () => {
    while (watching) {
      const hashes = new Set((await pods('rec')).map((p) => p.metadata.labels?.['pod-template-hash']));
      if (hashes.size > 1) mixed = true;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await client.update(depRef, 'w', cur);
  await rolledOut('rec', 2);
  watching = false;
  await sample;
  assert.equal(mixed, false, 'old and new pods never ran together');
});

test('paused Deployments do not roll out; resuming does; revisionHistoryLimit prunes old ReplicaSets', async () => {
  await client.create(depRef, 'w', deployment('hist', 1, 'busybox:1', { revisionHistoryLimit: 1, paused: true }));
  await eventually(async () => statusOf(await client.get(depRef, 'w', 'hist')).conditions?.some((c) => c.reason === 'DeploymentPaused') ?? false, 5000, 'paused condition');
  assert.equal((await rss('hist')).length, 0, 'a paused Deployment creates no ReplicaSet');
  await client.patch(depRef, 'w', 'hist', 'merge', { spec: { paused: false } });
  await rolledOut('hist', 1);
  for (const image of ['busybox:2', 'busybox:3']) {
    await client.patch(depRef, 'w', 'hist', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
    await rolledOut('hist', 1);
  }
  await eventually(async () => (await rss('hist')).length === 2, 5000, 'history pruned to the limit');
  const revs = (await rss('hist')).map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
  assert.deepEqual(revs, ['2', '3']);
});

test('the ReplicaSet controller replaces a deleted pod and adopts a matching orphan instead of creating', async () => {
  autoReady = true;
  const rs = await client.create(rsRef, 'w', { metadata: { name: 'solo' }, spec: { replicas: 2, selector: { matchLabels: { app: 'solo' } }, template: { metadata: { labels: { app: 'solo' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
  await eventually(async () => (await pods('solo')).length === 2, 5000, 'two pods');
  const victim = (await pods('solo'))[0] as KObject;
  await client.delete(podRef, 'w', victim.metadata.name ?? '');
  await eventually(async () => {
    const ps = await pods('solo');
    return ps.length === 2 && ps.every((p) => p.metadata.name !== victim.metadata.name);
  }, 5000, 'replacement');
  await client.patch(rsRef, 'w', 'solo', 'merge', { spec: { replicas: 3 } });
  // An orphan with matching labels, created by someone else, is adopted (the count reaches 3 with it).
  await client.create(podRef, 'w', { metadata: { name: 'stray', labels: { app: 'solo' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  await eventually(async () => (await client.get(podRef, 'w', 'stray')).metadata.ownerReferences?.[0]?.uid === rs.metadata.uid, 5000, 'stray adopted');
  await eventually(async () => (await pods('solo')).length === 3, 5000, 'three pods');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await pods('solo')).length, 3, 'never over-created');
});
