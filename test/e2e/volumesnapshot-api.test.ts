// The snapshot.storage.k8s.io/v1 API through the real kubectl: apply of a class and a snapshot,
// the CRDs' printer columns for `kubectl get`, discovery short names, `kubectl explain`, and
// invalid objects refused with 422 and the field path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { create, getJson, headerOf, type Kubectl, kubectlFor, namespaceObj, rowNamed } from './util';

const ns = 'vsapi';
let b: Berth;
let k: Kubectl;
before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
});
after(() => b?.destroy());

const snapClass = {
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass',
  metadata: { name: 'vsapi-local', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } },
  driver: 'berth.dev/local-dir', deletionPolicy: 'Delete', parameters: { mode: 'fast' },
};
const snapshot = {
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot',
  metadata: { name: 'first', namespace: ns },
  spec: { volumeSnapshotClassName: 'vsapi-local', source: { persistentVolumeClaimName: 'data' } },
};
const content = {
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent',
  metadata: { name: 'vsapi-pre' },
  spec: { deletionPolicy: 'Retain', driver: 'berth.dev/local-dir', source: { snapshotHandle: 'snap-123' }, volumeSnapshotRef: { name: 'restored', namespace: ns } },
};

test('kubectl apply creates, and re-applies, a class, a snapshot and a content', async () => {
  const input = [snapClass, snapshot, content].map((o) => JSON.stringify(o)).join('\n');
  const first = await k(['apply', '-f', '-'], { input });
  assert.match(first.stdout, /volumesnapshotclass.snapshot.storage.k8s.io\/vsapi-local created/);
  assert.match(first.stdout, /volumesnapshot.snapshot.storage.k8s.io\/first created/);
  assert.match(first.stdout, /volumesnapshotcontent.snapshot.storage.k8s.io\/vsapi-pre created/);
  // A changed class name goes through apply's patch path.
  const changed = { ...snapshot, spec: { ...snapshot.spec, volumeSnapshotClassName: 'other' } };
  const second = await k(['apply', '-f', '-'], { input: JSON.stringify(changed) });
  assert.match(second.stdout, /volumesnapshot.snapshot.storage.k8s.io\/first configured/);
  const got = await getJson<{ spec: { volumeSnapshotClassName: string }; metadata: { generation: number } }>(k, ['vs', '-n', ns, 'first']);
  assert.equal(got?.spec.volumeSnapshotClassName, 'other');
  assert.equal(got?.metadata.generation, 2);
});

test('kubectl 1.27 (OpenAPI v2 validation) applies a snapshot and refuses an unknown field', async () => {
  const second = { ...snapshot, metadata: { name: 'second', namespace: ns } };
  const ok = await k(['apply', '-f', '-'], { input: JSON.stringify(second), version: '1.27' });
  assert.match(ok.stdout, /volumesnapshot.snapshot.storage.k8s.io\/second created/);
  const bad = { ...snapshot, metadata: { name: 'third', namespace: ns }, spec: { ...snapshot.spec, sourcePVC: 'x' } };
  const r = await k(['apply', '-f', '-'], { input: JSON.stringify(bad), version: '1.27', allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown field "spec.sourcePVC"/);
});

test("kubectl get shows the CRDs' columns, through the short names", async () => {
  const vs = (await k(['get', 'vs', '-n', ns])).stdout;
  assert.deepEqual(headerOf(vs), ['NAME', 'READYTOUSE', 'SOURCEPVC', 'SOURCESNAPSHOTCONTENT', 'RESTORESIZE', 'SNAPSHOTCLASS', 'SNAPSHOTCONTENT', 'CREATIONTIME', 'AGE']);
  const row = rowNamed(vs, 'first');
  assert.deepEqual([row['SOURCEPVC'], row['SNAPSHOTCLASS']], ['data', 'other']);
  const vsc = (await k(['get', 'vsc'])).stdout;
  assert.deepEqual(headerOf(vsc), ['NAME', 'READYTOUSE', 'RESTORESIZE', 'DELETIONPOLICY', 'DRIVER', 'VOLUMESNAPSHOTCLASS', 'VOLUMESNAPSHOT', 'VOLUMESNAPSHOTNAMESPACE', 'AGE']);
  const c = rowNamed(vsc, 'vsapi-pre');
  assert.deepEqual([c['DELETIONPOLICY'], c['DRIVER'], c['VOLUMESNAPSHOT'], c['VOLUMESNAPSHOTNAMESPACE']], ['Retain', 'berth.dev/local-dir', 'restored', ns]);
  const cls = (await k(['get', 'vsclass'])).stdout;
  assert.deepEqual(headerOf(cls), ['NAME', 'DRIVER', 'DELETIONPOLICY', 'AGE']);
  assert.deepEqual(rowNamed(cls, 'vsapi-local')['DRIVER'], 'berth.dev/local-dir');
  // All three at once, by their plural names.
  const all = (await k(['get', 'volumesnapshot,volumesnapshotcontent,volumesnapshotclass', '-A'])).stdout;
  assert.match(all, /volumesnapshot.snapshot.storage.k8s.io\/first/);
  assert.match(all, /volumesnapshotcontent.snapshot.storage.k8s.io\/vsapi-pre/);
  assert.match(all, /volumesnapshotclass.snapshot.storage.k8s.io\/vsapi-local/);
});

test('server-side apply, label and a strategic patch work on the snapshot kinds', async () => {
  const cls = { ...snapClass, metadata: { name: 'vsapi-ssa' }, deletionPolicy: 'Retain' };
  const r = await k(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(cls) });
  assert.match(r.stdout, /volumesnapshotclass.snapshot.storage.k8s.io\/vsapi-ssa serverside-applied/);
  await k(['label', 'vs', '-n', ns, 'first', 'tier=gold']);
  await k(['patch', 'vsc', 'vsapi-pre', '-p', JSON.stringify({ spec: { volumeSnapshotClassName: 'vsapi-local' } })]);
  const c = await getJson<{ spec: { volumeSnapshotClassName: string } }>(k, ['vsc', 'vsapi-pre']);
  assert.equal(c?.spec.volumeSnapshotClassName, 'vsapi-local');
  const vs = await getJson(k, ['vs', '-n', ns, 'first']);
  assert.equal(vs?.metadata.labels?.['tier'], 'gold');
});

test('discovery lists the group with its short names', async () => {
  const out = (await k(['api-resources', '--api-group=snapshot.storage.k8s.io'])).stdout;
  assert.match(out, /^volumesnapshotclasses\s+vsclass,vsclasses\s+snapshot.storage.k8s.io\/v1\s+false\s+VolumeSnapshotClass$/m);
  assert.match(out, /^volumesnapshotcontents\s+vsc,vscs\s+snapshot.storage.k8s.io\/v1\s+false\s+VolumeSnapshotContent$/m);
  assert.match(out, /^volumesnapshots\s+vs\s+snapshot.storage.k8s.io\/v1\s+true\s+VolumeSnapshot$/m);
});

test('kubectl explain describes the fields', async () => {
  const out = (await k(['explain', 'volumesnapshot.spec.source'])).stdout;
  assert.match(out, /GROUP:\s+snapshot.storage.k8s.io/);
  assert.match(out, /persistentVolumeClaimName\s+<string>/);
  assert.match(out, /volumeSnapshotContentName\s+<string>/);
  const content = (await k(['explain', 'vsc.spec.deletionPolicy'])).stdout;
  assert.match(content, /ENUM:\s+Delete\s+Retain/);
  const status = (await k(['explain', 'vsc.status.creationTime'])).stdout;
  assert.match(status, /creationTime\s+<integer>/);
});

test('kubectl describe prints the spec and status', async () => {
  const out = (await k(['describe', 'vs', '-n', ns, 'first'])).stdout;
  assert.match(out, /^Kind:\s+VolumeSnapshot$/m);
  assert.match(out, /Persistent Volume Claim Name:\s+data/);
});

test('invalid objects are refused with 422 and the field path', async () => {
  const both = { ...snapshot, metadata: { name: 'both', namespace: ns }, spec: { source: { persistentVolumeClaimName: 'a', volumeSnapshotContentName: 'b' } } };
  const r1 = await k(['apply', '-f', '-'], { input: JSON.stringify(both), allowFail: true });
  assert.notEqual(r1.code, 0);
  assert.match(r1.stderr, /The VolumeSnapshot "both" is invalid: spec.source: Invalid value: "object": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set/);
  const noPolicy = { ...snapClass, metadata: { name: 'nopolicy' }, deletionPolicy: 'Recycle' };
  const r2 = await k(['create', '-f', '-'], { input: JSON.stringify(noPolicy), allowFail: true });
  assert.match(r2.stderr, /deletionPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"/);
  const path = `/apis/snapshot.storage.k8s.io/v1/namespaces/${ns}/volumesnapshots/first`;
  const cur = (await b.request('GET', path)).body as { spec: { source: Record<string, string> } };
  cur.spec.source = { persistentVolumeClaimName: 'other' };
  const r3 = await b.request('PUT', path, cur);
  assert.equal(r3.status, 422, r3.text);
  const body = r3.body as { details: { causes: { field: string; message: string }[] } };
  assert.deepEqual(body.details.causes.map((c) => c.field), ['spec.source.persistentVolumeClaimName']);
  assert.match(body.details.causes[0]?.message ?? '', /persistentVolumeClaimName is immutable/);
  const r4 = await k(['apply', '-f', '-'], { input: JSON.stringify({ ...snapshot, metadata: { name: 'typo', namespace: ns }, spec: { source: { pvcName: 'a' } } }), allowFail: true });
  assert.match(r4.stderr, /unknown field "spec.source.pvcName"/);
});
