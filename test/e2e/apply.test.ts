// Apply (client- and server-side), patches, explain, strict validation and server dry-run with kubectl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { type Berth, httpsJson, startBerth } from './harness';
import { configMapObj, create, getJson, type Kubectl, kubectlFor, type Meta, namespaceObj } from './util';

let b: Berth;
let k: Kubectl;
const ns = 'applying';

interface Container {
  name: string;
  image: string;
  env?: { name: string; value: string }[];
}
interface Deploy {
  metadata: Meta;
  spec: { replicas: number; template: { spec: { containers: Container[] } } };
}

const deployment = (name: string, o: { replicas?: number; labels?: Record<string, string>; containers?: Container[] } = {}) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: o.labels ?? { app: name } },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: o.containers ?? [{ name: 'app', image: 'nginx:1.25' }] } },
    },
  });

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
});
after(() => b?.destroy());

const deploy = (name: string) => getJson<Deploy>(k, ['deploy', '-n', ns, name]);

describe('server-side apply', () => {
  test('creates, then a second identical apply changes nothing', async () => {
    const first = await k(['apply', '--server-side', '-f', '-'], { input: deployment('ssa') });
    assert.match(first.stdout, /^deployment\.apps\/ssa serverside-applied$/m);
    const rv = (await deploy('ssa'))?.metadata.resourceVersion;
    await k(['apply', '--server-side', '-f', '-'], { input: deployment('ssa') });
    assert.equal((await deploy('ssa'))?.metadata.resourceVersion, rv);
  });

  test('managedFields are shown with --show-managed-fields and hidden without', async () => {
    const shown = parse((await k(['get', 'deploy', '-n', ns, 'ssa', '-o', 'yaml', '--show-managed-fields'])).stdout) as Deploy;
    const entry = shown.metadata.managedFields?.find((m) => m.manager === 'kubectl');
    assert.equal(entry?.operation, 'Apply');
    assert.ok((entry as unknown as { fieldsV1: { 'f:spec': Record<string, unknown> } }).fieldsV1['f:spec']['f:replicas'] !== undefined);
    const hidden = parse((await k(['get', 'deploy', '-n', ns, 'ssa', '-o', 'yaml'])).stdout) as Deploy;
    assert.equal(hidden.metadata.managedFields, undefined);
  });

  test('kubectl scale takes .spec.replicas; applying without --force-conflicts is a 409 naming it', async () => {
    await k(['scale', 'deploy', '-n', ns, 'ssa', '--replicas=3']);
    assert.equal((await deploy('ssa'))?.spec.replicas, 3);
    const r = await k(['apply', '--server-side', '-f', '-'], { input: deployment('ssa'), allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl[^"]*"[^:]*: \.spec\.replicas/);
    assert.match(r.stderr, /--force-conflicts/);
    assert.equal((await deploy('ssa'))?.spec.replicas, 3);
  });

  test('the raw 409 carries a FieldManagerConflict cause for the field', async () => {
    const r = await httpsJson(b, 'PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/ssa?fieldManager=other&force=false`, deployment('ssa'), {
      headers: { 'content-type': 'application/apply-patch+yaml' },
    });
    assert.equal(r.status, 409, r.text);
    const causes = (r.body as { details?: { causes?: { reason: string; field: string }[] } }).details?.causes ?? [];
    assert.ok(causes.some((c) => c.reason === 'FieldManagerConflict' && c.field === '.spec.replicas'), r.text);
  });

  test('--force-conflicts wins and takes the field over', async () => {
    await k(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: deployment('ssa') });
    const d = parse((await k(['get', 'deploy', '-n', ns, 'ssa', '-o', 'yaml', '--show-managed-fields'])).stdout) as Deploy;
    assert.equal(d.spec.replicas, 1);
    // Who owns .spec.replicas (the deployment controller's status writes own .status.replicas).
    const owners = (d.metadata.managedFields ?? [])
      .filter((m) => JSON.stringify((m as { fieldsV1?: { 'f:spec'?: unknown } }).fieldsV1?.['f:spec'] ?? {}).includes('"f:replicas"'))
      .map((m) => m.manager);
    assert.deepEqual(owners, ['kubectl']);
  });

  test('an unknown field is rejected with upstream\'s schema error', async () => {
    const bad = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa-bad', namespace: ns }, spec: { foo: 1 } });
    const r = await k(['apply', '--server-side', '-f', '-'], { input: bad, allowFail: true });
    assert.notEqual(r.code, 0);
    // Upstream: "failed to create typed patch object (...): .spec: field not declared in schema" (a 500
    // there, kubernetes#122480); a 400 strict-decoding error naming the field is as good.
    assert.match(r.stderr, /\.spec: field not declared in schema|strict decoding error: unknown field "spec"/);
    assert.equal(await getJson(k, ['cm', '-n', ns, 'ssa-bad']), undefined);
  });
});

describe('client-side apply', () => {
  test('changing an env var and removing a label three-way merges, keeping others\' changes', async () => {
    const v1 = deployment('csa', { labels: { app: 'csa', tier: 'web' }, containers: [{ name: 'app', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '1' }] }] });
    assert.match((await k(['apply', '-f', '-'], { input: v1 })).stdout, /^deployment\.apps\/csa created$/m);
    const created = await deploy('csa');
    assert.ok(created?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
    await k(['annotate', 'deploy', '-n', ns, 'csa', 'owner=ops']);

    const v2 = deployment('csa', { labels: { app: 'csa' }, containers: [{ name: 'app', image: 'nginx:1.25', env: [{ name: 'A', value: '2' }, { name: 'B', value: '1' }] }] });
    assert.match((await k(['apply', '-f', '-'], { input: v2 })).stdout, /^deployment\.apps\/csa configured$/m);
    const d = await deploy('csa');
    assert.deepEqual(d?.metadata.labels, { app: 'csa' });
    assert.equal(d?.metadata.annotations?.['owner'], 'ops', 'a field the apply never owned survives');
    assert.deepEqual(d?.spec.template.spec.containers[0]?.env, [{ name: 'A', value: '2' }, { name: 'B', value: '1' }]);
    assert.match((await k(['apply', '-f', '-'], { input: v2 })).stdout, /^deployment\.apps\/csa unchanged$/m);
  });
});

describe('kubectl patch', () => {
  test('--type=json', async () => {
    await create(k, configMapObj('pj', ns, { a: '1' }));
    const r = await k(['patch', 'cm', '-n', ns, 'pj', '--type=json', '-p', '[{"op":"add","path":"/data/b","value":"2"},{"op":"replace","path":"/data/a","value":"9"}]']);
    assert.match(r.stdout, /^configmap\/pj patched$/m);
    assert.deepEqual((await getJson<{ data: Record<string, string> }>(k, ['cm', '-n', ns, 'pj']))?.data, { a: '9', b: '2' });
    const bad = await k(['patch', 'cm', '-n', ns, 'pj', '--type=json', '-p', '[{"op":"test","path":"/data/a","value":"0"}]'], { allowFail: true });
    assert.notEqual(bad.code, 0);
    // kube-apiserver answers a failed "test" with a generic 422, which kubectl prints like this.
    assert.match(bad.stderr, /The request is invalid: the server rejected our request due to an error in our request/);
    assert.equal((await getJson<{ data: Record<string, string> }>(k, ['cm', '-n', ns, 'pj']))?.data['a'], '9');
  });

  test('--type=merge: null deletes a key; a no-op says "(no change)"', async () => {
    const r = await k(['patch', 'cm', '-n', ns, 'pj', '--type=merge', '-p', '{"data":{"a":null,"c":"3"}}']);
    assert.match(r.stdout, /^configmap\/pj patched$/m);
    assert.deepEqual((await getJson<{ data: Record<string, string> }>(k, ['cm', '-n', ns, 'pj']))?.data, { b: '2', c: '3' });
    const same = await k(['patch', 'cm', '-n', ns, 'pj', '--type=merge', '-p', '{"data":{"c":"3"}}']);
    assert.match(same.stdout, /^configmap\/pj patched \(no change\)$/m);
  });

  test('--type=strategic merges containers by name', async () => {
    await k(['apply', '-f', '-'], { input: deployment('sp', { containers: [{ name: 'app', image: 'nginx:1.25' }, { name: 'side', image: 'busybox' }] }) });
    await k(['patch', 'deploy', '-n', ns, 'sp', '--type=strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:1.36"}]}}}}']);
    const d = await deploy('sp');
    assert.deepEqual(d?.spec.template.spec.containers.map((c) => [c.name, c.image]), [['app', 'nginx:1.25'], ['side', 'busybox:1.36']]);
    await k(['patch', 'deploy', '-n', ns, 'sp', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}']);
    assert.deepEqual((await deploy('sp'))?.spec.template.spec.containers.map((c) => c.name), ['app']);
  });
});

describe('kubectl explain', () => {
  test('persistentvolumeclaim.spec', async () => {
    const out = (await k(['explain', 'persistentvolumeclaim.spec'])).stdout;
    assert.match(out, /^KIND:\s+PersistentVolumeClaim$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /^FIELD: spec <PersistentVolumeClaimSpec>$/m);
    assert.match(out, /^FIELDS:$/m);
    assert.match(out, /^ {2}accessModes\t<\[\]string>$/m);
    assert.match(out, /^ {2}storageClassName\t<string>$/m);
  });

  test('deployment.spec.template.spec.containers', async () => {
    const out = (await k(['explain', 'deployment.spec.template.spec.containers'])).stdout;
    assert.match(out, /^GROUP:\s+apps$/m);
    assert.match(out, /^KIND:\s+Deployment$/m);
    assert.match(out, /^FIELD: containers <\[\]Container>$/m);
    assert.match(out, /^FIELDS:$/m);
    assert.match(out, /^ {2}name\t<string> -required-$/m);
    assert.match(out, /^ {2}image\t<string>$/m);
  });
});

describe('validation and dry run', () => {
  test('--validate=strict: an unknown field fails with "strict decoding error"', async () => {
    const pvc = JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'strict', namespace: ns }, spec: { foo: 1, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    const r = await k(['apply', '--validate=strict', '-f', '-'], { input: pvc, allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /PersistentVolumeClaim in version "v1" cannot be handled as a PersistentVolumeClaim: strict decoding error: unknown field "spec\.foo"/);
    assert.equal(await getJson(k, ['pvc', '-n', ns, 'strict']), undefined);
    const warn = await k(['apply', '--validate=warn', '-f', '-'], { input: pvc });
    assert.match(warn.stderr, /unknown field "spec\.foo"/);
    assert.ok(await getJson(k, ['pvc', '-n', ns, 'strict']));
  });

  test('--dry-run=server reports success and creates nothing, but still validates', async () => {
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry', namespace: ns }, data: { a: '1' } });
    const r = await k(['apply', '--dry-run=server', '-f', '-'], { input: cm });
    assert.match(r.stdout, /^configmap\/dry created \(server dry run\)$/m);
    assert.equal(await getJson(k, ['cm', '-n', ns, 'dry']), undefined);
    const ssa = await k(['apply', '--server-side', '--dry-run=server', '-f', '-'], { input: cm });
    assert.match(ssa.stdout, /serverside-applied \(server dry run\)/);
    assert.equal(await getJson(k, ['cm', '-n', ns, 'dry']), undefined);
    const bad = await k(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(configMapObj('Bad_Name', ns)), allowFail: true });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /is invalid/);
    await create(k, configMapObj('dry-upd', ns, { a: '1' }));
    await k(['patch', 'cm', '-n', ns, 'dry-upd', '--dry-run=server', '--type=merge', '-p', '{"data":{"a":"2"}}']);
    assert.deepEqual((await getJson<{ data: Record<string, string> }>(k, ['cm', '-n', ns, 'dry-upd']))?.data, { a: '1' });
  });
});
