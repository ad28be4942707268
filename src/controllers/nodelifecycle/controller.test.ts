// The node lifecycle controller over the real in-process API with the real NodeRegistration
// heartbeating: stopping the heartbeat marks the node Unknown and tainted; resuming recovers it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { NodeRegistration } from '../../node/registration';
import { buildContext, startInformers } from '../context';
import { eventually } from '../testing/fake-timer';
import { testStack } from '../testing/stack';
import { NodeLifecycleController } from './controller';

const nodeRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const quiet = { info() {}, warn() {} };

let client: ApiClient;
const ac = new AbortController();
let running: Promise<unknown>;

const ready = (n: KObject) => ((n.status as { conditions?: { type: string; status: string; reason: string; message: string }[] }).conditions ?? []).find((c) => c.type === 'Ready');
const taintKeys = (n: KObject) => ((n.spec as { taints?: { key: string; effect: string }[] }).taints ?? []).map((t) => `${t.key}:${t.effect}`);

before(async () => {
  const stack = await testStack();
  client = stack.client;
  await client.create(nsRef, undefined, { metadata: { name: 'kube-node-lease' } });
  const ctx = buildContext({ client, registry: stack.registry, clock: { now: () => new Date() } });
  const nlc = new NodeLifecycleController(ctx, { gracePeriodMs: 400, monitorPeriodMs: 50 });
  running = Promise.all([startInformers(ctx, ac.signal), nlc.start(ac.signal)]);
  await nlc.ready;
});

after(async () => {
  ac.abort();
  await running;
});

test('a node whose heartbeats stop becomes Unknown and unreachable-tainted, and recovers when they resume', async () => {
  const stop1 = new AbortController();
  const opts = { client, clock: { now: () => new Date() }, log: quiet, nodeName: 'hb', address: '10.1.1.1', kubeletPort: 1, podCIDR: '10.244.9.0/24', renewIntervalMs: 50, statusCheckMs: 50 };
  const reg = new NodeRegistration(opts);
  const r1 = reg.start(stop1.signal);
  await reg.ready;
  await new Promise((r) => setTimeout(r, 700));
  let n = await client.get(nodeRef, undefined, 'hb');
  assert.equal(ready(n)?.status, 'True', 'heartbeating node stays Ready past the grace period');
  assert.deepEqual(taintKeys(n), []);

  stop1.abort();
  await r1;
  await eventually(async () => ready(await client.get(nodeRef, undefined, 'hb'))?.status === 'Unknown', 3000, 'Ready Unknown');
  n = await client.get(nodeRef, undefined, 'hb');
  assert.equal(ready(n)?.reason, 'NodeStatusUnknown');
  assert.equal(ready(n)?.message, 'Kubelet stopped posting node status.');
  await eventually(async () => taintKeys(await client.get(nodeRef, undefined, 'hb')).includes('node.kubernetes.io/unreachable:NoSchedule'), 3000, 'unreachable taint');

  const stop2 = new AbortController();
  const again = new NodeRegistration(opts);
  const r2 = again.start(stop2.signal);
  await eventually(async () => {
    const x = await client.get(nodeRef, undefined, 'hb');
    return ready(x)?.status === 'True' && taintKeys(x).length === 0;
  }, 3000, 'recovered');
  stop2.abort();
  await r2;
});
