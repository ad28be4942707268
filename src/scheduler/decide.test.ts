import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../machinery/types';
import { decide, fitErrorMessage, leastAllocatedScore } from './decide';
import { filterNode, tolerates } from './filters';
import { podRequests } from './resources';

function node(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: unknown[]; unschedulable?: boolean; ready?: string } = {}): KObject {
  const alloc = { cpu: o.cpu ?? '2', memory: o.memory ?? '4Gi', pods: o.pods ?? '110', 'ephemeral-storage': '10Gi' };
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: alloc, capacity: alloc, conditions: [{ type: 'Ready', status: o.ready ?? 'True' }] },
  };
}
function pod(name: string, o: { cpu?: string; memory?: string; nodeName?: string; nodeSelector?: Record<string, string>; tolerations?: unknown[]; hostPort?: number; affinity?: unknown; init?: unknown[] } = {}): KObject {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    metadata: { name, namespace: 'ns' },
    spec: {
      containers: [{ name: 'c', resources: { requests }, ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort }] } : {}) }],
      ...(o.init ? { initContainers: o.init } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
    },
  };
}

test('pod requests: containers add up; init containers take the max; sidecars keep running', () => {
  const p = pod('p', { cpu: '100m', memory: '64Mi', init: [{ name: 'i', resources: { requests: { cpu: '500m' } } }, { name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }] });
  assert.deepEqual(podRequests(p), { milliCPU: 500, memory: 64 * 1024 * 1024, ephemeralStorage: 0, pods: 1 });
  const q = pod('q', { cpu: '100m', init: [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }, { name: 'i', resources: { requests: { cpu: '100m' } } }] });
  assert.equal(podRequests(q).milliCPU, 150, 'sum 150 vs init 100+50');
});

test('tolerations match taints as upstream ToleratesTaint', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  const cases: [unknown, boolean][] = [
    [{ key: 'k', value: 'v', effect: 'NoSchedule' }, true],
    [{ key: 'k', operator: 'Equal', value: 'x' }, false],
    [{ key: 'k', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true],
    [{ key: 'k', value: 'v', effect: 'NoExecute' }, false],
    [{ value: 'v' }, false],
  ];
  for (const [t, want] of cases) assert.equal(tolerates(t as never, taint), want, JSON.stringify(t));
});

test('filters report upstream reasons in plugin order', () => {
  const cases: [string, KObject, KObject, KObject[], string[] | undefined][] = [
    ['fits', pod('p', { cpu: '1' }), node('n1'), [], undefined],
    ['cordoned', pod('p'), node('n1', { unschedulable: true }), [], ['node(s) were unschedulable']],
    ['cordon tolerated', pod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), node('n1', { unschedulable: true }), [], undefined],
    ['node name', pod('p', { nodeName: 'other' }), node('n1'), [], ["node(s) didn't match the requested node name"]],
    ['taint', pod('p'), node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), [], ['node(s) had untolerated taint {dedicated: gpu}']],
    ['PreferNoSchedule is not a filter', pod('p'), node('n1', { taints: [{ key: 'd', effect: 'PreferNoSchedule' }] }), [], undefined],
    ['not ready', pod('p'), node('n1', { ready: 'False' }), [], ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']],
    ['unreachable', pod('p'), node('n1', { ready: 'Unknown' }), [], ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']],
    ['selector', pod('p', { nodeSelector: { disk: 'ssd' } }), node('n1'), [], ["node(s) didn't match Pod's node affinity/selector"]],
    ['selector ok', pod('p', { nodeSelector: { disk: 'ssd' } }), node('n1', { labels: { disk: 'ssd' } }), [], undefined],
    ['affinity', pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }), node('n1', { labels: { zone: 'b' } }), [], ["node(s) didn't match Pod's node affinity/selector"]],
    ['affinity by field', pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } } }), node('n1'), [], undefined],
    ['host port', pod('p', { hostPort: 8080 }), node('n1'), [pod('o', { hostPort: 8080 })], ["node(s) didn't have free ports for the requested pod ports"]],
    ['cpu and memory', pod('p', { cpu: '1500m', memory: '3Gi' }), node('n1'), [pod('o', { cpu: '1', memory: '2Gi' })], ['Insufficient cpu', 'Insufficient memory']],
    ['pod count', pod('p'), node('n1', { pods: '1' }), [pod('o')], ['Too many pods']],
  ];
  for (const [what, p, n, on, want] of cases) assert.deepEqual(filterNode(p, n, on)?.reasons, want, what);
});

test('the failure message has upstream FitError and preemption wording', () => {
  assert.equal(
    fitErrorMessage(1, [{ reasons: ['Insufficient cpu'], unresolvable: false }]),
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  );
  assert.equal(
    fitErrorMessage(3, [
      { reasons: ['Insufficient cpu'], unresolvable: false },
      { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
      { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
    ]),
    "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
  );
  assert.deepEqual(decide(pod('p'), [], () => []), { message: 'no nodes available to schedule pods' });
});

test('least allocated: the emptier node wins', () => {
  const busy = [pod('b', { cpu: '1', memory: '2Gi' })];
  const p = pod('p', { cpu: '100m', memory: '100Mi' });
  assert.ok(leastAllocatedScore(p, node('a'), []) > leastAllocatedScore(p, node('b'), busy));
  const d = decide(p, [node('b'), node('a')], (n) => (n === 'b' ? busy : []));
  assert.equal(d.node, 'a');
  const none = decide(pod('big', { cpu: '3' }), [node('a')], () => []);
  assert.equal(none.node, undefined);
  assert.match((none as { message: string }).message, /^0\/1 nodes are available: 1 Insufficient cpu\./);
});
