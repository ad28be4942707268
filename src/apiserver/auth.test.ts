import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toStatus } from '../machinery/errors';
import { type AccessRequest, ADMIN_USER, ANONYMOUS_USER, authenticate, checkAccess, ensureAdminToken, forbidden, isPublicPath, subprotocolsWithoutToken, type UserInfo } from './auth';

const base = await mkdtemp(join(tmpdir(), 'berth-auth-'));
after(() => rm(base, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(base, String(n++));

const tokens = ['s3cret-token'];
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const wsProto = (t: string) => `base64url.bearer.authorization.k8s.io.${Buffer.from(t).toString('base64url')}`;

describe('ensureAdminToken', () => {
  test('creates a 32-byte base64url token once, mode 0600, and keeps it', async () => {
    const dir = freshDir();
    const t = await ensureAdminToken(dir);
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(t, 'base64url').length, 32);
    assert.equal((await stat(join(dir, 'token'))).mode & 0o777, 0o600);
    assert.equal((await readFile(join(dir, 'token'), 'utf8')).trim(), t);
    assert.equal(await ensureAdminToken(dir), t);
  });

  test('concurrent first starts agree on one token', async () => {
    const dir = freshDir();
    const all = await Promise.all([1, 2, 3, 4].map(() => ensureAdminToken(dir)));
    assert.equal(new Set(all).size, 1);
  });

  test('an empty token file is replaced', async () => {
    const dir = freshDir();
    await ensureAdminToken(dir);
    await writeFile(join(dir, 'token'), '\n');
    const t = await ensureAdminToken(dir);
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  });
});

describe('authenticate', () => {
  test('a known bearer token is admin', () => {
    assert.deepEqual(authenticate(bearer('s3cret-token'), tokens), { user: ADMIN_USER });
    assert.deepEqual(authenticate({ authorization: 'bearer s3cret-token' }, tokens), { user: ADMIN_USER }, 'scheme is case-insensitive');
    assert.deepEqual(ADMIN_USER, { name: 'admin', groups: ['system:masters', 'system:authenticated'] });
  });

  test('wrong, missing, empty and non-bearer credentials are not', () => {
    assert.equal(authenticate(bearer('s3cret-tokeN'), tokens), undefined);
    assert.equal(authenticate(bearer('s3cret-token-longer'), tokens), undefined);
    assert.equal(authenticate({}, tokens), undefined);
    assert.equal(authenticate({ authorization: 'Bearer ' }, tokens), undefined);
    assert.equal(authenticate({ authorization: 'Basic czNjcmV0LXRva2Vu' }, tokens), undefined);
    assert.equal(authenticate(bearer('s3cret-token'), []), undefined);
  });

  test('the websocket subprotocol token counts only on an upgrade', () => {
    const ws = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': `v5.channel.k8s.io, ${wsProto('s3cret-token')}` };
    assert.deepEqual(authenticate(ws, tokens), { user: ADMIN_USER });
    assert.equal(authenticate({ ...ws, upgrade: undefined }, tokens), undefined);
    assert.deepEqual(subprotocolsWithoutToken(ws), ['v5.channel.k8s.io']);
  });
});

describe('checkAccess', () => {
  const get = (path: string, headers = {}) => checkAccess({ method: 'GET', path, headers }, tokens);

  test('admin may do anything', async () => {
    assert.deepEqual(await get('/api/v1/pods', bearer('s3cret-token')), { user: ADMIN_USER });
    assert.deepEqual(await get('/healthz/etcd', bearer('s3cret-token')), { user: ADMIN_USER });
  });

  test('a bad token is 401 everywhere, even on public paths, with upstream body', async () => {
    for (const p of ['/api', '/healthz', '/version']) {
      const r = await get(p, bearer('nope'));
      assert.ok('error' in r);
      assert.deepEqual(toStatus(r.error), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      assert.equal(JSON.stringify(toStatus(r.error)), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}');
    }
  });

  test('a malformed websocket token is 401, not anonymous', async () => {
    const r = await get('/healthz', { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-protocol': wsProto('s3cret-token') });
    assert.ok('error' in r && r.error.code === 401, 'token protocol alone, with no real subprotocol');
  });

  test('anonymous may GET exactly the public-info paths', async () => {
    for (const p of ['/healthz', '/livez', '/readyz', '/version', '/version/', '/readyz?verbose']) {
      assert.deepEqual(await get(p), { user: ANONYMOUS_USER }, p);
    }
    for (const p of ['/healthz/ping', '/readyz/', '/livez/etcd', '/api', '/apis', '/openapi/v2', '/']) {
      const r = await get(p);
      assert.ok('error' in r && r.error.code === 403, p);
    }
    const head = await checkAccess({ method: 'HEAD', path: '/healthz', headers: {} }, tokens);
    assert.ok('error' in head && head.error.code === 403);
  });

  test('anonymous 403 messages are upstream\'s', async () => {
    const r = await get('/api');
    assert.ok('error' in r);
    assert.deepEqual(toStatus(r.error), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'forbidden: User "system:anonymous" cannot get path "/api"',
      reason: 'Forbidden',
      details: {},
      code: 403,
    });
    const pods = await checkAccess(
      { method: 'GET', path: '/api/v1/namespaces/default/pods', headers: {}, resource: { verb: 'list', group: '', resource: 'pods', namespace: 'default' } },
      tokens,
    );
    assert.ok('error' in pods);
    assert.equal(pods.error.message, 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"');
    assert.deepEqual(pods.error.details, { kind: 'pods' });
  });

  test('forbidden names group, subresource, name and cluster scope like upstream', () => {
    const e = forbidden(ANONYMOUS_USER, { method: 'GET', path: '/x', resource: { verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'ns1', name: 'web' } });
    assert.equal(e.message, 'deployments.apps "web" is forbidden: User "system:anonymous" cannot get resource "deployments/scale" in API group "apps" in the namespace "ns1"');
    assert.deepEqual(e.details, { name: 'web', group: 'apps', kind: 'deployments' });
    const c = forbidden(ANONYMOUS_USER, { method: 'GET', path: '/x', resource: { verb: 'list', group: '', resource: 'nodes' } });
    assert.equal(c.message, 'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  test('isPublicPath ignores the query', () => {
    assert.equal(isPublicPath('/livez?verbose=1'), true);
    assert.equal(isPublicPath('/livez/ping'), false);
  });
});

describe('checkAccess for service account tokens', () => {
  const robot: UserInfo = { name: 'system:serviceaccount:default:default', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] };
  const others = { authenticate: async (t: string) => (t === 'sa-jwt' ? robot : undefined) };
  const as = (token: string, method: string, path: string, resource?: AccessRequest['resource']) =>
    checkAccess({ method, path, headers: bearer(token), ...(resource ? { resource } : {}) }, tokens, others);

  test('discovery, whoami and self reviews are allowed, as upstream\'s default RBAC allows system:authenticated', async () => {
    for (const p of ['/api', '/api/v1', '/apis', '/apis/apps/v1', '/openapi/v3', '/version', '/healthz']) {
      assert.deepEqual(await as('sa-jwt', 'GET', p), { user: robot }, p);
    }
    for (const [group, resource] of [['authentication.k8s.io', 'selfsubjectreviews'], ['authorization.k8s.io', 'selfsubjectaccessreviews'], ['authorization.k8s.io', 'selfsubjectrulesreviews']] as const) {
      assert.deepEqual(await as('sa-jwt', 'POST', `/apis/${group}/v1/${resource}`, { verb: 'create', group, resource }), { user: robot }, resource);
    }
  });

  test('anything else is 403 with upstream\'s message, not admin', async () => {
    const pods = await as('sa-jwt', 'GET', '/api/v1/namespaces/default/pods', { verb: 'list', group: '', resource: 'pods', namespace: 'default' });
    assert.ok('error' in pods);
    assert.equal(pods.error.code, 403);
    assert.equal(pods.error.message, 'pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"');
    const token = await as('sa-jwt', 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: 'default', name: 'default' });
    assert.ok('error' in token && token.error.code === 403);
    const metrics = await as('sa-jwt', 'GET', '/metrics');
    assert.ok('error' in metrics);
    assert.equal(metrics.error.message, 'forbidden: User "system:serviceaccount:default:default" cannot get path "/metrics"');
  });

  test('a token neither admin nor a valid service account token is 401', async () => {
    const r = await as('forged', 'GET', '/api');
    assert.ok('error' in r && r.error.code === 401);
    assert.deepEqual(await as('s3cret-token', 'GET', '/api/v1/pods', { verb: 'list', group: '', resource: 'pods' }), { user: ADMIN_USER });
  });
});
