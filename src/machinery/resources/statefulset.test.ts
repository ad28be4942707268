import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { statefulSetDef as def } from './statefulset';

type Obj = Record<string, unknown>;
const now = new Date('2025-01-01T00:00:30Z');
const msgs = (o: KObject): string[] => (def.validate?.(o) ?? []).map((e) => fieldErrorMessage(e));

function sts(): KObject {
  const o: KObject = {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      serviceName: 'nginx',
      replicas: 2,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } } }],
    },
  };
  def.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  def.default?.(o);
  return o;
}
const spec = (o: KObject): Obj => o['spec'] as Obj;

describe('StatefulSet defaults', () => {
  test('apps/v1 defaults and claim templates as full claims', () => {
    const s = spec(sts());
    assert.equal(s['podManagementPolicy'], 'OrderedReady');
    assert.deepEqual(s['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(s['persistentVolumeClaimRetentionPolicy'], { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(s['revisionHistoryLimit'], 10);
    assert.deepEqual(s['volumeClaimTemplates'], [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'www', creationTimestamp: null },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      },
    ]);
    assert.deepEqual(sts()['status'], { replicas: 0, availableReplicas: 0 });
  });
  test('a bad claim template quantity fails to decode', () => {
    const o = sts();
    (spec(o)['volumeClaimTemplates'] as Array<{ spec: { resources: { requests: Obj } } }>)[0]!.spec.resources.requests['storage'] = 'lots';
    assert.throws(() => def.default?.(o), ApiError);
  });
});

describe('StatefulSet validation', () => {
  test('valid, with a DNS-label name', () => {
    assert.deepEqual(msgs(sts()), []);
    const o = sts();
    o.metadata.name = 'web.v1';
    assert.equal(msgs(o).length, 1);
  });
  test('spec checks', () => {
    const o = sts();
    spec(o)['podManagementPolicy'] = 'Random';
    spec(o)['persistentVolumeClaimRetentionPolicy'] = { whenDeleted: 'Keep', whenScaled: 'Retain' };
    spec(o)['selector'] = { matchLabels: { app: 'other' } };
    assert.deepEqual(msgs(o), [
      `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`',
    ]);
  });
  test('updates: only some fields may change', () => {
    const old = sts();
    const ok = structuredClone(old);
    spec(ok)['replicas'] = 5;
    spec(ok)['updateStrategy'] = { type: 'OnDelete' };
    assert.deepEqual(def.validateUpdate?.(ok, old), []);
    const bad = structuredClone(old);
    spec(bad)['serviceName'] = 'other';
    assert.deepEqual((def.validateUpdate?.(bad, old) ?? []).map((e) => fieldErrorMessage(e)), [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
});

describe('StatefulSet table', () => {
  test('row and scale', () => {
    assert.deepEqual(def.table.columns.map((c) => `${c.name}${c.priority ? '*' : ''}`), ['Name', 'Ready', 'Age', 'Containers*', 'Images*']);
    const o = sts();
    o['status'] = { replicas: 2, readyReplicas: 1 };
    assert.deepEqual(def.table.row(o, now), ['web', '1/2', '30s', 'nginx', 'nginx']);
    assert.equal(def.scale?.selector(o), 'app=nginx');
  });
});
