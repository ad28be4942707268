import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { calculateStatus, claimPods, deleteBefore, podFromTemplate, podsToDelete, slowStartBatches, statusUnchanged } from './compute';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface P {
  name: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: number;
  created?: number;
  restarts?: number;
  cost?: number;
  labels?: Record<string, string>;
  owner?: string;
}
function pod(p: P): KObject {
  return {
    metadata: {
      name: p.name,
      namespace: 'ns',
      uid: `uid-${p.name}`,
      creationTimestamp: ago(p.created ?? 100),
      labels: p.labels ?? { app: 'a' },
      ...(p.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(p.cost) } } : {}),
      ...(p.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: p.owner, controller: true }] } : {}),
    },
    spec: p.node ? { nodeName: p.node } : {},
    status: {
      phase: p.phase ?? 'Running',
      conditions: p.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: ago(p.readySince ?? 50) }] : [],
      containerStatuses: [{ restartCount: p.restarts ?? 0 }],
    },
  };
}

const rs: KObject = {
  metadata: { name: 'web-abc', namespace: 'ns', uid: 'rs-uid', generation: 3 },
  spec: { replicas: 3, minReadySeconds: 10, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a', tier: 'x' }, annotations: { n: '1' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  status: { replicas: 0 },
};

test('slow start batches double from 1', () => {
  const cases: [number, number[]][] = [[0, []], [1, [1]], [3, [1, 2]], [10, [1, 2, 4, 3]], [7, [1, 2, 4]]];
  for (const [n, want] of cases) assert.deepEqual(slowStartBatches(n), want, `n=${n}`);
});

test('deletion preference follows upstream ranking', () => {
  // [a, b, expected "a goes first"]
  const cases: [string, P, P, boolean][] = [
    ['unscheduled before scheduled', { name: 'a' }, { name: 'b', node: 'n' }, true],
    ['pending before running', { name: 'a', node: 'n', phase: 'Pending' }, { name: 'b', node: 'n' }, true],
    ['unknown before running', { name: 'a', node: 'n', phase: 'Unknown' }, { name: 'b', node: 'n' }, true],
    ['running after pending', { name: 'a', node: 'n' }, { name: 'b', node: 'n', phase: 'Pending' }, false],
    ['not ready before ready', { name: 'a', node: 'n' }, { name: 'b', node: 'n', ready: true }, true],
    ['lower deletion cost first', { name: 'a', node: 'n', ready: true, cost: -5 }, { name: 'b', node: 'n', ready: true }, true],
    ['ready for less time first', { name: 'a', node: 'n', ready: true, readySince: 5 }, { name: 'b', node: 'n', ready: true, readySince: 5000 }, true],
    ['more restarts first', { name: 'a', node: 'n', restarts: 3 }, { name: 'b', node: 'n' }, true],
    ['newer first', { name: 'a', node: 'n', created: 10 }, { name: 'b', node: 'n', created: 10_000 }, true],
    ['older last', { name: 'a', node: 'n', created: 10_000 }, { name: 'b', node: 'n', created: 10 }, false],
  ];
  for (const [what, a, b, want] of cases) assert.equal(deleteBefore(pod(a), 0, pod(b), 0, now), want, what);
  assert.equal(deleteBefore(pod({ name: 'a', node: 'n' }), 2, pod({ name: 'b', node: 'm' }), 1, now), true, 'doubled-up first');
});

test('podsToDelete ranks pods sharing a node with related pods first', () => {
  const pods = [pod({ name: 'lonely', node: 'n1', ready: true }), pod({ name: 'crowded', node: 'n2', ready: true, readySince: 5000 }), pod({ name: 'pending', node: 'n3', phase: 'Pending' })];
  const related = [...pods, pod({ name: 'sibling', node: 'n2', ready: true })];
  assert.deepEqual(podsToDelete(pods, related, 2, now).map((p) => p.metadata.name), ['pending', 'crowded']);
  assert.equal(podsToDelete(pods, related, 5, now).length, 3);
});

test('claimPods adopts matching orphans and releases owned pods that stopped matching', () => {
  const pods = [
    pod({ name: 'mine', owner: 'rs-uid' }),
    pod({ name: 'orphan' }),
    pod({ name: 'other', owner: 'other-uid' }),
    pod({ name: 'relabeled', owner: 'rs-uid', labels: { app: 'b' } }),
    pod({ name: 'foreign-orphan', labels: { app: 'b' } }),
    pod({ name: 'done-orphan', phase: 'Succeeded' }),
  ];
  const c = claimPods(rs, pods);
  assert.deepEqual(c.owned.map((p) => p.metadata.name), ['mine']);
  assert.deepEqual(c.adopt.map((p) => p.metadata.name), ['orphan']);
  assert.deepEqual(c.release.map((p) => p.metadata.name), ['relabeled']);
  const dying = { ...rs, metadata: { ...rs.metadata, deletionTimestamp: ago(1) } };
  assert.deepEqual(claimPods(dying, pods).adopt, [], 'a ReplicaSet being deleted adopts nothing');
});

test('podFromTemplate copies template metadata, names by generateName and sets the controller reference', () => {
  const p = podFromTemplate(rs);
  assert.equal(p.metadata.generateName, 'web-abc-');
  assert.deepEqual(p.metadata.labels, { app: 'a', tier: 'x' });
  assert.deepEqual(p.metadata.annotations, { n: '1' });
  assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(p.spec, { containers: [{ name: 'c', image: 'busybox' }] });
});

test('status counts fully labeled, ready and available (minReadySeconds) pods', () => {
  const pods = [
    pod({ name: 'a', labels: { app: 'a', tier: 'x' }, ready: true, readySince: 60 }),
    pod({ name: 'b', ready: true, readySince: 2 }),
    pod({ name: 'c' }),
  ];
  const s = calculateStatus(rs, pods, undefined, now);
  assert.deepEqual(s, { replicas: 3, fullyLabeledReplicas: 1, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 });
  assert.equal(statusUnchanged(rs, s), false);
  assert.equal(statusUnchanged({ ...rs, status: s }, s), true);
});

test('a manage error sets ReplicaFailure; success clears it', () => {
  const failed = calculateStatus(rs, [], { diffWasCreate: true, message: 'quota' }, now);
  assert.deepEqual(failed.conditions, [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z', reason: 'FailedCreate', message: 'quota' }]);
  const ok = calculateStatus({ ...rs, status: failed }, [], undefined, now);
  assert.equal(ok.conditions, undefined);
});
