import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { buildContext, startInformers } from '../context';
import { eventually } from '../testing/fake-timer';
import { type Stack, testStack } from '../testing/stack';
import { ROOT_CA_CONFIGMAP, RootCACertPublisher, computeRootCAAction, desiredRootCA } from './controller';

const DESC = 'kubernetes.io/description';
const ns = (phase = 'Active', deleting = false): KObject => ({ metadata: { name: 'n', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, status: { phase } });
const cm = (data: Record<string, string> | undefined, desc: string | null = 'ours'): KObject => ({
  metadata: { name: ROOT_CA_CONFIGMAP, ...(desc === null ? {} : { annotations: { [DESC]: desc } }) },
  ...(data ? { data } : {}),
});

test('computeRootCAAction', () => {
  const cases: [string, KObject | undefined, KObject | undefined, string][] = [
    ['missing namespace', undefined, undefined, 'none'],
    ['terminating namespace', ns('Terminating'), undefined, 'none'],
    ['deleting namespace', ns('Active', true), undefined, 'none'],
    ['no configmap', ns(), undefined, 'create'],
    ['current', ns(), cm({ 'ca.crt': 'PEM' }), 'none'],
    ['a user-worded description is accepted', ns(), cm({ 'ca.crt': 'PEM' }, 'my words'), 'none'],
    ['edited data', ns(), cm({ 'ca.crt': 'other' }), 'update'],
    ['extra key', ns(), cm({ 'ca.crt': 'PEM', x: 'y' }), 'update'],
    ['no data', ns(), cm(undefined), 'update'],
    ['description removed', ns(), cm({ 'ca.crt': 'PEM' }, null), 'update'],
    ['description emptied', ns(), cm({ 'ca.crt': 'PEM' }, ''), 'update'],
  ];
  for (const [name, n, c, want] of cases) assert.equal(computeRootCAAction(n, c, 'PEM'), want, name);
});

test('desiredRootCA: a fresh object, or a copy of the existing one with data reset', () => {
  const fresh = desiredRootCA('team', undefined, 'PEM');
  assert.deepEqual([fresh.metadata.name, fresh.metadata.namespace, fresh.data], [ROOT_CA_CONFIGMAP, 'team', { 'ca.crt': 'PEM' }]);
  assert.ok(fresh.metadata.annotations?.[DESC]);
  const existing: KObject = {
    apiVersion: 'v1', kind: 'ConfigMap', binaryData: { b: 'AA==' }, data: { 'ca.crt': 'old', extra: 'x' },
    metadata: { name: ROOT_CA_CONFIGMAP, namespace: 'team', resourceVersion: '7', labels: { l: 'v' }, annotations: { other: 'o', [DESC]: 'mine' } },
  };
  const before = structuredClone(existing);
  const upd = desiredRootCA('team', existing, 'PEM');
  assert.deepEqual(existing, before, 'the cached object is not modified');
  assert.deepEqual(upd.data, { 'ca.crt': 'PEM' });
  assert.deepEqual(upd.binaryData, { b: 'AA==' });
  assert.deepEqual([upd.metadata.resourceVersion, upd.metadata.labels, upd.metadata.annotations?.other], ['7', { l: 'v' }, 'o']);
  assert.equal(upd.metadata.annotations?.[DESC], fresh.metadata.annotations?.[DESC], 'as upstream, an update writes our description');
});

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const cmRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps' };
let stack: Stack;
let publisher: RootCACertPublisher;
const ac = new AbortController();
let running: Promise<unknown>;

before(async () => {
  stack = await testStack();
  const ctx = buildContext({ client: stack.client, registry: stack.registry, clock: { now: () => new Date() } });
  publisher = new RootCACertPublisher(ctx, 'PEM');
  running = Promise.all([startInformers(ctx, ac.signal), publisher.start(ac.signal)]);
  await publisher.ready;
});

after(async () => {
  ac.abort();
  await running;
});

test('publisher: a reworded description stays; edited data is reset keeping labels and binaryData', async () => {
  await stack.client.create(nsRef, undefined, { metadata: { name: 'ca-team' } });
  const get = () => stack.client.get(cmRef, 'ca-team', ROOT_CA_CONFIGMAP);
  await eventually(async () => !!(await get().catch(() => undefined)), 5000, 'CA configmap');
  const first = await get();
  await stack.client.patch(cmRef, 'ca-team', ROOT_CA_CONFIGMAP, 'merge', { metadata: { annotations: { [DESC]: 'our cluster CA' } } });
  await publisher.idle();
  assert.equal((await get()).metadata.annotations?.[DESC], 'our cluster CA');
  await stack.client.patch(cmRef, 'ca-team', ROOT_CA_CONFIGMAP, 'merge', { metadata: { labels: { team: 'a' } }, data: { 'ca.crt': 'tampered', extra: 'x' }, binaryData: { b: 'AA==' } });
  await eventually(async () => ((await get()).data as Record<string, string> | undefined)?.['ca.crt'] === 'PEM', 5000, 'data reset');
  const now = await get();
  assert.deepEqual(now.data, { 'ca.crt': 'PEM' });
  assert.deepEqual(now.binaryData, { b: 'AA==' });
  assert.equal(now.metadata.labels?.team, 'a');
  assert.equal(now.metadata.annotations?.[DESC], first.metadata.annotations?.[DESC]);
  assert.equal(now.metadata.uid, first.metadata.uid, 'updated in place');
});
