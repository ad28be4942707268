import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { equalIgnoreHash, findNewRS, historyToDelete, newReplicaSetFor, setNewRSAnnotations } from './revision';

const template = (image: string, hash?: string) => ({ metadata: { labels: { app: 'a', ...(hash ? { 'pod-template-hash': hash } : {}) } }, spec: { containers: [{ name: 'c', image }] } });
const dep: KObject = {
  metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', annotations: { 'kubernetes.io/change-cause': 'why', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '9' } },
  spec: { replicas: 3, selector: { matchLabels: { app: 'a' } }, template: template('busybox'), revisionHistoryLimit: 1 },
  status: {},
};

test('the new ReplicaSet is the oldest one whose template matches, ignoring the hash label', () => {
  assert.equal(equalIgnoreHash(template('busybox', 'abc'), template('busybox')), true);
  assert.equal(equalIgnoreHash(template('busybox', 'abc'), template('nginx')), false);
  const mk = (name: string, image: string, t: string): KObject => ({ metadata: { name, uid: name, creationTimestamp: t }, spec: { template: template(image, name) } });
  const rss = [mk('late', 'busybox', '2026-01-02T00:00:00Z'), mk('other', 'nginx', '2026-01-01T00:00:00Z'), mk('early', 'busybox', '2026-01-01T00:00:00Z')];
  assert.equal(findNewRS(dep, rss)?.metadata.name, 'early');
});

test('a new ReplicaSet carries the hash in name, labels and selector, and a controller reference', () => {
  const { rs, hash } = newReplicaSetFor(dep);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.equal(rs.metadata.labels?.['pod-template-hash'], hash);
  assert.deepEqual((rs.spec as { selector: unknown }).selector, { matchLabels: { app: 'a', 'pod-template-hash': hash } });
  assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }]);
  assert.notEqual(newReplicaSetFor({ ...dep, status: { collisionCount: 1 } }).hash, hash, 'collisionCount changes the hash');
});

test('annotations: copied except the skip list; revision raised with history; replicas annotations on create', () => {
  const a: Record<string, string> = {};
  assert.equal(setNewRSAnnotations(dep, a, 1, false, 1), true);
  assert.deepEqual({ ...a }, { 'kubernetes.io/change-cause': 'why', 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
  assert.equal(setNewRSAnnotations(dep, a, 1, true, 1), false, 'nothing new');
  setNewRSAnnotations(dep, a, 3, true, 1);
  assert.equal(a['deployment.kubernetes.io/revision'], '3');
  assert.equal(a['deployment.kubernetes.io/revision-history'], '1');
  setNewRSAnnotations(dep, a, 5, true, 1);
  assert.equal(a['deployment.kubernetes.io/revision-history'], '1,3');
  const b: Record<string, string> = { 'deployment.kubernetes.io/revision': '7', 'deployment.kubernetes.io/revision-history': '1,3,5' };
  setNewRSAnnotations(dep, b, 8, true, 1, 4);
  assert.equal(b['deployment.kubernetes.io/revision-history'], '5,7', 'oldest entries dropped to fit the limit');
});

test('history cleanup deletes the lowest revisions beyond the limit, only when scaled down and settled', () => {
  const old = (name: string, rev: number, replicas = 0, observed = 1): KObject => ({
    metadata: { name, generation: 1, annotations: { 'deployment.kubernetes.io/revision': String(rev) }, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { replicas }, status: { replicas, observedGeneration: observed },
  });
  assert.deepEqual(historyToDelete(dep, [old('r3', 3), old('r1', 1), old('r2', 2)]).map((r) => r.metadata.name), ['r1', 'r2']);
  assert.deepEqual(historyToDelete(dep, [old('r1', 1, 1), old('r2', 2)]).map((r) => r.metadata.name), [], 'still has replicas');
  assert.deepEqual(historyToDelete(dep, [old('r1', 1, 0, 0), old('r2', 2)]).map((r) => r.metadata.name), [], 'not observed yet');
  assert.deepEqual(historyToDelete({ ...dep, spec: { ...(dep.spec as object), revisionHistoryLimit: undefined } }, [old('r1', 1), old('r2', 2)]), []);
});
