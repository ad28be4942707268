// Errors as upstream reports them: 422 with field causes, 400 for undecodable bodies, kubectl's
// own messages; nasty inputs never produce a 500 and never take the server down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, httpsJson, startBerth } from './harness';
import { configMapObj, create, type Kubectl, kubectlFor, namespaceObj } from './util';

let b: Berth;
let k: Kubectl;
const ns = 'errs';
const cms = `/api/v1/namespaces/${ns}/configmaps`;

interface Status {
  kind: string;
  status: string;
  reason: string;
  code: number;
  message: string;
  details?: { name?: string; kind?: string; causes?: { reason: string; field: string; message: string }[] };
}

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
  await create(k, configMapObj('victim', ns));
});
after(() => b?.destroy());

const apply = (obj: unknown) => k(['apply', '-f', '-'], { input: JSON.stringify(obj), allowFail: true });
const pvc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns }, spec });

describe('invalid objects: 422 Invalid with causes', () => {
  test('a PVC with accessModes [Bogus]', async () => {
    const obj = pvc('bad-modes', { accessModes: ['Bogus'], resources: { requests: { storage: '1Gi' } } });
    const r = await apply(obj);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /PersistentVolumeClaim "bad-modes" is invalid: spec\.accessModes: Unsupported value: "Bogus": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"/,
    );
    const raw = await b.request('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, obj);
    assert.equal(raw.status, 422);
    const s = raw.body as Status;
    assert.deepEqual([s.kind, s.status, s.reason, s.code], ['Status', 'Failure', 'Invalid', 422]);
    assert.deepEqual([s.details?.name, s.details?.kind], ['bad-modes', 'PersistentVolumeClaim']);
    assert.ok(s.details?.causes?.some((c) => c.reason === 'FieldValueNotSupported' && c.field === 'spec.accessModes'), raw.text);
  });

  test('a PV without capacity', async () => {
    const r = await apply({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'no-cap' }, spec: { accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp' } } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /PersistentVolume "no-cap" is invalid: [^]*spec\.capacity: Required value/);
  });

  test('a PVC without resources.requests.storage and without accessModes', async () => {
    const r = await apply(pvc('empty', {}));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.accessModes: Required value: at least 1 access mode is required/);
    assert.match(r.stderr, /spec\.resources\[storage\]: Required value/);
  });

  test('a ConfigMap named "Bad_Name"', async () => {
    const r = await k(['create', '-f', '-'], { input: JSON.stringify(configMapObj('Bad_Name', ns)), allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.'/);
    const raw = await b.request('POST', cms, { metadata: { name: 'Bad_Name' } });
    assert.equal(raw.status, 422);
    assert.ok((raw.body as Status).details?.causes?.some((c) => c.field === 'metadata.name' && c.reason === 'FieldValueInvalid'), raw.text);
  });

  test('quantity "10Gb" cannot be decoded: 400 with the quantity regular expression', async () => {
    const r = await apply(pvc('gb', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gb' } } }));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /quantities must match the regular expression/);
    const raw = await b.request('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, pvc('gb', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gb' } } }));
    assert.equal(raw.status, 400, raw.text);
  });

  test('a name over 253 characters', async () => {
    const raw = await b.request('POST', cms, { metadata: { name: 'a'.repeat(254) } });
    assert.equal(raw.status, 422, raw.text);
    assert.match((raw.body as Status).message, /metadata\.name: Invalid value: .*must be no more than 253 characters/);
  });
});

describe('undecodable bodies: 400', () => {
  test('truncated JSON', async () => {
    const r = await b.request('POST', cms, '{"metadata": {"name": "x"');
    assert.equal(r.status, 400, r.text);
    assert.equal((r.body as Status).reason, 'BadRequest');
  });

  test('malformed YAML', async () => {
    const r = await httpsJson(b, 'POST', cms, 'metadata:\n  name: [x\n   - : :', { headers: { 'content-type': 'application/yaml' } });
    assert.equal(r.status, 400, r.text);
  });

  test('an unsupported content type is a 415', async () => {
    const r = await httpsJson(b, 'POST', cms, 'name=x', { headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 415, r.text);
  });
});

describe('kubectl messages', () => {
  test('an unknown resource type', async () => {
    const r = await k(['get', 'frobnicators'], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /error: the server doesn't have a resource type "frobnicators"/);
  });

  test('NotFound', async () => {
    const r = await k(['get', 'cm', '-n', ns, 'nope'], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(NotFound\): configmaps "nope" not found/);
  });

  test('AlreadyExists', async () => {
    await create(k, configMapObj('twice', ns));
    const r = await k(['create', '-f', '-'], { input: JSON.stringify(configMapObj('twice', ns)), allowFail: true });
    assert.match(r.stderr, /Error from server \(AlreadyExists\): .*configmaps "twice" already exists/);
  });

  test('an update with a stale resourceVersion is a Conflict', async () => {
    const got = await b.request('GET', `${cms}/twice`);
    const obj = got.body as { metadata: { resourceVersion: string } };
    assert.equal((await b.request('PUT', `${cms}/twice`, { ...obj, data: { a: '1' } })).status, 200);
    const stale = await b.request('PUT', `${cms}/twice`, { ...obj, data: { a: '2' } });
    assert.equal(stale.status, 409, stale.text);
    assert.match((stale.body as Status).message, /Operation cannot be fulfilled on configmaps "twice": the object has been modified; please apply your changes to the latest version and try again/);
  });
});

describe('nasty inputs never give a 500', () => {
  // Inputs where upstream's exact answer is not pinned here: anything below 500 will do.
  const lenient = new Set(['negative limit', 'dot-dot in the path', 'bad resourceVersion', 'JSON patch removing metadata', 'strategic patch changing the kind']);
  const check = (what: string, r: { status: number; text: string }, label: string) => {
    assert.ok(r.status < 500, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
    if (!lenient.has(what)) assert.ok(r.status >= 400, `${label}: accepted with ${r.status} ${r.text.slice(0, 300)}`);
  };
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  const cases: [string, string, string, string?][] = [
    ['array body', 'POST', cms, '[]'],
    ['null body', 'POST', cms, 'null'],
    ['number body', 'POST', cms, '42'],
    ['metadata as a string', 'POST', cms, '{"metadata":"oops"}'],
    ['labels as an array', 'POST', cms, '{"metadata":{"name":"l","labels":["a"]}}'],
    ['data values as numbers', 'POST', cms, '{"metadata":{"name":"n"},"data":{"a":1}}'],
    ['deeply nested JSON', 'POST', cms, `{"metadata":{"name":"deep"},"data":${deep}}`],
    ['wrong kind for the URL', 'POST', cms, '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"k"}}'],
    ['namespace mismatch', 'POST', cms, '{"metadata":{"name":"m","namespace":"other"}}'],
    ['huge name in the URL', 'GET', `${cms}/${'x'.repeat(5000)}`],
    ['name mismatch on PUT', 'PUT', `${cms}/twice`, '{"metadata":{"name":"other"}}'],
    ['bad label selector', 'GET', `${cms}?labelSelector=${encodeURIComponent('a in (')}`],
    ['bad field selector', 'GET', `${cms}?fieldSelector=${encodeURIComponent('spec.nothing=x')}`],
    ['bad continue token', 'GET', `${cms}?limit=1&continue=not-a-token`],
    ['negative limit', 'GET', `${cms}?limit=-5`],
    ['bad resourceVersion', 'GET', `${cms}?resourceVersion=abc`],
    ['bad timeoutSeconds', 'GET', `${cms}?watch=true&timeoutSeconds=soon`],
    ['unknown group', 'GET', '/apis/nothing.example.com/v1/things'],
    ['unknown resource', 'GET', '/api/v1/namespaces/default/frobs'],
    ['dot-dot in the path', 'GET', '/api/v1/namespaces/../configmaps'],
    ['delete with a garbage body', 'DELETE', `${cms}/victim`, '{"propagationPolicy":7'],
    ['delete with an unknown propagation policy', 'DELETE', `${cms}/victim`, '{"propagationPolicy":"Sideways"}'],
  ];
  for (const [what, method, path, body] of cases) {
    test(what, async () => {
      check(what, await b.request(method, path, body), `${method} ${path.slice(0, 80)}`);
    });
  }

  const patches: [string, string, string][] = [
    ['merge patch that is not JSON', 'application/merge-patch+json', '{"data":'],
    ['merge patch that is an array', 'application/merge-patch+json', '[1,2]'],
    ['JSON patch that is an object', 'application/json-patch+json', '{"op":"add"}'],
    ['JSON patch with an unknown op', 'application/json-patch+json', '[{"op":"frob","path":"/data"}]'],
    ['JSON patch with a bad path', 'application/json-patch+json', '[{"op":"replace","path":"/no/such/thing","value":1}]'],
    ['JSON patch removing metadata', 'application/json-patch+json', '[{"op":"remove","path":"/metadata"}]'],
    ['strategic patch with a bad directive', 'application/strategic-merge-patch+json', '{"data":{"$patch":"explode"}}'],
    ['strategic patch changing the kind', 'application/strategic-merge-patch+json', '{"kind":"Secret"}'],
    ['apply patch that is not YAML', 'application/apply-patch+yaml', '{{{'],
    ['apply patch without a field manager', 'application/apply-patch+yaml', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"twice"}}'],
    // Each of these once took the stack (merge/strategic) or the whole process (YAML) down.
    ['deeply nested merge patch', 'application/merge-patch+json', `{"data":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`],
    ['deeply nested strategic patch', 'application/strategic-merge-patch+json', `{"data":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`],
    ['deeply nested flow YAML apply patch', 'application/apply-patch+yaml', `{"data":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`],
    ['deeply nested block YAML apply patch', 'application/apply-patch+yaml', Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')],
  ];
  for (const [what, type, body] of patches) {
    test(what, async () => {
      check(what, await httpsJson(b, 'PATCH', `${cms}/twice`, body, { headers: { 'content-type': type } }), `PATCH ${type}`);
    });
  }

  test('a 4 MiB body is refused (upstream: 413) and the server stays up', async () => {
    const r = await b.request('POST', cms, { metadata: { name: 'big' }, data: { a: 'x'.repeat(4 << 20) } });
    assert.ok(r.status === 413 || r.status === 422, `${r.status} ${r.text.slice(0, 200)}`);
  });

  test('the server is still up and healthy', async () => {
    assert.equal(b.exit, undefined);
    assert.equal((await b.request('GET', '/readyz')).status, 200);
    assert.equal((await k(['get', 'cm', '-n', ns, 'twice', '-o', 'name'])).stdout.trim(), 'configmap/twice');
    assert.equal((await k(['get', 'cm', '-n', ns, 'victim', '-o', 'name'])).stdout.trim(), 'configmap/victim', 'bad deletes deleted nothing');
  });
});
