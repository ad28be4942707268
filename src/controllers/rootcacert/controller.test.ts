import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { computeRootCAAction } from './controller';

const ns = (phase = 'Active', deleting = false): KObject => ({ metadata: { name: 'n', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, status: { phase } });
const cm = (data: Record<string, string>, described = true): KObject => ({
  metadata: { name: 'kube-root-ca.crt', ...(described ? { annotations: { 'kubernetes.io/description': "The certificate authority of this cluster's API server, for clients inside the cluster that reach it through the kubernetes Service." } } : {}) },
  data,
});

test('computeRootCAAction', () => {
  const cases: [string, KObject | undefined, KObject | undefined, string][] = [
    ['missing namespace', undefined, undefined, 'none'],
    ['terminating namespace', ns('Terminating'), undefined, 'none'],
    ['deleting namespace', ns('Active', true), undefined, 'none'],
    ['no configmap', ns(), undefined, 'create'],
    ['current', ns(), cm({ 'ca.crt': 'PEM' }), 'none'],
    ['edited data', ns(), cm({ 'ca.crt': 'other' }), 'update'],
    ['extra key', ns(), cm({ 'ca.crt': 'PEM', x: 'y' }), 'update'],
    ['description removed', ns(), cm({ 'ca.crt': 'PEM' }, false), 'update'],
  ];
  for (const [name, n, c, want] of cases) assert.equal(computeRootCAAction(n, c, 'PEM'), want, name);
});
