// REST semantics found in review, each against the real server: request targets, dry-run,
// field managers, generated names, named watches, binding, namespace deletion and list options.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { type Berth, httpsJson, startBerth } from './harness';
import { configMapObj, create, type Kubectl, kubectlFor, namespaceObj } from './util';

let b: Berth;
let k: Kubectl;
const ns = 'sem';
const cms = `/api/v1/namespaces/${ns}/configmaps`;

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
  await create(k, configMapObj('a', ns));
});
after(() => b?.destroy());

/** A request whose target is sent exactly as given (no URL normalisation). */
function rawGet(target: string): Promise<number> {
  const u = new URL(b.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: target, method: 'GET', ca: b.caPem, agent: false, headers: { authorization: `Bearer ${b.token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('request targets', () => {
  test('"//" redirects (as Go\'s mux does), a malformed percent-escape is 400, and the server stays up', async () => {
    assert.equal(await rawGet('//'), 301);
    assert.equal(await rawGet('/api/v1/namespaces/%zz/pods'), 400);
    assert.equal((await b.request('GET', '/readyz')).status, 200);
  });
});

describe('writes', () => {
  test('a server dry-run create of an existing object is 409 AlreadyExists', async () => {
    const r = await httpsJson(b, 'POST', `${cms}?dryRun=All`, configMapObj('a', ns));
    assert.equal(r.status, 409);
  });

  test('an over-long User-Agent does not block writes; an over-long fieldManager is 422 CreateOptions', async () => {
    const ua = await httpsJson(b, 'POST', cms, configMapObj('ua', ns), { headers: { 'user-agent': `${'x'.repeat(200)}/1.0` } });
    assert.equal(ua.status, 201, ua.text);
    const fm = await httpsJson(b, 'POST', `${cms}?fieldManager=${'y'.repeat(200)}`, configMapObj('fm', ns));
    assert.equal(fm.status, 422);
    assert.match((fm.body as { message: string }).message, /CreateOptions\.meta\.k8s\.io "" is invalid: fieldManager: Too long/);
  });

  test('a long generateName is cut to 58 characters before the suffix', async () => {
    const r = await httpsJson(b, 'POST', cms, { metadata: { generateName: `${'g'.repeat(62)}-` }, data: {} });
    assert.equal(r.status, 201, r.text);
    const name = (r.body as { metadata: { name: string } }).metadata.name;
    assert.equal(name.length, 63);
    assert.ok(name.startsWith('g'.repeat(58)));
  });

  test('a PUT without metadata.name is a 400 naming both names; a changed uid is 422 immutable', async () => {
    const noName = await httpsJson(b, 'PUT', `${cms}/a`, { metadata: {}, data: {} });
    assert.equal(noName.status, 400);
    assert.match((noName.body as { message: string }).message, /the name of the object \(\) does not match the name on the URL \(a\)/);
    const uid = await httpsJson(b, 'PUT', `${cms}/a`, { metadata: { name: 'a', uid: 'not-the-uid' }, data: {} });
    assert.equal(uid.status, 422);
    assert.match((uid.body as { message: string }).message, /metadata\.uid: Invalid value: "not-the-uid": field is immutable/);
  });

  test('apply without a fieldManager is 422 PatchOptions', async () => {
    const r = await httpsJson(b, 'PATCH', `${cms}/a`, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}', { headers: { 'content-type': 'application/apply-patch+yaml' } });
    assert.equal(r.status, 422);
    assert.match((r.body as { message: string }).message, /PatchOptions\.meta\.k8s\.io "" is invalid: fieldManager: Required value: is required for apply patch/);
  });
});

describe('pods/binding', () => {
  const pod = { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  test('dry-run binds nothing; a name mismatch is 400; a real binding sets the node', async () => {
    assert.equal((await httpsJson(b, 'POST', `/api/v1/namespaces/${ns}/pods`, pod)).status, 201);
    const binding = (name: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'node-x' } });
    const dry = await httpsJson(b, 'POST', `/api/v1/namespaces/${ns}/pods/p1/binding?dryRun=All`, binding('p1'));
    assert.equal(dry.status, 201, dry.text);
    const after1 = await httpsJson(b, 'GET', `/api/v1/namespaces/${ns}/pods/p1`);
    assert.equal((after1.body as { spec: { nodeName?: string } }).spec.nodeName, undefined);
    const other = await httpsJson(b, 'POST', `/api/v1/namespaces/${ns}/pods/p1/binding`, binding('other'));
    assert.equal(other.status, 400);
    assert.equal((await httpsJson(b, 'POST', `/api/v1/namespaces/${ns}/pods/p1/binding`, binding('p1'))).status, 201);
    const bound = await httpsJson(b, 'GET', `/api/v1/namespaces/${ns}/pods/p1`);
    assert.equal((bound.body as { spec: { nodeName?: string } }).spec.nodeName, 'node-x');
  });
});

describe('namespaces', () => {
  test('namespaces have no deletecollection and no namespaced path', async () => {
    assert.equal((await httpsJson(b, 'DELETE', '/api/v1/namespaces')).status, 405);
    assert.equal((await httpsJson(b, 'GET', '/api/v1/namespaces/nothing/namespaces')).status, 404);
  });

  test('deleting a terminating namespace again answers 200 with the namespace', async () => {
    await create(k, namespaceObj('twice'));
    await create(k, { ...configMapObj('held', 'twice'), metadata: { name: 'held', namespace: 'twice', finalizers: ['example.com/hold'] } });
    const first = await httpsJson(b, 'DELETE', '/api/v1/namespaces/twice');
    assert.equal(first.status, 200);
    const second = await httpsJson(b, 'DELETE', '/api/v1/namespaces/twice');
    assert.equal(second.status, 200, second.text);
    assert.equal((second.body as { status: { phase: string } }).status.phase, 'Terminating');
    await httpsJson(b, 'PATCH', '/api/v1/namespaces/twice/configmaps/held', '{"metadata":{"finalizers":null}}', { headers: { 'content-type': 'application/merge-patch+json' } });
  });
});

describe('list and watch options', () => {
  test('bad resourceVersionMatch combinations are 422 ListOptions', async () => {
    for (const q of ['resourceVersionMatch=Bogus&resourceVersion=1', 'resourceVersionMatch=NotOlderThan', 'sendInitialEvents=true']) {
      const r = await httpsJson(b, 'GET', `${cms}?${q}`);
      assert.equal(r.status, 422, `${q}: ${r.text}`);
      assert.match((r.body as { message: string }).message, /ListOptions\.meta\.k8s\.io "" is invalid/);
    }
  });

  test('a resourceVersion from the future is refused', async () => {
    assert.equal((await httpsJson(b, 'GET', `${cms}?resourceVersion=999999999`)).status, 504);
  });

  test('GET of one object with ?watch=true is a plain get', async () => {
    const r = await httpsJson(b, 'GET', `${cms}/a?watch=true`);
    assert.equal(r.status, 200);
    assert.equal((r.body as { kind: string }).kind, 'ConfigMap');
  });

  test('a negative grace period deletes like 1 second (an unbound pod goes at once)', async () => {
    const pod = { metadata: { name: 'grace' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    assert.equal((await httpsJson(b, 'POST', `/api/v1/namespaces/${ns}/pods`, pod)).status, 201);
    const r = await httpsJson(b, 'DELETE', `/api/v1/namespaces/${ns}/pods/grace`, { gracePeriodSeconds: -5 });
    assert.equal(r.status, 200, r.text);
    assert.equal((await httpsJson(b, 'GET', `/api/v1/namespaces/${ns}/pods/grace`)).status, 404);
  });
});

describe('non-resource paths', () => {
  test('health: verbose lists checks, exclude marks them, unknown excludes warn, deep paths 404', async () => {
    const v = await b.request('GET', '/readyz?verbose&exclude=etcd&exclude=nope');
    assert.equal(v.status, 200);
    assert.match(v.text, /^\[\+\]ping ok$/m);
    assert.match(v.text, /^\[\+\]etcd excluded: ok$/m);
    assert.match(v.text, /^\[\+\]informer-sync ok$/m);
    assert.match(v.text, /^warn: some health checks cannot be excluded: no matches for "nope"$/m);
    assert.match(v.text, /^readyz check passed$/m);
    assert.equal((await b.request('GET', '/livez/etcd')).text, 'ok');
    assert.equal((await b.request('GET', '/healthz/etcd/x')).status, 404);
  });

  test('read-only paths refuse other methods with 405; doubled slashes redirect', async () => {
    assert.equal((await b.request('POST', '/version', {})).status, 405);
    assert.equal((await b.request('DELETE', '/apis/apps/v1')).status, 405);
    assert.equal(await rawGet('//api'), 301);
  });
});
