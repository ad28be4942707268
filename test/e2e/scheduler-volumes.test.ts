// The scheduler's volume filters through the real kubectl: a pod whose claim is missing or unbound, and a
// second pod on a ReadWriteOncePod claim, stay Pending with upstream's FailedScheduling reasons; a pod
// sharing a ReadWriteOnce claim goes only to the node where the claim is in use.
// The Node is an API object made here (no node agent): scheduling only needs it Ready with room.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { create, eventually, getJson, type Kubectl, kubectlFor, namespaceObj } from './util';

const ns = 'schedvol';
const nodeName = 'schedvol-node';

let b: Berth;
let k: Kubectl;
before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns), { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } });
  const status = { capacity: { cpu: '4', memory: '4Gi', pods: '110' }, allocatable: { cpu: '4', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node' }] };
  await k(['patch', 'node', nodeName, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
});
after(() => b?.destroy());

// Tolerate the lifecycle controller marking the heartbeat-less node unreachable mid-test.
const tolerations = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({ key, operator: 'Exists' }));
const pod = (name: string, claim: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
  spec: { tolerations, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }] },
});

/** `kubectl describe pod` once it shows a FailedScheduling event. */
async function failedScheduling(name: string): Promise<string> {
  return eventually(async () => {
    const out = (await k(['describe', 'pod', '-n', ns, name])).stdout;
    return /FailedScheduling/.test(out) ? out : undefined;
  }, `FailedScheduling for ${name}`);
}

test('a pod whose claim does not exist stays Pending with the not-found reason', async () => {
  await create(k, pod('orphan', 'missing'));
  const out = await failedScheduling('orphan');
  assert.match(out, /^Status:\s+Pending$/m);
  assert.match(out, /^Node:\s+<none>$/m);
  assert.match(out, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/1 nodes are available: persistentvolumeclaim "missing" not found\. preemption: 0\/1 nodes are available: 1 Preemption is not helpful for scheduling\./);
});

test('a second pod on a ReadWriteOncePod claim stays Pending with the upstream reason', async () => {
  const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'schedvol-solo' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOncePod'], storageClassName: '', hostPath: { path: '/tmp/schedvol-solo' } } };
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'solo', namespace: ns }, spec: { accessModes: ['ReadWriteOncePod'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' } };
  await create(k, pv, claim);
  await eventually(async () => (await getJson<{ status?: { phase?: string } }>(k, ['pvc', '-n', ns, 'solo']))?.status?.phase === 'Bound' || undefined, 'solo Bound');
  await create(k, pod('first', 'solo'));
  await eventually(async () => (await getJson<{ spec: { nodeName?: string } }>(k, ['pod', '-n', ns, 'first']))?.spec.nodeName === nodeName || undefined, 'first scheduled');
  await create(k, pod('second', 'solo'));
  const out = await failedScheduling('second');
  assert.match(out, /^Status:\s+Pending$/m);
  assert.match(out, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/1 nodes are available: 1 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode\. preemption: 0\/1 nodes are available: 1 No preemption victims found for incoming pod\./);
  assert.equal((await getJson<{ spec: { nodeName?: string } }>(k, ['pod', '-n', ns, 'second']))?.spec.nodeName, undefined);
});

test('a pod of an unbound Immediate claim stays Pending until the claim binds', async () => {
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'later', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' } };
  await create(k, claim, pod('patient', 'later'));
  const out = await failedScheduling('patient');
  assert.match(out, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/1 nodes are available: pod has unbound immediate PersistentVolumeClaims\. preemption: 0\/1 nodes are available: 1 Preemption is not helpful for scheduling\./);
  // A matching volume appears: the controller binds the claim, and the claim's change requeues the pod.
  await create(k, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'schedvol-later' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: '/tmp/schedvol-later' } } });
  await eventually(async () => (await getJson<{ spec: { nodeName?: string } }>(k, ['pod', '-n', ns, 'patient']))?.spec.nodeName === nodeName || undefined, 'patient scheduled once its claim bound');
});

test('a pod sharing a ReadWriteOnce claim goes to the node already using it; pinned elsewhere it stays Pending', async () => {
  // Two more empty nodes, added last so the counts above stay 0/1. The claim's volume is a
  // hostPath with no node affinity: only the claim being in use on rwo-b ties the pods to it.
  const status = { capacity: { cpu: '4', memory: '4Gi', pods: '110' }, allocatable: { cpu: '4', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node' }] };
  for (const n of ['schedvol-rwo-a', 'schedvol-rwo-b']) {
    await create(k, { apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } });
    await k(['patch', 'node', n, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  }
  const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'schedvol-shared' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: '/tmp/schedvol-shared' } } };
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'shared', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName: 'schedvol-shared' } };
  await create(k, pv, claim);
  await eventually(async () => (await getJson<{ status?: { phase?: string } }>(k, ['pvc', '-n', ns, 'shared']))?.status?.phase === 'Bound' || undefined, 'shared Bound');
  const user = pod('user', 'shared');
  await create(k, { ...user, spec: { ...user.spec, nodeName: 'schedvol-rwo-b' } });
  // Without the rule the emptier rwo-a would win the score.
  await create(k, pod('follower', 'shared'));
  await eventually(async () => (await getJson<{ spec: { nodeName?: string } }>(k, ['pod', '-n', ns, 'follower']))?.spec.nodeName, 'follower scheduled')
    .then((n) => assert.equal(n, 'schedvol-rwo-b'));
  const pinned = pod('pinned', 'shared');
  await create(k, { ...pinned, spec: { ...pinned.spec, nodeSelector: { 'kubernetes.io/hostname': 'schedvol-rwo-a' } } });
  const out = await failedScheduling('pinned');
  assert.match(out, /^Status:\s+Pending$/m);
  assert.match(out, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 1 persistentvolumeclaim "shared" is ReadWriteOnce and in use on node "schedvol-rwo-b", 2 node\(s\) didn't match Pod's node affinity\/selector\./);
});
