import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { activeOrLatest, fenceposts, maxUnavailable, newRSNewReplicas, planOldScaleDown, planScale, scaledValue } from './strategy';

const dep = (replicas: number, surge: number | string = '25%', unavailable: number | string = '25%', type = 'RollingUpdate', statusReplicas?: number): KObject => ({
  metadata: { name: 'd', generation: 1 },
  spec: { replicas, strategy: type === 'Recreate' ? { type } : { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } },
  status: statusReplicas === undefined ? {} : { replicas: statusReplicas },
});
let n = 0;
const rs = (name: string, replicas: number, available = replicas, ann: Record<string, string> = {}): KObject => ({
  metadata: { name, uid: name, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, n++)).toISOString(), annotations: ann },
  spec: { replicas },
  status: { replicas, availableReplicas: available },
});

test('int-or-percent scaling rounds surge up and unavailable down', () => {
  const cases: [number | string, number, boolean, number][] = [['25%', 10, true, 3], ['25%', 10, false, 2], [3, 10, true, 3], ['0%', 5, true, 0], ['100%', 3, false, 3], ['33%', 1, true, 1], ['33%', 1, false, 0]];
  for (const [v, total, up, want] of cases) assert.equal(scaledValue(v, total, up), want, `${v} of ${total} ${up ? 'up' : 'down'}`);
});

test('fenceposts: both zero becomes one unavailable; maxUnavailable capped at replicas', () => {
  assert.deepEqual(fenceposts(dep(1)), { surge: 1, unavailable: 0 });
  assert.deepEqual(fenceposts(dep(1, '0%', '0%')), { surge: 0, unavailable: 1 });
  assert.deepEqual(fenceposts(dep(4)), { surge: 1, unavailable: 1 });
  assert.equal(maxUnavailable(dep(2, 0, 5)), 2);
  assert.equal(maxUnavailable(dep(3, 1, 1, 'Recreate')), 0);
});

test('new ReplicaSet growth is bounded by replicas + maxSurge across all ReplicaSets', () => {
  const cases: [string, KObject, KObject[], KObject, number][] = [
    ['fresh rollout of 4 with surge 1', dep(4, 1, 0), [rs('old', 4)], rs('new', 0), 1],
    ['already at the limit', dep(4, 1, 0), [rs('old', 4)], rs('new', 1), 1],
    ['old scaled down, room for more', dep(4, 1, 0), [rs('old', 2)], rs('new', 2), 3],
    ['no more than desired', dep(4, 2, 0), [rs('old', 0)], rs('new', 3), 4],
    ['Recreate takes all at once', dep(4, 0, 0, 'Recreate'), [rs('old', 0)], rs('new', 0), 4],
  ];
  for (const [what, d, olds, nrs, want] of cases) assert.equal(newRSNewReplicas(d, [...olds, nrs], nrs), want, what);
});

test('old ReplicaSets shrink only while enough pods stay available', () => {
  const cases: [string, KObject, KObject, KObject[], Record<string, number>][] = [
    ['new not available yet: maxUnavailable 0 blocks', dep(4, 1, 0), rs('new', 1, 0), [rs('old', 4)], {}],
    ['one new available: one old may go', dep(4, 1, 0), rs('new', 1, 1), [rs('old', 4)], { old: 3 }],
    ['maxUnavailable 1 allows one before any new is ready', dep(4, 1, 1), rs('new', 1, 0), [rs('old', 4)], { old: 3 }],
    ['unhealthy old replicas go first, oldest first', dep(4, 1, 1), rs('new', 1, 0), [rs('a', 2, 0), rs('b', 3, 3)], { a: 0 }],
  ];
  for (const [what, d, nrs, olds, want] of cases) assert.deepEqual(Object.fromEntries(planOldScaleDown(d, nrs, olds)), want, what);
});

test('scaling: the single active ReplicaSet follows spec.replicas; several share the change in proportion', () => {
  assert.deepEqual(Object.fromEntries(planScale(dep(5), rs('new', 3), [rs('old', 0)]).sizes), { new: 5 });
  assert.deepEqual(Object.fromEntries(planScale(dep(5), undefined, [rs('a', 0), rs('b', 0)]).sizes), { b: 5 }, 'none active: the newest');
  const ann = (desired: number, max: number) => ({ 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(max) });
  // Mid-rollout of 10 (surge 3) scaled to 20 (surge 5): 25 allowed, 13 present, 12 to add.
  const old = rs('old', 8, 8, ann(10, 13));
  const nrs = rs('new', 5, 0, ann(10, 13));
  const plan = planScale(dep(20, '25%', '25%', 'RollingUpdate', 13), nrs, [old]);
  assert.equal(plan.operation, 'up');
  assert.deepEqual(Object.fromEntries(plan.sizes), { old: 15, new: 10 });
  const down = planScale(dep(5, '25%', '25%', 'RollingUpdate', 13), nrs, [old]);
  assert.equal(down.operation, 'down');
  const total = [...down.sizes.values()].reduce((a, b) => a + b, 0);
  assert.equal(total, 7, '5 + maxSurge 2');
});

test('activeOrLatest picks the one active ReplicaSet, or the newest if none is', () => {
  const a = rs('a', 0);
  const b = rs('b', 0);
  assert.equal(activeOrLatest(undefined, [a, b])?.metadata.name, 'b');
  assert.equal(activeOrLatest(rs('new', 2), [a])?.metadata.name, 'new');
  assert.equal(activeOrLatest(rs('new', 2), [rs('c', 1)]), undefined);
});
