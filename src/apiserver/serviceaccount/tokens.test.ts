import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Clock, IdSource } from '../../machinery/clock';
import { ApiError } from '../../machinery/errors';
import { allResources } from '../../machinery/resources';
import type { KObject } from '../../machinery/types';
import { MemoryBackend } from '../../store/memory';
import { admissionPlugins } from '../admission/plugins';
import { bootstrap } from '../bootstrap';
import { ObjectStore } from '../object-store';
import { ensureServiceAccountKey } from '../pki';
import { InProcessClient } from '../inprocess-client';
import { tokenRequest } from '../../storage/service-account-token';
import type { Pod } from '../../node/types';
import { Registry } from '../registry';
import { ISSUER } from './claims';
import { ServiceAccountTokens } from './tokens';

const registry = new Registry(allResources);
const def = (plural: string) => registry.lookup('', 'v1', plural) ?? assert.fail(plural);
const [sas, pods, secrets] = [def('serviceaccounts'), def('pods'), def('secrets')];
const reason = (r: string, message?: string) => (err: unknown) => err instanceof ApiError && err.reason === r && (message === undefined || err.message === message);

async function setup() {
  let now = new Date('2026-11-28T10:00:00Z');
  const clock: Clock = { now: () => now };
  let n = 0;
  const ids: IdSource = { uid: () => `uid-${++n}`, suffix: (k) => 'b'.repeat(k) };
  const store = new ObjectStore(new MemoryBackend(), clock, ids, admissionPlugins(registry));
  await bootstrap(store, registry, { ip: '127.0.0.1', port: 6443 });
  const dir = await mkdtemp(join(tmpdir(), 'berth-sa-'));
  const key = await ensureServiceAccountKey(dir);
  await rm(dir, { recursive: true, force: true });
  const tokens = new ServiceAccountTokens(key, store, clock);
  const sa = await store.create(sas, 'default', { metadata: { name: 'robot' } });
  const pod = await store.create(pods, 'default', { metadata: { name: 'p' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } });
  const request = (spec: Record<string, unknown> = {}, name = 'robot') =>
    tokens.request('default', name, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec });
  return { store, clock, tokens, sa, pod, request, advance: (s: number) => (now = new Date(now.getTime() + s * 1000)) };
}

const tokenOf = (r: KObject) => (r.status as { token: string }).token;
const claimsOf = (r: KObject) => JSON.parse(Buffer.from(tokenOf(r).split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

describe('TokenRequest', () => {
  test('defaults: one hour, the API audience; the answer is the request with its status', async () => {
    const { request, sa } = await setup();
    const r = await request();
    assert.deepEqual({ ...r, status: { ...(r.status as object), token: '-' } }, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'robot', namespace: 'default', creationTimestamp: '2026-11-28T10:00:00Z' },
      spec: { audiences: [ISSUER], expirationSeconds: 3600 },
      status: { token: '-', expirationTimestamp: '2026-11-28T11:00:00Z' },
    });
    const c = claimsOf(r);
    assert.equal(c.sub, 'system:serviceaccount:default:robot');
    assert.equal((c.exp as number) - (c.iat as number), 3600);
    assert.deepEqual(c['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'robot', uid: sa.metadata.uid } });
  });

  test('refusals are upstream\'s', async () => {
    const { request, pod } = await setup();
    await assert.rejects(request({}, 'ghost'), reason('NotFound', 'serviceaccounts "ghost" not found'));
    await assert.rejects(
      request({ expirationSeconds: 599 }),
      reason('Invalid', 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'),
    );
    await assert.rejects(request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } }), reason('NotFound', 'pods "nope" not found'));
    await assert.rejects(request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'stale' } }), reason('Conflict'));
    await assert.rejects(request({ boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }), reason('BadRequest', 'cannot bind token to object of type /v1, Kind=ConfigMap'));
    await assert.rejects(
      request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: pod.metadata.uid } }, 'default'),
      reason('NotFound', 'serviceaccounts "default" not found'),
    );
  });

  test('a pod-bound token names the pod; 3607 s from the kubelet is extended to a year with warnafter', async () => {
    const { request, pod } = await setup();
    const ref = { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: pod.metadata.uid };
    const r = await request({ boundObjectRef: ref, expirationSeconds: 3607 });
    const c = claimsOf(r);
    assert.deepEqual((c['kubernetes.io'] as { pod: unknown }).pod, { name: 'p', uid: pod.metadata.uid });
    assert.equal((c.exp as number) - (c.iat as number), 365 * 24 * 3600);
    assert.equal((c['kubernetes.io'] as { warnafter: number }).warnafter - (c.iat as number), 3607);
    assert.equal((r.status as { expirationTimestamp: string }).expirationTimestamp, '2026-11-28T11:00:07Z');
    const plain = claimsOf(await request({ boundObjectRef: ref, expirationSeconds: 3600 }));
    assert.equal((plain.exp as number) - (plain.iat as number), 3600);
  });
});

describe('the in-process ApiClient', () => {
  test('serves the TokenRequest the node\'s projected volume sends', async () => {
    const { store, clock, tokens, pod } = await setup();
    const client = new InProcessClient({ registry, store, clock, connectors: new Map(), serviceAccountTokens: tokens });
    const req = tokenRequest(pod as unknown as Pod, { expirationSeconds: 3607, path: 'token' });
    const r = await client.create({ group: '', version: 'v1', plural: 'serviceaccounts' }, 'default', req, {}, 'token');
    assert.equal((r.status as { expirationTimestamp: string }).expirationTimestamp, '2026-11-28T11:00:07Z');
    const user = await tokens.authenticate(tokenOf(r));
    assert.deepEqual(user?.extra?.['authentication.kubernetes.io/pod-name'], ['p']);
  });
});

describe('authenticating service account tokens', () => {
  test('a fresh token is the service account user', async () => {
    const { request, tokens, sa } = await setup();
    const user = await tokens.authenticate(tokenOf(await request()));
    assert.equal(user?.name, 'system:serviceaccount:default:robot');
    assert.equal(user?.uid, sa.metadata.uid);
    assert.deepEqual(user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.match(user?.extra?.['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^JTI=[0-9a-f-]{36}$/);
  });

  test('expired, wrong audience and tampered tokens are refused', async () => {
    const { request, tokens, advance } = await setup();
    const t = tokenOf(await request({ expirationSeconds: 600 }));
    const vault = tokenOf(await request({ audiences: ['vault'] }));
    assert.equal(await tokens.authenticate(vault), undefined);
    assert.equal(await tokens.authenticate(`${t.slice(0, -3)}${t.endsWith('AAA') ? 'BBB' : 'AAA'}`), undefined);
    assert.equal(await tokens.authenticate('not-a-jwt'), undefined);
    advance(599);
    assert.ok(await tokens.authenticate(t));
    advance(1);
    assert.equal(await tokens.authenticate(t), undefined);
  });

  test('a token dies with its service account (even if one of that name comes back) and with its bound pod', async () => {
    const { request, tokens, store, pod } = await setup();
    const bound = tokenOf(await request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: pod.metadata.uid } }));
    assert.ok(await tokens.authenticate(bound));
    await store.delete(pods, 'default', 'p');
    assert.equal(await tokens.authenticate(bound), undefined);

    const t = tokenOf(await request());
    await store.delete(sas, 'default', 'robot');
    await store.create(sas, 'default', { metadata: { name: 'robot' } });
    assert.equal(await tokens.authenticate(t), undefined);
    assert.ok(await tokens.authenticate(tokenOf(await request())));
  });

  test('a secret-bound token dies with the secret', async () => {
    const { request, tokens, store } = await setup();
    const s = await store.create(secrets, 'default', { metadata: { name: 's' }, data: {} });
    const t = tokenOf(await request({ boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's', uid: s.metadata.uid } }));
    assert.ok(await tokens.authenticate(t));
    await store.delete(secrets, 'default', 's');
    assert.equal(await tokens.authenticate(t), undefined);
  });
});

describe('ensureServiceAccountKey', () => {
  test('made once (P-256, mode 0600), kept across starts, replaced when unreadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-sakey-'));
    try {
      const a = await ensureServiceAccountKey(dir);
      const path = join(dir, 'pki', 'sa.key');
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal(a.asymmetricKeyDetails?.namedCurve, 'prime256v1');
      const b = await ensureServiceAccountKey(dir);
      assert.equal(b.export({ type: 'pkcs8', format: 'pem' }), a.export({ type: 'pkcs8', format: 'pem' }));
      await writeFile(path, 'garbage');
      const c = await ensureServiceAccountKey(dir);
      assert.notEqual(c.export({ type: 'pkcs8', format: 'pem' }), a.export({ type: 'pkcs8', format: 'pem' }));
      assert.ok(createPrivateKey(await readFile(path, 'utf8')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
