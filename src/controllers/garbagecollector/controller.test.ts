import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, DeleteOpts, ResourceRef } from '../../machinery/client';
import type { KObject, OwnerReference } from '../../machinery/types';
import { buildContext, startInformers } from '../context';
import { eventually } from '../testing/fake-timer';
import { type Stack, testStack } from '../testing/stack';
import { GarbageCollector } from './controller';

const cm: ResourceRef = { group: '', version: 'v1', plural: 'configmaps' };
const deploy: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments' };
const rs: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets' };
const sc: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses' };
const events: ResourceRef = { group: '', version: 'v1', plural: 'events' };
const ns = 'default';

let stack: Stack;
let gc: GarbageCollector;
const ac = new AbortController();
let running: Promise<unknown>;
/** Runs just before the collector's DELETE of `name` reaches the store (to stage races). */
let beforeDelete: ((name: string) => Promise<void>) | undefined;

const ownerRef = (o: KObject, block?: boolean): OwnerReference => ({
  apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', name: o.metadata.name ?? '', uid: o.metadata.uid ?? '',
  ...(block === undefined ? {} : { blockOwnerDeletion: block, controller: true }),
});

const deployment = (name: string): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});
const replicaSet = (name: string, owners: OwnerReference[]): KObject => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, ownerReferences: owners },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});
const configMap = (name: string, owners: OwnerReference[] = []): KObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(owners.length ? { ownerReferences: owners } : {}) }, data: { k: 'v' },
});

async function exists(r: ResourceRef, name: string): Promise<KObject | undefined> {
  try {
    return await stack.client.get(r, ns, name);
  } catch {
    return undefined;
  }
}

before(async () => {
  stack = await testStack();
  if (!(await stack.client.list({ group: '', version: 'v1', plural: 'namespaces' }, undefined)).items.some((n) => n.metadata.name === ns)) {
    await stack.client.create({ group: '', version: 'v1', plural: 'namespaces' }, undefined, { metadata: { name: ns } });
  }
  // The collector's client, with a hook in front of DELETE; everything else is the real client.
  const client: ApiClient = Object.create(stack.client) as ApiClient;
  client.delete = async (r: ResourceRef, n: string | undefined, name: string, opts?: DeleteOpts) => {
    await beforeDelete?.(name);
    return stack.client.delete(r, n, name, opts);
  };
  const ctx = buildContext({ client, registry: stack.registry, clock: { now: () => new Date() } });
  gc = new GarbageCollector(ctx);
  running = Promise.all([startInformers(ctx, ac.signal), gc.start(ac.signal)]);
  await gc.ready;
});

after(async () => {
  ac.abort();
  await running;
});

test('background: dependents of a deleted owner are collected; one with another live owner only loses the dangling ref', async () => {
  const a = await stack.client.create(cm, ns, configMap('owner-a'));
  const b = await stack.client.create(cm, ns, configMap('owner-b'));
  await stack.client.create(cm, ns, configMap('only-a', [ownerRef(a)]));
  await stack.client.create(cm, ns, configMap('a-and-b', [ownerRef(a), ownerRef(b)]));
  await stack.client.delete(cm, ns, 'owner-a', { propagationPolicy: 'Background' });
  await eventually(async () => !(await exists(cm, 'only-a')), 5000, 'only-a collected');
  await eventually(async () => (await exists(cm, 'a-and-b'))?.metadata.ownerReferences?.length === 1, 5000, 'dangling ref removed');
  assert.equal((await exists(cm, 'a-and-b'))?.metadata.ownerReferences?.[0]?.uid, b.metadata.uid);
});

test('background: an owner re-created under the same name (new UID) does not own old dependents', async () => {
  const old = await stack.client.create(cm, ns, configMap('phoenix'));
  await stack.client.delete(cm, ns, 'phoenix');
  await stack.client.create(cm, ns, configMap('phoenix'));
  await stack.client.create(cm, ns, configMap('orphaned-child', [ownerRef(old)]));
  await eventually(async () => !(await exists(cm, 'orphaned-child')), 5000, 'child of the old incarnation collected');
  assert.ok(await exists(cm, 'phoenix'));
});

test('foreground: the owner waits for blocking dependents, which are deleted first (deployment → rs → configmap)', async () => {
  const d = await stack.client.create(deploy, ns, deployment('web'));
  const r = await stack.client.create(rs, ns, replicaSet('web-1', [ownerRef(d, true)]));
  await stack.client.create(cm, ns, configMap('web-1-cfg', [ownerRef(r, true)]));
  const after = await stack.client.delete(deploy, ns, 'web', { propagationPolicy: 'Foreground' });
  assert.ok(after.metadata?.deletionTimestamp || after.kind === 'Status');
  await eventually(async () => !(await exists(deploy, 'web')), 5000, 'deployment gone');
  assert.equal(await exists(rs, 'web-1'), undefined);
  assert.equal(await exists(cm, 'web-1-cfg'), undefined);
});

test('foreground: a blocking dependent that has a finalizer keeps the owner waiting', async () => {
  const owner = await stack.client.create(cm, ns, configMap('fg-owner'));
  await stack.client.create(cm, ns, { ...configMap('stuck', [ownerRef(owner, true)]), metadata: { name: 'stuck', ownerReferences: [ownerRef(owner, true)], finalizers: ['example.com/hold'] } });
  await stack.client.delete(cm, ns, 'fg-owner', { propagationPolicy: 'Foreground' });
  await eventually(async () => !!(await exists(cm, 'stuck'))?.metadata.deletionTimestamp, 5000, 'dependent deleting');
  await gc.idle();
  assert.deepEqual((await exists(cm, 'fg-owner'))?.metadata.finalizers, ['foregroundDeletion']);
  const stuck = await exists(cm, 'stuck');
  await stack.client.patch(cm, ns, 'stuck', 'merge', { metadata: { finalizers: null, resourceVersion: stuck?.metadata.resourceVersion } });
  await eventually(async () => !(await exists(cm, 'fg-owner')), 5000, 'owner released');
});

test('orphan: dependents lose the owner reference and survive; the owner goes', async () => {
  const owner = await stack.client.create(cm, ns, configMap('orphan-owner'));
  const other = await stack.client.create(cm, ns, configMap('other-owner'));
  await stack.client.create(cm, ns, configMap('kid-1', [ownerRef(owner, true)]));
  await stack.client.create(cm, ns, configMap('kid-2', [ownerRef(owner), ownerRef(other)]));
  await stack.client.delete(cm, ns, 'orphan-owner', { propagationPolicy: 'Orphan' });
  await eventually(async () => !(await exists(cm, 'orphan-owner')), 5000, 'owner gone');
  assert.equal((await exists(cm, 'kid-1'))?.metadata.ownerReferences, undefined);
  assert.deepEqual((await exists(cm, 'kid-2'))?.metadata.ownerReferences?.map((r) => r.uid), [other.metadata.uid]);
  await gc.idle();
  assert.ok(await exists(cm, 'kid-1'));
});

test('a cluster-scoped object whose owner is of a namespaced kind is left alone (warned, not retried)', async () => {
  const owner = await stack.client.create(cm, ns, configMap('ns-owner'));
  await stack.client.create(sc, undefined, {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'example.com/disk',
    metadata: { name: 'owned-by-cm', ownerReferences: [ownerRef(owner)] },
  });
  await eventually(async () => (await stack.client.list(events, ns)).items.some((e) => e.reason === 'OwnerRefInvalidNamespace' && (e.involvedObject as { name?: string }).name === 'owned-by-cm'), 5000, 'warning event');
  // idle() waits out any backoff retry too, so returning means the item was forgotten.
  await gc.idle();
  assert.ok(await stack.client.get(sc, undefined, 'owned-by-cm'));
  await stack.client.delete(cm, ns, 'ns-owner');
  await gc.idle();
  assert.deepEqual((await stack.client.get(sc, undefined, 'owned-by-cm')).metadata.ownerReferences?.map((r) => r.uid), [owner.metadata.uid]);
  await stack.client.delete(sc, undefined, 'owned-by-cm');
});

test('a dependent that gains a live owner between the read and the delete survives (resourceVersion precondition)', async () => {
  const gone = await stack.client.create(cm, ns, configMap('racer-old-owner'));
  await stack.client.delete(cm, ns, 'racer-old-owner');
  const anchor = await stack.client.create(cm, ns, configMap('racer-anchor'));
  let raced = 0;
  beforeDelete = async (name) => {
    if (name !== 'racer' || raced++ > 0) return;
    const cur = await stack.client.get(cm, ns, 'racer');
    await stack.client.patch(cm, ns, 'racer', 'merge', { metadata: { ownerReferences: [...(cur.metadata.ownerReferences ?? []), ownerRef(anchor)] } });
  };
  try {
    await stack.client.create(cm, ns, configMap('racer', [ownerRef(gone)]));
    await eventually(async () => (await exists(cm, 'racer'))?.metadata.ownerReferences?.length === 1 && raced > 0, 5000, 'dangling ref removed');
    await gc.idle();
    assert.equal(raced, 1, 'the collector tried to delete it once');
    assert.deepEqual((await exists(cm, 'racer'))?.metadata.ownerReferences?.map((r) => r.uid), [anchor.metadata.uid]);
  } finally {
    beforeDelete = undefined;
  }
});

test('a conflict from an unrelated change (owners unchanged) still deletes the dependent', async () => {
  const gone = await stack.client.create(cm, ns, configMap('touched-old-owner'));
  await stack.client.delete(cm, ns, 'touched-old-owner');
  let touched = 0;
  beforeDelete = async (name) => {
    if (name !== 'touched' || touched++ > 0) return;
    await stack.client.patch(cm, ns, 'touched', 'merge', { metadata: { labels: { edited: 'yes' } } });
  };
  try {
    await stack.client.create(cm, ns, configMap('touched', [ownerRef(gone)]));
    await eventually(async () => !(await exists(cm, 'touched')), 5000, 'collected despite the conflict');
    assert.ok(touched >= 1);
  } finally {
    beforeDelete = undefined;
  }
});
