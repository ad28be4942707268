import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { claimName, claimOwnerRefs, newClaims, newPod, ordinalOf, updateRevision } from './compute';

const set = (retention?: Record<string, string>, replicas = 2): KObject => ({
  metadata: { name: 'db', namespace: 'n', uid: 'set-uid' },
  spec: {
    replicas, serviceName: 'db-svc', selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'disk' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    ...(retention ? { persistentVolumeClaimRetentionPolicy: retention } : {}),
  },
});

test('ordinalOf: only `<set>-<decimal>` names are members', () => {
  const cases: [string, number][] = [['db-0', 0], ['db-12', 12], ['db-01', -1], ['db-x', -1], ['dbx-1', -1], ['db-', -1], ['web-1', -1]];
  for (const [name, want] of cases) assert.equal(ordinalOf(set(), { metadata: { name } }), want, name);
});

test('claimName: <template>-<set>-<ordinal>', () => {
  assert.equal(claimName('data', set(), 3), 'data-db-3');
});

test('newPod: identity labels, hostname/subdomain, claim volumes replace same-named volumes', () => {
  const p = newPod(set(), 1, 'db-abc');
  assert.equal(p.metadata.name, 'db-1');
  assert.deepEqual(p.metadata.labels, { app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': 'db-abc' });
  const spec = p.spec as { hostname: string; subdomain: string; volumes: unknown[] };
  assert.equal(spec.hostname, 'db-1');
  assert.equal(spec.subdomain, 'db-svc');
  assert.deepEqual(spec.volumes, [{ name: 'tmp', emptyDir: {} }, { name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } }]);
  assert.deepEqual(p.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]), [['StatefulSet', 'set-uid', true]]);
});

test('updateRevision: deterministic, changes with the template', () => {
  const a = updateRevision(set());
  assert.match(a, /^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(updateRevision(set()), a);
  const changed = set();
  (changed.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['v'] = '2';
  assert.notEqual(updateRevision(changed), a);
});

test('newClaims: template labels plus selector labels; set owner only when whenDeleted=Delete', () => {
  const [retain] = newClaims(set(), 0);
  assert.equal(retain?.metadata.name, 'data-db-0');
  assert.deepEqual(retain?.metadata.labels, { tier: 'disk', app: 'db' });
  assert.equal(retain?.metadata.ownerReferences, undefined);
  const [del] = newClaims(set({ whenDeleted: 'Delete', whenScaled: 'Retain' }), 0);
  assert.deepEqual(del?.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['StatefulSet', 'db', 'set-uid']]);
});

test('claimOwnerRefs: retention policy table', () => {
  const pod = { metadata: { name: 'db-1', uid: 'pod-uid' } };
  const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'other' };
  const cases: [string, Record<string, string> | undefined, number, string[]][] = [
    ['Retain/Retain: none', undefined, 1, []],
    ['whenScaled=Delete, ordinal kept: none', { whenDeleted: 'Retain', whenScaled: 'Delete' }, 1, []],
    ['whenScaled=Delete, ordinal scaled away: the pod', { whenDeleted: 'Retain', whenScaled: 'Delete' }, 2, ['Pod/pod-uid']],
    ['whenDeleted=Delete: the set', { whenDeleted: 'Delete', whenScaled: 'Retain' }, 2, ['StatefulSet/set-uid']],
    ['both Delete, ordinal kept: the set', { whenDeleted: 'Delete', whenScaled: 'Delete' }, 1, ['StatefulSet/set-uid']],
    ['both Delete, scaled away: the pod only', { whenDeleted: 'Delete', whenScaled: 'Delete' }, 2, ['Pod/pod-uid']],
  ];
  for (const [name, policy, ordinal, want] of cases) {
    const got = claimOwnerRefs(set(policy, 2), pod, ordinal, [other, { apiVersion: 'v1', kind: 'Pod', name: 'db-1', uid: 'pod-uid' }]);
    assert.deepEqual(got.map((r) => `${r.kind}/${r.uid}`), ['ConfigMap/other', ...want], name);
  }
});
