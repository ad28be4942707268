// Namespace lifecycle, garbage collection, service accounts, generateName, paging and selectors,
// all through kubectl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { configMap, configMapObj, create, eventually, getJson, type Kubectl, kubectlFor, namespaceObj } from './util';

let b: Berth;
let k: Kubectl;

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
});
after(() => b?.destroy());

const hold = 'example.com/hold';
const exists = async (args: string[]) => (await getJson(k, args)) !== undefined;
const gone = (args: string[]) => eventually(async () => !(await exists(args)), `${args.join(' ')} to be gone`);
const uidOf = async (args: string[]) => (await getJson(k, args))?.metadata.uid ?? '';
const ownedCm = (name: string, ns: string, owner: { apiVersion: string; kind: string; name: string; uid: string; blockOwnerDeletion?: boolean }, finalizers?: string[]) =>
  configMap(name, {}, { namespace: ns, ownerReferences: [owner], ...(finalizers ? { finalizers } : {}) });
const unhold = (args: string[]) => k(['patch', ...args, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);

describe('kubectl create subcommands (typed clients: protobuf request bodies)', () => {
  test('namespace, configmap, secret, deployment, serviceaccount, autoscale', async () => {
    assert.match((await k(['create', 'namespace', 'typed'])).stdout, /^namespace\/typed created$/m);
    const made = [
      [['create', 'configmap', '-n', 'typed', 'c', '--from-literal=a=1'], /^configmap\/c created$/m],
      [['create', 'secret', 'generic', '-n', 'typed', 's', '--from-literal=a=1'], /^secret\/s created$/m],
      [['create', 'deployment', '-n', 'typed', 'd', '--image=nginx', '--replicas=2'], /^deployment\.apps\/d created$/m],
      [['create', 'serviceaccount', '-n', 'typed', 'robot'], /^serviceaccount\/robot created$/m],
      [['autoscale', 'deployment', '-n', 'typed', 'd', '--max=3', '--cpu-percent=70'], /^horizontalpodautoscaler\.autoscaling\/d autoscaled$/m],
    ] as const;
    for (const [args, out] of made) assert.match((await k([...args])).stdout, out);
    assert.deepEqual((await getJson<{ data: Record<string, string> }>(k, ['cm', '-n', 'typed', 'c']))?.data, { a: '1' });
    assert.equal((await getJson<{ data: Record<string, string> }>(k, ['secret', '-n', 'typed', 's']))?.data['a'], Buffer.from('1').toString('base64'));
    assert.equal((await getJson<{ spec: { replicas: number } }>(k, ['deploy', '-n', 'typed', 'd']))?.spec.replicas, 2);
  });
});

describe('namespaces', () => {
  test('delete: Terminating while content remains, creating in it is forbidden, then everything is gone', async () => {
    await create(k, namespaceObj('demo'));
    await create(k, configMapObj('plain', 'demo', { a: '1' }));
    await create(k, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'demo' }, stringData: { a: '1' } });
    await k(['run', '-n', 'demo', 'pod1', '--image=busybox']);
    await k(['create', '-f', '-'], { input: configMap('held', {}, { namespace: 'demo', finalizers: [hold] }) });

    assert.match((await k(['delete', 'namespace', 'demo', '--wait=false'])).stdout, /^namespace "demo" deleted$/m);
    const ns = await getJson<{ metadata: { deletionTimestamp?: string }; status: { phase: string } }>(k, ['namespace', 'demo']);
    assert.equal(ns?.status.phase, 'Terminating');
    assert.ok(ns?.metadata.deletionTimestamp);

    await gone(['cm', '-n', 'demo', 'plain']);
    await gone(['secret', '-n', 'demo', 's']);
    await gone(['pod', '-n', 'demo', 'pod1']);
    const held = await getJson(k, ['cm', '-n', 'demo', 'held']);
    assert.ok(held?.metadata.deletionTimestamp, 'the finalized object is being deleted');
    assert.equal((await getJson<{ status: { phase: string } }>(k, ['namespace', 'demo']))?.status.phase, 'Terminating');
    assert.match((await k(['get', 'ns', 'demo'])).stdout, /^demo\s+Terminating\s/m);

    const r = await k(['create', '-f', '-'], { input: JSON.stringify(configMapObj('late', 'demo')), allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(Forbidden\).*configmaps "late" is forbidden: unable to create new content in namespace demo because it is being terminated/);

    await unhold(['cm', '-n', 'demo', 'held']);
    await gone(['namespace', 'demo']);
    assert.equal(await exists(['cm', '-n', 'demo', 'held']), false);
  });

  test('the default namespace cannot be deleted', async () => {
    for (const name of ['default', 'kube-system']) {
      const r = await k(['delete', 'namespace', name], { allowFail: true });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`Error from server \\(Forbidden\\): namespaces "${name}" is forbidden: this namespace may not be deleted`));
    }
    assert.equal((await getJson<{ status: { phase: string } }>(k, ['namespace', 'default']))?.status.phase, 'Active');
  });

  test('a new namespace gets a "default" ServiceAccount', async () => {
    await create(k, namespaceObj('fresh'));
    await eventually(() => exists(['serviceaccount', '-n', 'fresh', 'default']), 'the default service account');
  });
});

describe('garbage collection', () => {
  const ns = 'gc';
  before(() => create(k, namespaceObj(ns)));
  const cmRef = async (name: string, block = false) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid: await uidOf(['cm', '-n', ns, name]), ...(block ? { blockOwnerDeletion: true } : {}) });

  test('background (default): a ConfigMap owned by a ConfigMap goes with its owner', async () => {
    await create(k, configMapObj('owner1', ns));
    await k(['create', '-f', '-'], { input: ownedCm('dep1', ns, await cmRef('owner1')) });
    await k(['delete', 'cm', '-n', ns, 'owner1']);
    await gone(['cm', '-n', ns, 'dep1']);
  });

  test('background: a ConfigMap owned by a Deployment goes with the Deployment', async () => {
    await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gc-deploy', namespace: ns }, spec: { selector: { matchLabels: { a: 'gc' } }, template: { metadata: { labels: { a: 'gc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }) });
    const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gc-deploy', uid: await uidOf(['deploy', '-n', ns, 'gc-deploy']) };
    await k(['create', '-f', '-'], { input: ownedCm('dep-of-deploy', ns, owner) });
    await k(['create', '-f', '-'], { input: ownedCm('unrelated', ns, { ...owner, uid: '00000000-0000-0000-0000-000000000000' }) });
    await k(['delete', 'deploy', '-n', ns, 'gc-deploy']);
    await gone(['cm', '-n', ns, 'dep-of-deploy']);
    // An owner reference whose uid names no live object is dangling: that dependent goes too.
    await gone(['cm', '-n', ns, 'unrelated']);
  });

  test('--cascade=orphan keeps the dependent and removes its ownerReference', async () => {
    await create(k, configMapObj('owner2', ns));
    await k(['create', '-f', '-'], { input: ownedCm('dep2', ns, await cmRef('owner2')) });
    await k(['delete', 'cm', '-n', ns, 'owner2', '--cascade=orphan', '--timeout=30s']);
    assert.equal(await exists(['cm', '-n', ns, 'owner2']), false);
    const dep = await eventually(async () => {
      const d = await getJson(k, ['cm', '-n', ns, 'dep2']);
      return d && (d.metadata.ownerReferences ?? []).length === 0 ? d : undefined;
    }, 'dep2 without ownerReferences');
    assert.equal(dep.metadata.deletionTimestamp, undefined);
  });

  test('--cascade=foreground deletes blocking dependents before the owner', async () => {
    await create(k, configMapObj('owner3', ns));
    await k(['create', '-f', '-'], { input: ownedCm('dep3', ns, await cmRef('owner3', true), [hold]) });
    await k(['delete', 'cm', '-n', ns, 'owner3', '--cascade=foreground', '--wait=false']);
    const dep = await eventually(async () => (await getJson(k, ['cm', '-n', ns, 'dep3']))?.metadata.deletionTimestamp, 'dep3 to be deleting');
    assert.ok(dep);
    const owner = await getJson(k, ['cm', '-n', ns, 'owner3']);
    assert.ok(owner?.metadata.deletionTimestamp, 'the owner waits for its dependent');
    assert.ok(owner?.metadata.finalizers?.includes('foregroundDeletion'), JSON.stringify(owner?.metadata.finalizers));
    await unhold(['cm', '-n', ns, 'dep3']);
    await gone(['cm', '-n', ns, 'dep3']);
    await gone(['cm', '-n', ns, 'owner3']);
  });
});

describe('names, paging, selectors', () => {
  const ns = 'lists';
  before(async () => {
    await create(k, namespaceObj(ns));
    const items = ['a', 'b', 'c', 'd', 'e'].map((n, i) => JSON.parse(configMap(`cm-${n}`, {}, { namespace: ns, labels: { app: i < 3 ? 'x' : 'y', ...(i % 2 ? { tier: 'back' } : {}) } })) as unknown);
    await k(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    await k(['run', '-n', ns, 'pod-a', '--image=busybox']);
  });

  test('generateName creates distinct names', async () => {
    const gen = configMap('', {}, { namespace: ns, generateName: 'gen-' }).replace('"name":"",', '');
    const one = (await k(['create', '-f', '-'], { input: gen })).stdout.trim();
    const two = (await k(['create', '-f', '-'], { input: gen })).stdout.trim();
    assert.match(one, /^configmap\/gen-[a-z0-9]{5} created$/);
    assert.match(two, /^configmap\/gen-[a-z0-9]{5} created$/);
    assert.notEqual(one, two);
  });

  test('kubectl get --chunk-size=2 pages through everything', async () => {
    const all = (await k(['get', 'cm', '-n', ns, '-l', 'app', '-o', 'name', '--chunk-size=2'])).stdout.trim().split('\n');
    assert.deepEqual(all, ['configmap/cm-a', 'configmap/cm-b', 'configmap/cm-c', 'configmap/cm-d', 'configmap/cm-e']);
  });

  test('raw limit/continue: remainingItemCount and a consistent resourceVersion', async () => {
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    let rv = '';
    do {
      const r = await b.request('GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=app&limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      const list = r.body as { metadata: { continue?: string; remainingItemCount?: number; resourceVersion: string }; items: { metadata: { name: string } }[] };
      names.push(...list.items.map((i) => i.metadata.name));
      if (pages === 0) {
        rv = list.metadata.resourceVersion;
        assert.ok(list.metadata.continue, 'a first page of 2 of 5 has a continue token');
      } else assert.equal(list.metadata.resourceVersion, rv, 'every page is from the first page\'s snapshot');
      cont = list.metadata.continue ?? '';
      pages++;
    } while (cont && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['cm-a', 'cm-b', 'cm-c', 'cm-d', 'cm-e']);
  });

  test('label selectors: equality, set-based, existence', async () => {
    const names = async (sel: string) => (await k(['get', 'cm', '-n', ns, '-l', sel, '-o', 'name'])).stdout.trim().split('\n').filter(Boolean);
    assert.deepEqual(await names('app=x'), ['configmap/cm-a', 'configmap/cm-b', 'configmap/cm-c']);
    assert.deepEqual(await names('app in (y),tier'), ['configmap/cm-d']);
    assert.deepEqual(await names('app,!tier'), ['configmap/cm-a', 'configmap/cm-c', 'configmap/cm-e']);
    // != also selects objects without the label at all (the generateName ones here).
    const notX = await names('app!=x');
    assert.deepEqual(notX.filter((n) => n.startsWith('configmap/cm-')), ['configmap/cm-d', 'configmap/cm-e']);
    assert.equal(notX.filter((n) => n.startsWith('configmap/gen-')).length, 2);
  });

  test('field selectors: metadata.name, status.phase', async () => {
    assert.equal((await k(['get', 'cm', '-n', ns, '--field-selector', 'metadata.name=cm-c', '-o', 'name'])).stdout.trim(), 'configmap/cm-c');
    const not = (await k(['get', 'cm', '-n', ns, '-l', 'app', '--field-selector', 'metadata.name!=cm-c', '-o', 'name'])).stdout.trim().split('\n');
    assert.equal(not.length, 4);
    assert.ok(!not.includes('configmap/cm-c'));
    assert.equal((await k(['get', 'pods', '-n', ns, '--field-selector', 'status.phase=Pending', '-o', 'name'])).stdout.trim(), 'pod/pod-a');
    const running = await k(['get', 'pods', '-n', ns, '--field-selector', 'status.phase=Running']);
    assert.equal(running.stdout, '');
    assert.match(running.stderr, /^No resources found in lists namespace\.$/m);
    const bad = await k(['get', 'cm', '-n', ns, '--field-selector', 'data.a=1'], { allowFail: true });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: data\.a/);
  });
});
