import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clock, IdSource } from '../machinery/clock';
import { ApiError } from '../machinery/errors';
import { allResources } from '../machinery/resources';
import type { KObject } from '../machinery/types';
import { MemoryBackend } from '../store/memory';
import { admissionPlugins } from './admission/plugins';
import { bootstrap } from './bootstrap';
import { ObjectStore } from './object-store';
import { Registry } from './registry';

const registry = new Registry(allResources);
const def = (group: string, version: string, plural: string) => {
  const d = registry.lookup(group, version, plural);
  if (!d) throw new Error(`no ${plural}`);
  return d;
};
const cm = def('', 'v1', 'configmaps');
const deploy = def('apps', 'v1', 'deployments');
const ns = def('', 'v1', 'namespaces');
const pods = def('', 'v1', 'pods');
const pvcs = def('', 'v1', 'persistentvolumeclaims');
const scs = def('storage.k8s.io', 'v1', 'storageclasses');

async function makeStore(): Promise<ObjectStore> {
  const clock: Clock = { now: () => new Date('2026-11-28T10:00:00Z') };
  let n = 0;
  const ids: IdSource = { uid: () => `uid-${++n}`, suffix: (k) => 'x'.repeat(k - 1) + String(n++ % 10) };
  const store = new ObjectStore(new MemoryBackend(), clock, ids, admissionPlugins(registry));
  await bootstrap(store, registry, { ip: '127.0.0.1', port: 6443 });
  return store;
}

const reason = (r: string) => (err: unknown) => err instanceof ApiError && err.reason === r;
const configMap = (name: string, data: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('ObjectStore', () => {
  test('create sets uid, creationTimestamp and resourceVersion; duplicates are AlreadyExists', async () => {
    const s = await makeStore();
    const c = await s.create(cm, 'default', configMap('a', { k: 'v' }));
    assert.match(c.metadata.uid ?? '', /^uid-/);
    assert.equal(c.metadata.creationTimestamp, '2026-11-28T10:00:00Z');
    assert.ok(Number(c.metadata.resourceVersion) > 0);
    await assert.rejects(s.create(cm, 'default', configMap('a')), reason('AlreadyExists'));
  });

  test('generateName makes a new name; a missing namespace is NotFound', async () => {
    const s = await makeStore();
    const c = await s.create(cm, 'default', { metadata: { generateName: 'gen-' }, data: {} });
    assert.match(c.metadata.name ?? '', /^gen-.{5}$/);
    await assert.rejects(s.create(cm, 'nope', configMap('a')), reason('NotFound'));
  });

  test('an update with a stale resourceVersion is a Conflict; without one it applies', async () => {
    const s = await makeStore();
    const c = await s.create(cm, 'default', configMap('a', { k: '1' }));
    const u = await s.update(cm, 'default', 'a', () => ({ ...c, data: { k: '2' } }));
    assert.notEqual(u.metadata.resourceVersion, c.metadata.resourceVersion);
    await assert.rejects(s.update(cm, 'default', 'a', () => ({ ...c, data: { k: '3' } })), reason('Conflict'));
    const { resourceVersion: _rv, ...meta } = c.metadata;
    const v = await s.update(cm, 'default', 'a', () => ({ ...c, metadata: meta, data: { k: '4' } }));
    assert.deepEqual(v.data, { k: '4' });
  });

  test('a no-op update keeps the resourceVersion', async () => {
    const s = await makeStore();
    const c = await s.create(cm, 'default', configMap('a', { k: '1' }));
    const u = await s.update(cm, 'default', 'a', (cur) => cur as KObject);
    assert.equal(u.metadata.resourceVersion, c.metadata.resourceVersion);
  });

  test('generation starts at 1 and moves only when the spec changes', async () => {
    const s = await makeStore();
    const d: KObject = {
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    const c = await s.create(deploy, 'default', d);
    assert.equal(c.metadata.generation, 1);
    const labelled = await s.update(deploy, 'default', 'd', (cur) => ({ ...(cur as KObject), metadata: { ...(cur as KObject).metadata, labels: { x: 'y' } } }));
    assert.equal(labelled.metadata.generation, 1);
    const scaled = await s.update(deploy, 'default', 'd', (cur) => ({ ...(cur as KObject), spec: { ...((cur as KObject).spec as object), replicas: 3 } }));
    assert.equal(scaled.metadata.generation, 2);
  });

  test('finalizers hold a deleted object until they are removed', async () => {
    const s = await makeStore();
    await s.create(cm, 'default', { metadata: { name: 'f', finalizers: ['example.com/hold'] }, data: {} });
    const r = await s.delete(cm, 'default', 'f');
    assert.equal(r.deleted, false);
    assert.ok(r.obj.metadata.deletionTimestamp);
    await s.update(cm, 'default', 'f', (cur) => ({ ...(cur as KObject), metadata: { ...(cur as KObject).metadata, finalizers: [] } }));
    assert.equal(await s.tryGet(cm, 'default', 'f'), undefined);
  });

  test('propagationPolicy Orphan and Foreground add their finalizers', async () => {
    const s = await makeStore();
    await s.create(cm, 'default', configMap('o'));
    const o = await s.delete(cm, 'default', 'o', { propagationPolicy: 'Orphan' });
    assert.deepEqual(o.obj.metadata.finalizers, ['orphan']);
    await s.create(cm, 'default', configMap('f'));
    const f = await s.delete(cm, 'default', 'f', { propagationPolicy: 'Foreground' });
    assert.deepEqual(f.obj.metadata.finalizers, ['foregroundDeletion']);
  });

  test('delete preconditions on uid and resourceVersion', async () => {
    const s = await makeStore();
    const c = await s.create(cm, 'default', configMap('p'));
    await assert.rejects(s.delete(cm, 'default', 'p', { preconditions: { uid: 'other' } }), reason('Conflict'));
    await assert.rejects(s.delete(cm, 'default', 'p', { preconditions: { resourceVersion: '1' } }), reason('Conflict'));
    const ok = await s.delete(cm, 'default', 'p', { preconditions: { uid: c.metadata.uid ?? '' } });
    assert.equal(ok.deleted, true);
  });

  test('a namespace with spec.finalizers becomes Terminating; new content is forbidden; deleting again is a no-op', async () => {
    const s = await makeStore();
    await s.create(ns, undefined, { metadata: { name: 'demo' } });
    const r = await s.delete(ns, undefined, 'demo');
    assert.equal(r.deleted, false);
    assert.equal((r.obj.status as { phase: string }).phase, 'Terminating');
    await assert.rejects(s.create(cm, 'demo', configMap('x')), reason('Forbidden'));
    const again = await s.delete(ns, undefined, 'demo');
    assert.equal(again.deleted, false);
    assert.equal(again.obj.metadata.resourceVersion, r.obj.metadata.resourceVersion);
    await assert.rejects(s.delete(ns, undefined, 'default'), reason('Forbidden'));
  });

  test('a pod bound to a node is deleted gracefully; an unbound one at once', async () => {
    const s = await makeStore();
    const pod = (name: string, nodeName?: string): KObject => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) } });
    await s.create(pods, 'default', pod('free'));
    assert.equal((await s.delete(pods, 'default', 'free')).deleted, true);
    await s.create(pods, 'default', pod('bound', 'node-1'));
    const r = await s.delete(pods, 'default', 'bound');
    assert.equal(r.deleted, false);
    assert.equal(r.obj.metadata.deletionGracePeriodSeconds, 30);
    assert.equal((await s.delete(pods, 'default', 'bound', { gracePeriodSeconds: 0 })).deleted, true);
  });

  test('dry-run writes nothing', async () => {
    const s = await makeStore();
    await s.create(cm, 'default', configMap('d'), { dryRun: true });
    assert.equal(await s.tryGet(cm, 'default', 'd'), undefined);
  });

  test('a claim with no class gets the default StorageClass', async () => {
    const s = await makeStore();
    await s.create(scs, undefined, { metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'berth.dev/dir' });
    const claim = (name: string, cls?: string): KObject => ({
      metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(cls !== undefined ? { storageClassName: cls } : {}) },
    });
    const a = await s.create(pvcs, 'default', claim('a'));
    assert.equal((a.spec as { storageClassName: string }).storageClassName, 'fast');
    const b = await s.create(pvcs, 'default', claim('b', ''));
    assert.equal((b.spec as { storageClassName: string }).storageClassName, '');
  });

  test('invalid objects are 422 with field paths', async () => {
    const s = await makeStore();
    await assert.rejects(s.create(cm, 'default', configMap('Bad_Name')), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 422);
      assert.equal(err.details?.causes?.[0]?.field, 'metadata.name');
      return true;
    });
  });

  test('watch from a revision replays later changes in order', async () => {
    const s = await makeStore();
    const c = await s.create(cm, 'default', configMap('w', { k: '1' }));
    await s.update(cm, 'default', 'w', (cur) => ({ ...(cur as KObject), data: { k: '2' } }));
    await s.delete(cm, 'default', 'w');
    const seen: string[] = [];
    const stop = await s.watch(cm, 'default', Number(c.metadata.resourceVersion), (e) => seen.push(e.type));
    await new Promise((r) => setTimeout(r, 20));
    stop();
    assert.deepEqual(seen, ['MODIFIED', 'DELETED']);
  });
});

describe('InProcessClient', () => {
  test('a scale patch works on the Scale view and answers with a Scale', async () => {
    const { InProcessClient } = await import('./inprocess-client');
    const s = await makeStore();
    const client = new InProcessClient({ registry, store: s, clock: { now: () => new Date('2026-11-28T10:00:00Z') }, connectors: new Map() });
    const ref = { group: 'apps', version: 'v1', plural: 'deployments' };
    await client.create(ref, 'default', {
      metadata: { name: 'd' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const scale = await client.patch(ref, 'default', 'd', 'merge', { spec: { replicas: 4 } }, {}, 'scale');
    assert.equal(scale.kind, 'Scale');
    assert.deepEqual(scale.spec, { replicas: 4 });
    assert.equal(((await client.get(ref, 'default', 'd')).spec as { replicas: number }).replicas, 4);
  });
});
