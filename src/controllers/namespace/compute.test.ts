import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { type ContentReport, type ResourceResult, estimatePods, finalizedSpec, judgeRemaining, requeueSeconds, updateConditions } from './compute';

const item = (finalizers: string[] = []): KObject => ({ metadata: { name: 'x', ...(finalizers.length ? { finalizers } : {}) } });
const res = (p: Partial<ResourceResult> & Pick<ResourceResult, 'resource'>): ResourceResult => ({ group: '', estimateSeconds: 0, remaining: 0, finalizers: {}, ...p });
const now = new Date('2024-05-01T10:00:00Z');

test('judgeRemaining: done, waiting on finalizers, waiting on grace, or unexpected leftovers', () => {
  const pods = { group: '', version: 'v1', resource: 'pods' };
  assert.deepEqual(judgeRemaining(pods, 'ns', [], 30), { resource: 'pods', group: '', estimateSeconds: 0, remaining: 0, finalizers: {} });
  assert.deepEqual(judgeRemaining(pods, 'ns', [item(['a/b']), item(['a/b', 'c/d'])], 0), { resource: 'pods', group: '', estimateSeconds: 15, remaining: 2, finalizers: { 'a/b': 2, 'c/d': 1 } });
  assert.deepEqual(judgeRemaining(pods, 'ns', [item()], 30), { resource: 'pods', group: '', estimateSeconds: 30, remaining: 1, finalizers: {} });
  assert.equal(judgeRemaining(pods, 'ns', [item()], 0).error, 'unexpected items still remain in namespace: ns for gvr: /v1, Resource=pods');
  assert.equal(judgeRemaining({ group: 'apps', version: 'v1', resource: 'deployments' }, 'ns', [item()], 0).error, 'unexpected items still remain in namespace: ns for gvr: apps/v1, Resource=deployments');
});

test('estimatePods: longest grace of non-terminal pods, zero once that much time has passed', () => {
  const pod = (grace: number | undefined, phase = 'Running'): KObject => ({ metadata: {}, spec: grace === undefined ? {} : { terminationGracePeriodSeconds: grace }, status: { phase } });
  const pods = [pod(30), pod(120, 'Succeeded'), pod(10), pod(undefined)];
  assert.equal(estimatePods(pods, '2024-05-01T09:59:50Z', now), 30);
  assert.equal(estimatePods(pods, '2024-05-01T09:59:30Z', now), 0);
  assert.equal(estimatePods([], '2024-05-01T10:00:00Z', now), 0);
});

test('updateConditions: all ok conditions on a clean run (upstream okReasons/okMessages)', () => {
  const { conditions, changed } = updateConditions([], { results: [res({ resource: 'pods' })] }, now);
  assert.equal(changed, true);
  assert.deepEqual(conditions.map((c) => [c.type, c.status, c.reason, c.message]), [
    ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'],
    ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
    ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
    ['NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'],
    ['NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'],
  ]);
  assert.equal(updateConditions(conditions, { results: [] }, new Date()).changed, false, 'same again: no update');
});

test('updateConditions: failures, remaining content and finalizers, with messages as upstream formats them', () => {
  const report: ContentReport = {
    discoveryError: 'Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: boom',
    results: [
      res({ resource: 'pods', remaining: 2, finalizers: { 'example.com/a': 2 }, estimateSeconds: 15 }),
      res({ resource: 'deployments', group: 'apps', remaining: 1, finalizers: { 'example.com/a': 1, 'foregroundDeletion': 1 } }),
      res({ resource: 'secrets', error: 'z failed' }),
      res({ resource: 'configmaps', error: 'a failed' }),
    ],
  };
  const { conditions } = updateConditions([], report, now);
  // Appended in upstream's conditionTypes order, failing or not.
  assert.deepEqual(conditions.map((c) => [c.type, c.status, c.reason]), [
    ['NamespaceDeletionDiscoveryFailure', 'True', 'DiscoveryFailed'],
    ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
    ['NamespaceDeletionContentFailure', 'True', 'ContentDeletionFailed'],
    ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain'],
    ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain'],
  ]);
  const byType = Object.fromEntries(conditions.map((c) => [c.type, c]));
  assert.deepEqual(byType.NamespaceDeletionDiscoveryFailure, { type: 'NamespaceDeletionDiscoveryFailure', status: 'True', reason: 'DiscoveryFailed', message: report.discoveryError, lastTransitionTime: '2024-05-01T10:00:00Z' });
  assert.equal(byType.NamespaceDeletionContentFailure?.reason, 'ContentDeletionFailed');
  assert.equal(byType.NamespaceDeletionContentFailure?.message, 'Failed to delete all resource types, 2 remaining: a failed, z failed');
  assert.equal(byType.NamespaceContentRemaining?.reason, 'SomeResourcesRemain');
  assert.equal(byType.NamespaceContentRemaining?.message, 'Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances');
  assert.equal(byType.NamespaceFinalizersRemaining?.message, 'Some content in the namespace has finalizers remaining: example.com/a in 3 resource instances, foregroundDeletion in 1 resource instances');
});

test('updateConditions: remaining content without finalizers keeps the finalizers condition ok', () => {
  const { conditions } = updateConditions([], { results: [res({ resource: 'pods', remaining: 1, estimateSeconds: 30 })] }, now);
  const fin = conditions.find((c) => c.type === 'NamespaceFinalizersRemaining');
  assert.deepEqual([fin?.status, fin?.reason, fin?.message], ['False', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished']);
});

test('updateConditions: transition time moves only when status flips', () => {
  const first = updateConditions([], { results: [res({ resource: 'pods', remaining: 1, estimateSeconds: 5 })] }, now).conditions;
  const later = new Date('2024-05-01T10:05:00Z');
  const second = updateConditions(first, { results: [res({ resource: 'pods', remaining: 3, estimateSeconds: 5 })] }, later);
  const remaining = second.conditions.find((c) => c.type === 'NamespaceContentRemaining');
  assert.equal(second.changed, true);
  assert.equal(remaining?.lastTransitionTime, '2024-05-01T10:00:00Z');
  const third = updateConditions(second.conditions, { results: [] }, later).conditions.find((c) => c.type === 'NamespaceContentRemaining');
  assert.deepEqual([third?.status, third?.lastTransitionTime], ['False', '2024-05-01T10:05:00Z']);
});

test('finalizedSpec and requeue delay', () => {
  assert.deepEqual(finalizedSpec(['kubernetes']), []);
  assert.deepEqual(finalizedSpec(['z.io/x', 'kubernetes', 'a.io/y', 'a.io/y']), ['a.io/y', 'z.io/x']);
  assert.equal(requeueSeconds(15), 8);
  assert.equal(requeueSeconds(30), 16);
});
