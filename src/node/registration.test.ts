// NodeRegistration over the real in-process API: the Node as the kubelet registers it, the Lease
// heartbeat, condition overrides, and Ready restored after someone else marked it Unknown.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../machinery/client';
import type { KObject } from '../machinery/types';
import { eventually } from '../controllers/testing/fake-timer';
import { testStack } from '../controllers/testing/stack';
import { capacityOf, desiredNodeStatus, conditionDefaults, statusDiffers } from './node-status';
import { NodeRegistration, probeFacts } from './registration';

const nodeRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };
const leaseRef: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const quiet = { info() {}, warn() {} };

let client: ApiClient;
let dir: string;
const ac = new AbortController();
let reg: NodeRegistration;
let running: Promise<void>;

interface Cond { type: string; status: string; reason: string; message: string; lastTransitionTime: string; lastHeartbeatTime: string }
const conds = (n: KObject) => Object.fromEntries(((n.status as { conditions: Cond[] }).conditions).map((c) => [c.type, c]));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-reg-'));
  client = (await testStack()).client;
  await client.create(nsRef, undefined, { metadata: { name: 'kube-node-lease' } });
  reg = new NodeRegistration({ client, clock: { now: () => new Date() }, log: quiet, nodeName: 'reg-node', address: '10.9.8.7', kubeletPort: 10250, podCIDR: '10.244.7.0/24', dataDir: dir, controlPlane: true, renewIntervalMs: 50, statusCheckMs: 50 });
  running = reg.start(ac.signal);
  await reg.ready;
});

after(async () => {
  ac.abort();
  await running;
  await rm(dir, { recursive: true, force: true });
});

test('the Node is registered as the kubelet does it', async () => {
  const n = await client.get(nodeRef, undefined, 'reg-node');
  assert.deepEqual(n.metadata.labels, {
    'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': 'reg-node', 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '',
    'topology.berth.dev/node': 'reg-node',
  });
  assert.deepEqual(n.spec, { podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24'] });
  const st = n.status as { capacity: Record<string, string>; allocatable: Record<string, string>; addresses: unknown; daemonEndpoints: unknown; nodeInfo: Record<string, string> };
  assert.match(st.capacity.cpu ?? '', /^\d+$/);
  assert.match(st.capacity.memory ?? '', /^\d+Ki$/);
  assert.match(st.capacity['ephemeral-storage'] ?? '', /^[1-9]\d*Ki$/, 'statfs of the data dir');
  assert.equal(st.capacity.pods, '110');
  assert.deepEqual(st.addresses, [{ type: 'InternalIP', address: '10.9.8.7' }, { type: 'Hostname', address: 'reg-node' }]);
  assert.deepEqual(st.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.equal(st.nodeInfo.kubeletVersion, 'v1.32.0+berth');
  assert.equal(st.nodeInfo.operatingSystem, 'linux');
  assert.match(st.nodeInfo.containerRuntimeVersion ?? '', /^runc:\/\/\d+\.\d+/);
  assert.ok(st.nodeInfo.osImage && st.nodeInfo.kernelVersion && st.nodeInfo.bootID);
  const c = conds(n);
  assert.deepEqual(Object.keys(c), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
  assert.equal(c.Ready?.status, 'True');
  assert.equal(c.Ready?.reason, 'KubeletReady');
  assert.equal(c.Ready?.message, 'kubelet is posting ready status');
  assert.equal(c.MemoryPressure?.reason, 'KubeletHasSufficientMemory');
});

test('the Lease is owned by the Node and renewed', async () => {
  const first = await client.get(leaseRef, 'kube-node-lease', 'reg-node');
  const spec = first.spec as { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
  assert.equal(spec.holderIdentity, 'reg-node');
  assert.equal(spec.leaseDurationSeconds, 40);
  assert.match(spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const node = await client.get(nodeRef, undefined, 'reg-node');
  assert.equal(first.metadata.ownerReferences?.[0]?.uid, node.metadata.uid);
  await eventually(async () => ((await client.get(leaseRef, 'kube-node-lease', 'reg-node')).spec as { renewTime: string }).renewTime > spec.renewTime, 3000, 'renewal');
});

test('a condition override is posted; Ready marked Unknown by someone else comes back True', async () => {
  reg.setCondition('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure');
  await eventually(async () => conds(await client.get(nodeRef, undefined, 'reg-node')).DiskPressure?.status === 'True', 3000, 'DiskPressure True');
  reg.setCondition('DiskPressure', undefined);
  await eventually(async () => conds(await client.get(nodeRef, undefined, 'reg-node')).DiskPressure?.status === 'False', 3000, 'DiskPressure back to False');
  const n = await client.get(nodeRef, undefined, 'reg-node');
  const list = (n.status as { conditions: Cond[] }).conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
  await client.patch(nodeRef, undefined, 'reg-node', 'merge', { status: { conditions: list } }, {}, 'status');
  await eventually(async () => conds(await client.get(nodeRef, undefined, 'reg-node')).Ready?.reason === 'KubeletReady', 3000, 'Ready restored');
});

test('status helpers: allocatable subtracts eviction reserves; transitions keep their time; heartbeats alone are no change', async () => {
  const facts = await probeFacts({ dataDir: '/' });
  const { capacity, allocatable } = capacityOf({ ...facts, memoryBytes: 1024 * 1024 * 1024, diskBytes: 10 * 1024 ** 3 });
  assert.equal(capacity.memory, '1048576Ki');
  assert.equal(allocatable.memory, '946176Ki');
  assert.equal(allocatable['ephemeral-storage'], String(Math.floor(10 * 1024 ** 3 * 0.9)));
  const id = { nodeName: 'n', address: '1.2.3.4', kubeletPort: 1 };
  const a = desiredNodeStatus(id, facts, conditionDefaults(), undefined, new Date('2026-01-01T00:00:00Z'));
  const node: KObject = { metadata: { name: 'n' }, status: a };
  const b = desiredNodeStatus(id, facts, conditionDefaults(), node, new Date('2026-01-01T00:01:00Z'));
  const ready = (b.conditions as Cond[]).find((c) => c.type === 'Ready');
  assert.equal(ready?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(ready?.lastHeartbeatTime, '2026-01-01T00:01:00Z');
  assert.equal(statusDiffers(node, b), false);
  const c = desiredNodeStatus(id, facts, conditionDefaults().map((x) => (x.type === 'Ready' ? { ...x, status: 'False' } : x)), node, new Date('2026-01-01T00:02:00Z'));
  assert.equal(statusDiffers(node, c), true);
});
