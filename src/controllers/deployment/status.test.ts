import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { calculateStatus, pausedConditionStatus, rolloutStatus, setCondition, stuckRequeueMs } from './status';
import type { DeploymentStatus } from './model';

const now = new Date('2026-01-01T00:10:00Z');
const T = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString().replace(/\.\d{3}Z$/, 'Z');
const dep = (status: DeploymentStatus = {}, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 'web', generation: 2 },
  spec: { replicas: 4, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, ...extra },
  status,
});
const rs = (name: string, replicas: number, ready: number, available: number): KObject => ({ metadata: { name }, spec: { replicas }, status: { replicas, readyReplicas: ready, availableReplicas: available } });

test('status counts and the Available condition (minimum = replicas - maxUnavailable)', () => {
  const s = calculateStatus([rs('old', 2, 2, 2), rs('new', 2, 1, 1)], rs('new', 2, 1, 1), dep(), now);
  assert.deepEqual({ ...s, conditions: undefined }, { observedGeneration: 2, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, conditions: undefined });
  assert.deepEqual(s.conditions, [{ type: 'Available', status: 'True', lastUpdateTime: T(10), lastTransitionTime: T(10), reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }]);
  const low = calculateStatus([rs('new', 4, 2, 2)], rs('new', 4, 2, 2), dep(), now);
  assert.equal(low.conditions?.[0]?.reason, 'MinimumReplicasUnavailable');
  assert.equal(low.conditions?.[0]?.message, 'Deployment does not have minimum availability.');
});

test('setCondition keeps the transition time while the status holds', () => {
  const s: DeploymentStatus = { conditions: [{ type: 'Progressing', status: 'True', reason: 'A', lastTransitionTime: T(1), lastUpdateTime: T(1) }] };
  setCondition(s, { type: 'Progressing', status: 'True', reason: 'B', lastTransitionTime: T(5), lastUpdateTime: T(5) });
  assert.equal(s.conditions?.[0]?.lastTransitionTime, T(1));
  assert.equal(s.conditions?.[0]?.reason, 'B');
  setCondition(s, { type: 'Progressing', status: 'False', reason: 'C', lastTransitionTime: T(6), lastUpdateTime: T(6) });
  assert.equal(s.conditions?.[0]?.lastTransitionTime, T(6));
});

test('Progressing: complete, progressing, timed out', () => {
  const newRS = rs('web-abc', 4, 4, 4);
  const done = rolloutStatus([newRS], newRS, dep({ replicas: 4, updatedReplicas: 2 }), now);
  const p = done.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(p?.reason, 'NewReplicaSetAvailable');
  assert.equal(p?.message, 'ReplicaSet "web-abc" has successfully progressed.');
  const half = rs('web-abc', 2, 1, 1);
  const moving = rolloutStatus([rs('old', 3, 3, 3), half], half, dep({ replicas: 4, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', lastTransitionTime: T(1), lastUpdateTime: T(1) }] }), now);
  const m = moving.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(m?.reason, 'ReplicaSetUpdated');
  assert.equal(m?.message, 'ReplicaSet "web-abc" is progressing.');
  assert.equal(m?.lastTransitionTime, T(1));
  assert.equal(m?.lastUpdateTime, T(10));
  const stuckDep = dep({ replicas: 5, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 4, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastTransitionTime: T(0), lastUpdateTime: T(0) }] }, { progressDeadlineSeconds: 60 });
  const stuck = rolloutStatus([rs('old', 4, 4, 4), rs('web-abc', 1, 0, 0)], rs('web-abc', 1, 0, 0), stuckDep, now);
  const x = stuck.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(x?.status, 'False');
  assert.equal(x?.reason, 'ProgressDeadlineExceeded');
  assert.equal(x?.message, 'ReplicaSet "web-abc" has timed out progressing.');
});

test('a stuck rollout is looked at again when its deadline passes', () => {
  const d = dep({}, { progressDeadlineSeconds: 60 });
  const s: DeploymentStatus = { replicas: 4, updatedReplicas: 1, availableReplicas: 3, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: T(9) }] };
  assert.equal(stuckRequeueMs(d, s, now), 0, 'deadline reached: now (rate-limited)');
  assert.equal(stuckRequeueMs(d, { ...s, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2026-01-01T00:09:30Z' }] }, now), 31_000);
  assert.equal(stuckRequeueMs(d, { ...s, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: T(10) }] }, now), 61_000);
  assert.equal(stuckRequeueMs(d, { ...s, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', lastUpdateTime: T(1) }] }, now), undefined);
});

test('pausing and resuming set Progressing Unknown with upstream reasons', () => {
  const paused = pausedConditionStatus(dep({}, { paused: true }), now);
  assert.deepEqual(paused?.conditions?.map((c) => [c.status, c.reason, c.message]), [['Unknown', 'DeploymentPaused', 'Deployment is paused']]);
  const resumed = pausedConditionStatus(dep(paused ?? {}), now);
  assert.deepEqual(resumed?.conditions?.map((c) => [c.status, c.reason, c.message]), [['Unknown', 'DeploymentResumed', 'Deployment is resumed']]);
  assert.equal(pausedConditionStatus(dep(), now), undefined);
});
