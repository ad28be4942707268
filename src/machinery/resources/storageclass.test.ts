import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { storageClassDef as def } from './storageclass';

const now = new Date('2025-01-02T00:00:00Z');
const msgs = (errs: ReturnType<NonNullable<typeof def.validate>>): string[] => errs.map((e) => fieldErrorMessage(e));

function sc(extra: Record<string, unknown> = {}): KObject {
  const o: KObject = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard', creationTimestamp: '2025-01-01T00:00:00Z' }, provisioner: 'rancher.io/local-path', ...extra };
  def.default?.(o);
  return o;
}

describe('StorageClass', () => {
  test('defaults', () => {
    const o = sc();
    assert.equal(o['reclaimPolicy'], 'Delete');
    assert.equal(o['volumeBindingMode'], 'Immediate');
    assert.deepEqual(msgs(def.validate?.(o) ?? []), []);
  });
  test('validation', () => {
    assert.deepEqual(msgs(def.validate?.(sc({ provisioner: '' })) ?? []), ['provisioner: Required value']);
    assert.deepEqual(msgs(def.validate?.(sc({ reclaimPolicy: 'Recycle' })) ?? []), ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']);
    assert.deepEqual(msgs(def.validate?.(sc({ volumeBindingMode: 'Later' })) ?? []), [
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]);
    assert.equal(msgs(def.validate?.(sc({ provisioner: 'a/b/c' })) ?? []).length, 1);
  });
  test('provisioning fields are immutable', () => {
    const old = sc({ parameters: { type: 'ssd' } });
    const o = sc({ parameters: { type: 'hdd' }, provisioner: 'other.io/x', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true });
    assert.deepEqual(msgs(def.validateUpdate?.(o, old) ?? []), [
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
  });
  test('table marks the default class', () => {
    assert.deepEqual(def.table.columns.map((c) => c.name), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    const o = sc();
    o.metadata.annotations = { 'storageclass.kubernetes.io/is-default-class': 'true' };
    assert.deepEqual(def.table.row(o, now), ['standard (default)', 'rancher.io/local-path', 'Delete', 'Immediate', false, '24h']);
  });
});
