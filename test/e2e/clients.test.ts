// @kubernetes/client-node against Berth: typed CRUD, the generic object API, and an informer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { type Berth, startBerth } from './harness';
import { eventually } from './util';

let b: Berth;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
const ns = 'clients';

before(async () => {
  b = await startBerth();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(b.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
after(() => b?.destroy());

const statusOf = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
};

describe('CoreV1Api', () => {
  test('create, read, list, replace, patch, delete a ConfigMap', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'crud', labels: { t: 'crud' } }, data: { a: '1' } } });
    assert.equal(created.metadata?.namespace, ns);
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);

    const read = await core.readNamespacedConfigMap({ name: 'crud', namespace: ns });
    assert.deepEqual(read.data, { a: '1' });

    const list = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 't=crud' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['crud']);
    assert.ok(list.metadata?.resourceVersion);

    const replaced = await core.replaceNamespacedConfigMap({ name: 'crud', namespace: ns, body: { ...read, data: { a: '2' } } });
    assert.ok(Number(replaced.metadata?.resourceVersion) > Number(read.metadata?.resourceVersion));
    assert.equal(await statusOf(core.replaceNamespacedConfigMap({ name: 'crud', namespace: ns, body: { ...read, data: { a: '3' } } })), 409, 'a stale replace conflicts');

    const patched = await core.patchNamespacedConfigMap(
      { name: 'crud', namespace: ns, body: { data: { b: '3' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.data, { a: '2', b: '3' });

    const jp = await core.patchNamespacedConfigMap(
      { name: 'crud', namespace: ns, body: [{ op: 'remove', path: '/data/a' }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    assert.deepEqual(jp.data, { b: '3' });

    await core.deleteNamespacedConfigMap({ name: 'crud', namespace: ns });
    assert.equal(await statusOf(core.readNamespacedConfigMap({ name: 'crud', namespace: ns })), 404);
  });

  test('namespaced and cluster-scoped storage objects', async () => {
    await core.createPersistentVolume({ body: { metadata: { name: 'client-pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/x' } } } });
    const pv = await core.readPersistentVolume({ name: 'client-pv' });
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Retain');
    const pvc = await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: { metadata: { name: 'client-pvc' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    });
    assert.equal(pvc.status?.phase, 'Pending');
    assert.equal(await statusOf(core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'bad' }, spec: { accessModes: ['Nope'] } } })), 422);
  });

  test('KubernetesObjectApi: server-side apply, read, delete by manifest', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const spec = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'generic', namespace: ns }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    await objects.patch(spec, undefined, undefined, 'e2e', true, k8s.PatchStrategy.ServerSideApply);
    const read = await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'generic', namespace: ns } });
    assert.equal((read as unknown as { spec: { replicas: number } }).spec.replicas, 1, 'defaulted');
    assert.ok(read.metadata?.managedFields?.some((m) => m.manager === 'e2e' && m.operation === 'Apply'));
    await objects.delete(spec);
  });
});

describe('informer', () => {
  test('list+watch sees creates, updates and deletes, and its cache follows', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'pre' } } });
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }));
    const seen: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await eventually(async () => seen.includes('add pre'), 'the initial list');
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'inf' } } });
      await eventually(async () => seen.includes('add inf'), 'the add');
      await core.patchNamespacedConfigMap({ name: 'inf', namespace: ns, body: { data: { k: 'v' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await eventually(async () => seen.includes('update inf {"k":"v"}'), 'the update');
      assert.deepEqual(informer.get('inf', ns)?.data, { k: 'v' });
      await core.deleteNamespacedConfigMap({ name: 'inf', namespace: ns });
      await eventually(async () => seen.includes('delete inf'), 'the delete');
      assert.equal(informer.get('inf', ns), undefined);
      assert.deepEqual(informer.list(ns).map((o) => o.metadata?.name).filter((n) => n === 'pre' || n === 'inf'), ['pre']);
      assert.deepEqual(errors, []);
      assert.deepEqual(seen.filter((s) => s.includes(' inf')), ['add inf', 'update inf {"k":"v"}', 'delete inf']);
    } finally {
      await informer.stop();
    }
  });

  test('Watch: a raw watch through the client library', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const ctl = await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: list.metadata?.resourceVersion ?? '' },
      (type: string, obj: k8s.V1ConfigMap) => events.push(`${type} ${obj.metadata?.name}`),
      () => {},
    );
    try {
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w' } } });
      await core.deleteNamespacedConfigMap({ name: 'w', namespace: ns });
      await eventually(async () => events.includes('DELETED w'), 'the watch events');
      assert.deepEqual(events, ['ADDED w', 'DELETED w']);
    } finally {
      ctl.abort();
    }
  });
});
