import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { replicaSetDef as def } from './replicaset';

type Obj = Record<string, unknown>;
const now = new Date('2025-01-01T03:00:00Z');

function rs(): KObject {
  const o: KObject = {
    metadata: { name: 'web-5d9f', namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
      template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
    },
  };
  def.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  def.default?.(o);
  return o;
}

describe('ReplicaSet', () => {
  test('defaults and validation', () => {
    const o = rs();
    assert.equal((o['spec'] as Obj)['replicas'], 1);
    assert.deepEqual(o['status'], { replicas: 0 });
    assert.deepEqual((def.validate?.(o) ?? []).map((e) => fieldErrorMessage(e)), []);
  });
  test('the empty-selector message says deployment, as upstream does', () => {
    const o = rs();
    (o['spec'] as Obj)['selector'] = { matchLabels: {} };
    assert.deepEqual((def.validate?.(o) ?? []).map((e) => fieldErrorMessage(e)), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });
  test('restartPolicy must be Always', () => {
    const o = rs();
    ((o['spec'] as { template: { spec: Obj } }).template.spec)['restartPolicy'] = 'Never';
    assert.deepEqual((def.validate?.(o) ?? []).map((e) => fieldErrorMessage(e)), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
  });
  test('table', () => {
    assert.deepEqual(
      def.table.columns.map((c) => `${c.name}:${c.type}${c.priority ? '*' : ''}`),
      ['Name:string', 'Desired:integer', 'Current:integer', 'Ready:integer', 'Age:string', 'Containers:string*', 'Images:string*', 'Selector:string*'],
    );
    const o = rs();
    o['status'] = { replicas: 1, readyReplicas: 1 };
    assert.deepEqual(def.table.row(o, now), ['web-5d9f', 1, 1, 1, '3h', 'nginx', 'nginx:1.27', 'app=web,tier in (fe)']);
    assert.equal(def.scale?.selector(o), 'app=web,tier in (fe)');
  });
});
