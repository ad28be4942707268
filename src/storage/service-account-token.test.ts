import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiClient, ResourceRef } from '../machinery/client';
import { errors } from '../machinery/errors';
import type { KObject } from '../machinery/types';
import type { Pod } from '../node/types';
import { TokenCache, needsRefresh } from './service-account-token';

const pod: Pod = { metadata: { name: 'web', namespace: 'team', uid: 'u-1' }, spec: { containers: [], serviceAccountName: 'builder' } };

test('needsRefresh: at 80% of the lifetime or after 24 h', () => {
  const h = 3600_000;
  const cases: [number, number, number, boolean][] = [
    [0, h, 0.79 * h, false],
    [0, h, 0.8 * h, true],
    [0, 48 * h, 24 * h - 1, false],
    [0, 48 * h, 24 * h + 1, true],
  ];
  for (const [issued, expires, now, want] of cases) assert.equal(needsRefresh(issued, expires, now), want, `${issued} ${expires} ${now}`);
});

test('TokenCache asks the token subresource with a bound TokenRequest, caches, refreshes, keeps a valid token on errors', async () => {
  const calls: [ResourceRef, string | undefined, KObject, string | undefined][] = [];
  let now = Date.parse('2026-11-28T06:00:00Z');
  let fail = false;
  const client = {
    async create(r: ResourceRef, ns: string | undefined, obj: KObject, _o?: unknown, sub?: string) {
      calls.push([r, ns, obj, sub]);
      if (fail) throw errors.pathNotFound();
      return { ...obj, status: { token: `t${calls.length}`, expirationTimestamp: new Date(now + 3600_000).toISOString() } };
    },
  } as unknown as ApiClient;
  const cache = new TokenCache(client, { now: () => new Date(now) });
  assert.equal(await cache.token(pod, { path: 'token', audience: 'vault', expirationSeconds: 3600 }), 't1');
  const [r, ns, obj, sub] = calls[0]!;
  assert.deepEqual([r, ns, sub], [{ group: '', version: 'v1', plural: 'serviceaccounts' }, 'team', 'token']);
  assert.deepEqual(obj, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'builder', namespace: 'team' },
    spec: { audiences: ['vault'], expirationSeconds: 3600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u-1' } },
  });
  now += 60_000;
  assert.equal(await cache.token(pod, { path: 'token', audience: 'vault', expirationSeconds: 3600 }), 't1', 'cached');
  now += 0.8 * 3600_000;
  assert.equal(await cache.token(pod, { path: 'token', audience: 'vault', expirationSeconds: 3600 }), 't2', 'refreshed');
  now += 0.8 * 3600_000;
  fail = true;
  assert.equal(await cache.token(pod, { path: 'token', audience: 'vault', expirationSeconds: 3600 }), 't2', 'still valid, kept');
  const fresh = new TokenCache(client, { now: () => new Date(now) });
  await assert.rejects(fresh.token(pod, { path: 'token' }), /^Error: failed to fetch token: the server could not find the requested resource$/);
});
