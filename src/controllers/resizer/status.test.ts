import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { type Condition, failedStatus, finishedStatus, inProgressStatus, mergeResizeConditions, nodeExpansionAnnotation, nodePendingStatus } from './status';

const NOW = '2026-11-28T09:00:00Z';
const c = (type: string, message?: string): Condition => ({ type, status: 'True', ...(message ? { message } : {}) });

test('mergeResizeConditions (MergeResizeConditionsOfPVC)', () => {
  const rows: [string, Condition[], Condition[], boolean, string[]][] = [
    ['non-resize conditions always stay', [c('ModifyingVolume'), c('Resizing')], [], false, ['ModifyingVolume']],
    ['a new one replaces its type in place', [c('Resizing', 'old'), c('Other')], [c('Resizing', 'new')], false, ['Resizing:new', 'Other']],
    ['old resize conditions dropped unless kept', [c('Resizing'), c('ControllerResizeError')], [c('FileSystemResizePending')], false, ['FileSystemResizePending']],
    ['old resize conditions kept when asked', [c('Resizing')], [c('FileSystemResizePending')], true, ['Resizing', 'FileSystemResizePending']],
  ];
  for (const [what, old, next, keep, want] of rows) {
    assert.deepEqual(mergeResizeConditions(old, next, keep).map((x) => (x.message ? `${x.type}:${x.message}` : x.type)), want, what);
  }
});

const claim = (status: Record<string, unknown>, annotations?: Record<string, string>): KObject => ({ metadata: { name: 'c', ...(annotations ? { annotations } : {}) }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, ...status } });

test('the status at each step of a resize', () => {
  const start = inProgressStatus(claim({}), '2Gi', true, NOW);
  assert.deepEqual(start, {
    phase: 'Bound', capacity: { storage: '1Gi' },
    conditions: [{ type: 'Resizing', status: 'True', lastProbeTime: null, lastTransitionTime: NOW }],
    allocatedResourceStatuses: { storage: 'ControllerResizeInProgress' },
    allocatedResources: { storage: '2Gi' },
  });
  const pending = nodePendingStatus(claim(start), NOW);
  assert.deepEqual(pending.allocatedResourceStatuses, { storage: 'NodeResizePending' });
  assert.deepEqual((pending.conditions as Condition[]).map((x) => [x.type, x.message]), [
    ['FileSystemResizePending', 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.'],
  ]);
  const done = finishedStatus(claim(start), '2Gi');
  assert.deepEqual(done, { phase: 'Bound', capacity: { storage: '2Gi' }, allocatedResources: { storage: '2Gi' } }, 'conditions and the storage resize status are gone');
  const kept = inProgressStatus(claim({ conditions: [c('ControllerResizeError')], allocatedResourceStatuses: { storage: 'ControllerResizeInfeasible' } }), '2Gi', false, NOW);
  assert.deepEqual([(kept.conditions as Condition[]).map((x) => x.type), kept.allocatedResourceStatuses], [['ControllerResizeError', 'Resizing'], { storage: 'ControllerResizeInfeasible' }], 'a status-keeping pass keeps old conditions');
});

test('failures: an error condition, and Infeasible for infeasible errors', () => {
  const base = claim({ conditions: [c('Resizing')], allocatedResourceStatuses: { storage: 'ControllerResizeInProgress' } });
  const infeasible = failedStatus(base, 'rpc error: code = OutOfRange desc = too big', true, NOW);
  assert.deepEqual(infeasible.allocatedResourceStatuses, { storage: 'ControllerResizeInfeasible' });
  assert.deepEqual((infeasible.conditions as Condition[]).map((x) => [x.type, x.message]), [
    ['Resizing', undefined],
    ['ControllerResizeError', 'failed to expand pvc with rpc error: code = OutOfRange desc = too big'],
  ]);
  assert.deepEqual(failedStatus(base, 'x', false, NOW).allocatedResourceStatuses, { storage: 'ControllerResizeInProgress' });
});

test('nodeExpansionAnnotation: set when finished on the controller, cleared when a node expansion is due', () => {
  const key = 'volume.kubernetes.io/node-expansion-not-required';
  assert.deepEqual(nodeExpansionAnnotation(claim({}, { a: 'b' }), false), { a: 'b', [key]: 'true' });
  assert.equal(nodeExpansionAnnotation(claim({}, { [key]: 'true' }), false), undefined);
  assert.deepEqual(nodeExpansionAnnotation(claim({}, { a: 'b', [key]: 'true' }), true), { a: 'b' });
  assert.equal(nodeExpansionAnnotation(claim({}), true), undefined);
});
