import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, ListOpts, ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { buildContext, startInformers } from '../context';
import { backoffDelay } from '../queue';
import { eventually } from '../testing/fake-timer';
import { withNamespaceLifecycle } from '../testing/namespace-shim';
import { type Stack, testStack } from '../testing/stack';
import { NAMESPACE_QUEUE, NamespaceController } from './controller';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const cm: ResourceRef = { group: '', version: 'v1', plural: 'configmaps' };

let stack: Stack;
let client: ApiClient;
const ac = new AbortController();
let running: Promise<unknown>;
/** Runs after each configmap list the controller makes (to stage writes racing its pass). */
let afterConfigMapList: ((ns: string | undefined) => Promise<void>) | undefined;

const finalizersOf = (o: KObject | undefined) => (o?.spec as { finalizers?: string[] } | undefined)?.finalizers;

async function tryGet(r: ResourceRef, ns: string | undefined, name: string): Promise<KObject | undefined> {
  try {
    return await client.get(r, ns, name);
  } catch {
    return undefined;
  }
}

before(async () => {
  stack = await testStack();
  client = withNamespaceLifecycle(stack.client);
  // The controller's client: the real one, with a hook after configmap lists.
  const ctl: ApiClient = Object.create(client) as ApiClient;
  ctl.list = async (r: ResourceRef, ns: string | undefined, opts?: ListOpts) => {
    const out = await client.list(r, ns, opts);
    if (r.plural === 'configmaps') await afterConfigMapList?.(ns);
    return out;
  };
  const ctx = buildContext({ client: ctl, registry: stack.registry, clock: { now: () => new Date() } });
  const nsc = new NamespaceController(ctx);
  running = Promise.all([startInformers(ctx, ac.signal), nsc.start(ac.signal)]);
  await nsc.ready;
});

after(async () => {
  ac.abort();
  await running;
});

test('retries back off from 5 ms to at most a minute, as upstream nsControllerRateLimiter', () => {
  const delays = [0, 1, 10, 13, 14, 30].map((n) => backoffDelay(n, NAMESPACE_QUEUE.baseDelayMs, NAMESPACE_QUEUE.maxDelayMs));
  assert.deepEqual(delays, [5, 10, 5120, 40960, 60000, 60000]);
});

test('a namespace created with spec.finalizers: [] is still emptied before it goes', async () => {
  const created = await client.create(nsRef, undefined, { metadata: { name: 'empty-fin' }, spec: { finalizers: [] } });
  assert.deepEqual(finalizersOf(created), ['kubernetes']);
  await client.create(cm, 'empty-fin', { metadata: { name: 'c' }, data: {} });
  await client.delete(nsRef, undefined, 'empty-fin');
  await eventually(async () => !(await tryGet(nsRef, undefined, 'empty-fin')), 5000, 'namespace removed');
  assert.equal((await client.list(cm, 'empty-fin')).items.length, 0);
});

test('with only custom spec finalizers left, content is still deleted and those finalizers kept', async () => {
  const created = await client.create(nsRef, undefined, { metadata: { name: 'custom-fin' }, spec: { finalizers: ['example.com/keep'] } });
  assert.deepEqual(finalizersOf(created), ['example.com/keep', 'kubernetes']);
  // Someone finalizes "kubernetes" away by hand; the namespace controller still empties it.
  await client.update(nsRef, undefined, { ...created, spec: { finalizers: ['example.com/keep'] } }, {}, 'finalize');
  await client.create(cm, 'custom-fin', { metadata: { name: 'c' }, data: {} });
  await client.delete(nsRef, undefined, 'custom-fin');
  await eventually(async () => (await client.list(cm, 'custom-fin')).items.length === 0, 5000, 'content deleted');
  const ns = await client.get(nsRef, undefined, 'custom-fin');
  assert.equal((ns.status as { phase?: string }).phase, 'Terminating');
  assert.deepEqual(finalizersOf(ns), ['example.com/keep'], 'only the controller that owns a finalizer removes it');
  await client.update(nsRef, undefined, { ...ns, spec: { finalizers: [] } }, {}, 'finalize');
  await eventually(async () => !(await tryGet(nsRef, undefined, 'custom-fin')), 5000, 'namespace removed once finalized');
});

test('content landing after the deletion pass listed its kind is deleted before finalizing', async () => {
  await client.create(nsRef, undefined, { metadata: { name: 'late' } });
  await client.create(cm, 'late', { metadata: { name: 'early' }, data: {} });
  const cmDef = stack.registry.lookup('', 'v1', 'configmaps');
  assert.ok(cmDef);
  let lists = 0;
  afterConfigMapList = async (ns) => {
    // The pass lists configmaps, deletes, and re-lists (empty): then a create that passed
    // admission before the deletion lands (written to storage directly: admission is past).
    if (ns !== 'late' || ++lists !== 2) return;
    await stack.store.create(cmDef, 'late', { metadata: { name: 'straggler', namespace: 'late' }, data: {} });
  };
  try {
    await client.delete(nsRef, undefined, 'late');
    await eventually(async () => !(await tryGet(nsRef, undefined, 'late')), 5000, 'namespace removed');
    assert.ok(lists >= 2, 'the race was staged');
    assert.deepEqual((await client.list(cm, 'late')).items.map((o) => o.metadata.name), [], 'no orphaned content');
  } finally {
    afterConfigMapList = undefined;
  }
});
