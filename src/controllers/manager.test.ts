import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../machinery/client';
import type { KObject } from '../machinery/types';
import { silentLog } from './context';
import { type RunningControllers, startControllers } from './manager';
import type { NamespaceController } from './namespace/controller';
import { eventually } from './testing/fake-timer';
import { withNamespaceLifecycle } from './testing/namespace-shim';
import { testStack } from './testing/stack';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const cm: ResourceRef = { group: '', version: 'v1', plural: 'configmaps' };
const sa: ResourceRef = { group: '', version: 'v1', plural: 'serviceaccounts' };
const rs: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets' };

let client: ApiClient;
let running: RunningControllers;
const ac = new AbortController();

async function tryGet(r: ResourceRef, ns: string | undefined, name: string): Promise<KObject | undefined> {
  try {
    return await client.get(r, ns, name);
  } catch {
    return undefined;
  }
}

before(async () => {
  const stack = await testStack();
  client = withNamespaceLifecycle(stack.client);
  running = startControllers({ client, registry: stack.registry, clock: { now: () => new Date() }, log: silentLog, signal: ac.signal });
  await running.ready;
});

after(async () => {
  ac.abort();
  await running.stopped;
});

test('every active namespace gets a default ServiceAccount, recreated when deleted', async () => {
  await client.create(nsRef, undefined, { metadata: { name: 'team-a' } });
  await eventually(async () => !!(await tryGet(sa, 'team-a', 'default')), 5000, 'default SA');
  const first = await client.get(sa, 'team-a', 'default');
  await client.delete(sa, 'team-a', 'default');
  await eventually(async () => {
    const again = await tryGet(sa, 'team-a', 'default');
    return !!again && again.metadata.uid !== first.metadata.uid;
  }, 5000, 'default SA recreated');
});

test('deleting a namespace removes its content, sets conditions, finalizes, and the namespace goes', async () => {
  await client.create(nsRef, undefined, { metadata: { name: 'doomed' } });
  await client.create(cm, 'doomed', { metadata: { name: 'one' }, data: {} });
  await client.create(cm, 'doomed', { metadata: { name: 'two' }, data: {} });
  await client.create(rs, 'doomed', { metadata: { name: 'r' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
  await eventually(async () => !!(await tryGet(sa, 'doomed', 'default')), 5000, 'default SA');
  const marked = await client.delete(nsRef, undefined, 'doomed');
  assert.ok(marked.metadata.deletionTimestamp);
  await eventually(async () => !(await tryGet(nsRef, undefined, 'doomed')), 5000, 'namespace removed');
  assert.equal((await client.list(cm, 'doomed')).items.length, 0);
  assert.equal((await client.list(sa, 'doomed')).items.length, 0, 'default SA not recreated in a terminating namespace');
});

test('content held by a finalizer keeps the namespace Terminating with upstream conditions', async () => {
  await client.create(nsRef, undefined, { metadata: { name: 'held' } });
  await client.create(cm, 'held', { metadata: { name: 'sticky', finalizers: ['example.com/hold'] }, data: {} });
  await client.delete(nsRef, undefined, 'held');
  await eventually(async () => {
    const ns = await tryGet(nsRef, undefined, 'held');
    const conds = ((ns?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
    return conds.some((c) => c.type === 'NamespaceFinalizersRemaining' && c.status === 'True');
  }, 5000, 'finalizers-remaining condition');
  const ns = await client.get(nsRef, undefined, 'held');
  const status = ns.status as { phase: string; conditions: { type: string; reason: string; message: string }[] };
  assert.equal(status.phase, 'Terminating');
  const byType = Object.fromEntries(status.conditions.map((c) => [c.type, c]));
  assert.equal(byType.NamespaceContentRemaining?.message, 'Some resources are remaining: configmaps. has 1 resource instances');
  assert.equal(byType.NamespaceFinalizersRemaining?.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
  assert.deepEqual((ns.spec as { finalizers: string[] }).finalizers, ['kubernetes']);
  // Release the content; the controller comes back after upstream's estimate (15s/2+1): nudge it instead of waiting.
  const sticky = await client.get(cm, 'held', 'sticky');
  await client.patch(cm, 'held', 'sticky', 'merge', { metadata: { finalizers: null, resourceVersion: sticky.metadata.resourceVersion } });
  const nsc = running.controllers.find((c) => c.name === 'namespace-controller') as NamespaceController;
  nsc.enqueue('held');
  await eventually(async () => !(await tryGet(nsRef, undefined, 'held')), 5000, 'namespace removed after release');
});
