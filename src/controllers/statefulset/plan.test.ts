import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { REVISION_LABEL } from './compute';
import { computeStatus, plan } from './plan';

const now = new Date('2026-01-01T00:00:00Z');
const set = (replicas: number, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 'db', namespace: 'n', uid: 'set-uid', generation: 3 },
  spec: { replicas, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: {} }, ...extra },
});
type State = 'ready' | 'pending' | 'terminating' | 'failed';
const pod = (ordinal: number, state: State, rev = 'new'): KObject => ({
  metadata: { name: `db-${ordinal}`, uid: `u${ordinal}`, labels: { [REVISION_LABEL]: rev }, ...(state === 'terminating' ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: state === 'failed' ? { phase: 'Failed' } : state === 'pending' ? { phase: 'Pending' } : { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});
const show = (s: KObject, pods: KObject[]) => plan({ set: s, pods, updateRevision: 'new', now }).map((a) => `${a.op}:${a.ordinal}${a.op === 'delete' ? `(${a.why})` : ''}`);

const parallel = { podManagementPolicy: 'Parallel' };
const cases: [string, KObject, KObject[], string[]][] = [
  ['OrderedReady: empty set creates ordinal 0 only', set(3), [], ['create:0']],
  ['OrderedReady: next ordinal once the previous is ready', set(3), [pod(0, 'ready')], ['create:1']],
  ['OrderedReady: waits while a lower ordinal is not ready', set(3), [pod(0, 'pending')], []],
  ['OrderedReady: a missing low ordinal is re-created first', set(3), [pod(1, 'ready'), pod(2, 'ready')], ['create:0']],
  ['OrderedReady: a failed pod is deleted for re-creation', set(2), [pod(0, 'failed'), pod(1, 'ready')], ['delete:0(failed)']],
  ['OrderedReady: scale down deletes the highest ordinal first', set(1), [pod(0, 'ready'), pod(1, 'ready'), pod(2, 'ready')], ['delete:2(condemned)']],
  ['OrderedReady: scale down waits for the terminating pod', set(1), [pod(0, 'ready'), pod(1, 'ready'), pod(2, 'terminating')], []],
  ['OrderedReady: scale down waits for an unready replica', set(1), [pod(0, 'pending'), pod(1, 'ready')], []],
  ['Parallel: creates every missing ordinal', set(3, parallel), [pod(1, 'pending')], ['create:0', 'create:2']],
  ['Parallel: deletes every condemned pod at once', set(1, parallel), [pod(0, 'pending'), pod(1, 'ready'), pod(2, 'ready')], ['delete:2(condemned)', 'delete:1(condemned)']],
  ['RollingUpdate: replaces the highest outdated pod', set(3), [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2, 'ready', 'old')], ['delete:2(update)']],
  ['RollingUpdate: next lower once the replacement is ready', set(3), [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2, 'ready')], ['delete:1(update)']],
  ['RollingUpdate: waits for the replacement to become ready', set(3, parallel), [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2, 'pending')], []],
  ['RollingUpdate: the partition keeps lower ordinals', set(3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }), [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2, 'ready')], []],
  ['OnDelete: outdated pods stay', set(2, { updateStrategy: { type: 'OnDelete' } }), [pod(0, 'ready', 'old'), pod(1, 'ready', 'old')], []],
  ['deleting set: nothing', { ...set(3), metadata: { ...set(3).metadata, deletionTimestamp: 'x' } }, [], []],
  ['pods not named like members are ignored', set(1), [{ ...pod(0, 'ready'), metadata: { name: 'db-x' } }], ['create:0']],
];
for (const [name, s, pods, want] of cases) test(`plan: ${name}`, () => assert.deepEqual(show(s, pods), want));

test('status: counts, revisions and the finished rolling update', () => {
  const s = { ...set(2), status: { currentRevision: 'old' } };
  const mid = computeStatus(s, [pod(0, 'ready', 'old'), pod(1, 'pending')], 'new', now);
  assert.deepEqual(mid, { observedGeneration: 3, replicas: 2, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, availableReplicas: 1, currentRevision: 'old', updateRevision: 'new', collisionCount: 0 });
  const done = computeStatus(s, [pod(0, 'ready'), pod(1, 'ready')], 'new', now);
  assert.equal(done.currentRevision, 'new');
  assert.equal(done.currentReplicas, 2);
  const first = computeStatus(set(1), [], 'new', now);
  assert.equal(first.currentRevision, 'new');
});
