import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSpec, Pod } from '../types';
import { resolveEnv, type EnvSources } from './env';

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u', labels: { app: 'x' }, annotations: { a: 'b' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [] },
};
const sources: EnvSources = {
  configMaps: new Map([['cm', { K: 'v', 'bad key': 'no', '1X': 'ok?' }], ['gone', null]]),
  secrets: new Map([['s', { PASS: 'pw' }]]),
};
const ctx = { hostIP: '10.0.0.1', podIPs: ['10.244.0.5'], nodeCpuMilli: 2000, nodeMemoryBytes: 1 << 30 };
const run = (c: Partial<ContainerSpec>) => resolveEnv(pod, { name: 'c', ...c }, sources, ctx);

test('resolveEnv: envFrom then env, expansion, refs', () => {
  const env = run({
    envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'P_' }, { secretRef: { name: 's' } }, { configMapRef: { name: 'gone', optional: true } }],
    env: [
      { name: 'A', value: '$(P_K)-$(NOPE)' },
      { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'K' } } },
      { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'PASS' } } },
      { name: 'D', valueFrom: { secretKeyRef: { name: 's', key: 'NOPE', optional: true } } },
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LBL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HIP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    ],
  });
  assert.deepEqual(env, [
    ['P_K', 'v'], ['P_1X', 'ok?'], ['PASS', 'pw'], ['A', 'v-$(NOPE)'], ['B', 'v'], ['C', 'pw'], ['NAME', 'p'], ['LBL', 'x'],
    ['NODE', 'n1'], ['IP', '10.244.0.5'], ['HIP', '10.0.0.1'], ['CPU', '2'], ['MEM', '1024'],
  ]);
});

test('resolveEnv: missing required sources are CreateContainerConfigError', () => {
  assert.throws(() => run({ envFrom: [{ configMapRef: { name: 'gone' } }] }), /configmap "gone" not found/);
  assert.throws(() => run({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'Z' } } }] }), /couldn't find key Z in ConfigMap ns\/cm/);
  assert.deepEqual(run({ env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } }], resources: { limits: { cpu: '250m' } } }), [['X', '250']]);
});
