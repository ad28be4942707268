// The scheduler over the real in-process API: binds through pods/binding, reports unschedulable
// pods with PodScheduled=False and FailedScheduling, and places them once a node fits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../machinery/client';
import type { KObject } from '../machinery/types';
import { buildContext, startInformers } from '../controllers/context';
import { eventually } from '../controllers/testing/fake-timer';
import { testStack } from '../controllers/testing/stack';
import { Scheduler } from './scheduler';

const podRef: ResourceRef = { group: '', version: 'v1', plural: 'pods' };
const nodeRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };
const evRef: ResourceRef = { group: '', version: 'v1', plural: 'events' };
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };

let client: ApiClient;
const ac = new AbortController();
let running: Promise<unknown>;

const node = (name: string, cpu: string): KObject => ({
  metadata: { name },
  status: { capacity: { cpu, memory: '4Gi', pods: '110' }, allocatable: { cpu, memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const pod = (name: string, cpu: string): KObject => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu } } }] } });
const nodeOf = async (name: string) => ((await client.get(podRef, 's', name)).spec as { nodeName?: string }).nodeName;

before(async () => {
  const stack = await testStack();
  client = stack.client;
  await client.create(nsRef, undefined, { metadata: { name: 's' } });
  await client.create(nodeRef, undefined, node('small', '1'));
  const ctx = buildContext({ client, registry: stack.registry, clock: { now: () => new Date() } });
  const sched = new Scheduler(ctx);
  running = Promise.all([startInformers(ctx, ac.signal), sched.start(ac.signal)]);
  await sched.ready;
});

after(async () => {
  ac.abort();
  await running;
});

test('a pod that fits is bound through pods/binding with a Scheduled event', async () => {
  await client.create(podRef, 's', pod('fits', '600m'));
  await eventually(async () => (await nodeOf('fits')) === 'small', 5000, 'bound');
  const p = await client.get(podRef, 's', 'fits');
  const cond = (p.status as { conditions: { type: string; status: string }[] }).conditions.find((c) => c.type === 'PodScheduled');
  assert.equal(cond?.status, 'True');
  await eventually(async () => (await client.list(evRef, 's')).items.some((e) => e.reason === 'Scheduled' && e.message === 'Successfully assigned s/fits to small' && (e.source as { component: string }).component === 'default-scheduler'), 5000, 'Scheduled event');
});

test('a pod that does not fit gets PodScheduled=False and FailedScheduling, and is placed when a node appears', async () => {
  await client.create(podRef, 's', pod('big', '600m'));
  const want = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
  await eventually(async () => {
    const p = await client.get(podRef, 's', 'big');
    const c = ((p.status as { conditions?: { type: string; status: string; reason: string; message: string }[] }).conditions ?? []).find((x) => x.type === 'PodScheduled');
    return c?.status === 'False' && c.reason === 'Unschedulable' && c.message === want;
  }, 5000, 'PodScheduled=False');
  const ev = (await client.list(evRef, 's')).items.find((e) => e.reason === 'FailedScheduling');
  assert.equal(ev?.type, 'Warning');
  assert.equal(ev?.message, want);
  assert.equal(await nodeOf('big'), undefined);
  await client.create(nodeRef, undefined, node('large', '4'));
  await eventually(async () => (await nodeOf('big')) === 'large', 5000, 'bound after a node joined');
});

test('back-to-back pods count each other before the informer catches up', async () => {
  await client.create(nodeRef, undefined, node('tiny', '1'));
  await client.patch(nodeRef, undefined, 'large', 'merge', { spec: { unschedulable: true } });
  await client.patch(nodeRef, undefined, 'small', 'merge', { spec: { unschedulable: true } });
  await Promise.all(['a', 'b'].map((n) => client.create(podRef, 's', pod(`pair-${n}`, '700m'))));
  await eventually(async () => (await client.list(evRef, 's')).items.some((e) => e.reason === 'FailedScheduling' && String(e.message).startsWith('0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable.')), 5000, 'second pod refused');
  const nodes = await Promise.all(['a', 'b'].map((n) => nodeOf(`pair-${n}`)));
  assert.deepEqual(nodes.filter(Boolean), ['tiny'], 'only one of the two fits on tiny');
});
