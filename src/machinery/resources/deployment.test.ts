import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { deploymentDef as def } from './deployment';

type Obj = Record<string, unknown>;
const now = new Date('2025-01-01T00:05:00Z');
const msgs = (o: KObject): string[] => (def.validate?.(o) ?? []).map((e) => fieldErrorMessage(e));

/** The seed's shared-volume-deployment, as created. */
function seedDeployment(): KObject {
  const container = (name: string, cmd: string): Obj => ({
    name,
    image: 'busybox',
    command: ['/bin/sh', '-c', cmd],
    volumeMounts: [{ name: 'shared-data', mountPath: '/data' }],
  });
  const o: KObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shared-volume-deployment', namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'shared-volume-app' } },
      template: {
        metadata: { labels: { app: 'shared-volume-app' } },
        spec: {
          containers: [container('writer', "echo 'Hello from Writer Pod' > /data/hello.txt; sleep 3600"), container('reader', 'cat /data/hello.txt; sleep 3600')],
          volumes: [{ name: 'shared-data', emptyDir: {} }],
        },
      },
    },
  };
  def.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  def.default?.(o);
  return o;
}
const spec = (o: KObject): Obj => o['spec'] as Obj;

describe('Deployment defaults', () => {
  test('apps/v1 defaults and a fresh status', () => {
    const o = seedDeployment();
    const s = spec(o);
    assert.equal(s['replicas'], 1);
    assert.deepEqual(s['strategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(s['revisionHistoryLimit'], 10);
    assert.equal(s['progressDeadlineSeconds'], 600);
    assert.equal((s['template'] as Obj & { metadata: Obj })['metadata']['creationTimestamp'], null);
    assert.equal((s['template'] as { spec: Obj })['spec']['restartPolicy'], 'Always');
    assert.deepEqual(o['status'], {});
    assert.equal(o.metadata.generation, 1);
  });
  test('Recreate gets no rollingUpdate', () => {
    const o: KObject = { metadata: { name: 'd' }, spec: { strategy: { type: 'Recreate' } } };
    def.default?.(o);
    assert.deepEqual(spec(o)['strategy'], { type: 'Recreate' });
  });
});

describe('Deployment validation', () => {
  test('the seed deployment is valid', () => assert.deepEqual(msgs(seedDeployment()), []));
  test('selector must match template labels', () => {
    const o = seedDeployment();
    spec(o)['selector'] = { matchLabels: { app: 'other' } };
    assert.deepEqual(msgs(o), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"shared-volume-app"}: `selector` does not match template `labels`']);
  });
  test('a missing selector is required and matches nothing', () => {
    const o = seedDeployment();
    delete spec(o)['selector'];
    assert.deepEqual(msgs(o), [
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"shared-volume-app"}: `selector` does not match template `labels`',
    ]);
  });
  test('empty selector', () => {
    const o = seedDeployment();
    spec(o)['selector'] = {};
    assert.deepEqual(msgs(o), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });
  test('negative replicas, bad strategy values', () => {
    const o = seedDeployment();
    spec(o)['replicas'] = -1;
    spec(o)['strategy'] = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } };
    assert.deepEqual(msgs(o), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    ]);
  });
  test('progress deadline must exceed minReadySeconds', () => {
    const o = seedDeployment();
    spec(o)['minReadySeconds'] = 600;
    assert.deepEqual(msgs(o), ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds']);
  });
});

describe('Deployment updates', () => {
  test('selector is immutable in apps/v1', () => {
    const old = seedDeployment();
    const o = structuredClone(old);
    spec(o)['selector'] = { matchLabels: { app: 'nginx2' } };
    assert.deepEqual((def.validateUpdate?.(o, old) ?? []).map((e) => fieldErrorMessage(e)), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
  test('generation bumps on spec or annotation changes; status is kept', () => {
    const old = seedDeployment();
    old['status'] = { replicas: 1, readyReplicas: 1 };
    const same = structuredClone(old);
    same['status'] = {};
    def.prepareForUpdate?.(same, old);
    assert.equal(same.metadata.generation, 1);
    assert.deepEqual(same['status'], { replicas: 1, readyReplicas: 1 });
    const scaled = structuredClone(old);
    spec(scaled)['replicas'] = 3;
    def.prepareForUpdate?.(scaled, old);
    assert.equal(scaled.metadata.generation, 2);
    const annotated = structuredClone(old);
    annotated.metadata.annotations = { a: 'b' };
    def.prepareForUpdate?.(annotated, old);
    assert.equal(annotated.metadata.generation, 2);
  });
  test('status updates keep spec and labels', () => {
    const old = seedDeployment();
    const o = structuredClone(old);
    spec(o)['replicas'] = 9;
    o.metadata.labels = { x: 'y' };
    o['status'] = { replicas: 1 };
    def.prepareForStatusUpdate?.(o, old, new Date('2026-01-01T00:00:00Z'));
    assert.equal(spec(o)['replicas'], 1);
    assert.equal(o.metadata.labels, undefined);
    assert.deepEqual(o['status'], { replicas: 1 });
  });
});

describe('Deployment table and scale', () => {
  test('columns', () => {
    assert.deepEqual(
      def.table.columns.map((c) => `${c.name}${c.priority ? '*' : ''}`),
      ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*'],
    );
  });
  test('row', () => {
    const o = seedDeployment();
    o['status'] = { readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 };
    assert.deepEqual(def.table.row(o, now), ['shared-volume-deployment', '1/1', 1, 1, '5m', 'writer,reader', 'busybox,busybox', 'app=shared-volume-app']);
  });
  test('scale', () => {
    assert.deepEqual(def.scale?.specReplicasPath, ['spec', 'replicas']);
    assert.equal(def.scale?.selector(seedDeployment()), 'app=shared-volume-app');
  });
});
