// HttpClient against the real `berth server`: CRUD, errors as ApiErrors with upstream reasons,
// patches, subresources, and a watch that reports its end as an ERROR event.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBerth, type Berth } from './harness';
import type { ClientWatchEvent } from '../../src/machinery/client';
import { ApiError } from '../../src/machinery/errors';
import { HttpClient } from '../../src/machinery/http-client';

const cms = { group: '', version: 'v1', plural: 'configmaps' };

describe('HttpClient', { timeout: 60_000 }, () => {
  let b: Berth;
  let c: HttpClient;
  before(async () => {
    b = await startBerth();
    c = new HttpClient({ server: b.url, token: b.token, caPem: b.caPem });
  });
  after(async () => b?.destroy());

  test('create, get, list with a selector, update, patch, delete', async () => {
    const made = await c.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: '1' } }, data: { k: 'v' } });
    assert.ok(made.metadata?.uid);
    assert.equal((await c.get(cms, 'default', 'a')).metadata?.uid, made.metadata?.uid);
    const l = await c.list(cms, 'default', { labelSelector: 'x=1' });
    assert.deepEqual(l.items.map((i) => i.metadata?.name), ['a']);
    const up = await c.update(cms, 'default', { ...made, data: { k: 'w' } });
    assert.equal((up as unknown as { data: { k: string } }).data.k, 'w');
    const p = await c.patch(cms, 'default', 'a', 'merge', { data: { z: '1' } });
    assert.deepEqual((p as unknown as { data: object }).data, { k: 'w', z: '1' });
    const sp = await c.patch(cms, 'default', 'a', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { q: '2' } }, { fieldManager: 't', force: true });
    assert.equal((sp as unknown as { data: { q: string } }).data.q, '2');
    await c.delete(cms, 'default', 'a');
    await assert.rejects(c.get(cms, 'default', 'a'), (e: unknown) => e instanceof ApiError && e.reason === 'NotFound' && e.code === 404 && /configmaps "a" not found/.test(e.message));
  });

  test('conflicts and invalid objects keep their reason and details', async () => {
    await c.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } });
    await assert.rejects(c.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } }), (e: unknown) => e instanceof ApiError && e.reason === 'AlreadyExists');
    await assert.rejects(c.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }), (e: unknown) => e instanceof ApiError && e.reason === 'Invalid' && e.details?.causes?.[0]?.field === 'metadata.name');
  });

  test('watch delivers events, and its end becomes an ERROR event', async () => {
    const events: ClientWatchEvent[] = [];
    const list = await c.list(cms, 'default');
    const stop = await c.watch(cms, 'default', { resourceVersion: list.metadata.resourceVersion }, (e) => events.push(e));
    await c.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1' } });
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.object.metadata?.name, 'w1');
    await b.restart();
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'ERROR'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(events.some((e) => e.type === 'ERROR'), 'the end of the stream is reported');
    stop();
  });
});
