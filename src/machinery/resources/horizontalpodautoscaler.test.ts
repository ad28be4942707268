import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { horizontalPodAutoscalerDef as def, formatHpaTargets } from './horizontalpodautoscaler';
import { ANN_BEHAVIOR, ANN_CONDITIONS, ANN_CURRENT_METRICS, ANN_METRICS } from './hpa-conversion';

type Obj = Record<string, unknown>;
const now = new Date('2025-01-01T00:02:00Z');
const cpu = (n: number): Obj => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });

/** What `kubectl autoscale deployment web --max=5 --cpu-percent=50` sends (autoscaling/v1). */
function autoscaleV1(): KObject {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
  };
}

function stored(o: KObject): KObject {
  def.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  def.default?.(o);
  return o;
}

describe('HorizontalPodAutoscaler defaults', () => {
  test('minReplicas 1, CPU 80% when no metrics, no behavior unless given', () => {
    const o = stored({ metadata: { name: 'h', namespace: 'd' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } });
    assert.deepEqual(o['spec'], { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, minReplicas: 1, metrics: [cpu(80)] });
    assert.deepEqual(o['status'], { desiredReplicas: 0 });
  });
  test('a partial behavior is completed', () => {
    const o = stored({ metadata: { name: 'h' }, spec: { maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } } });
    assert.deepEqual((o['spec'] as Obj)['behavior'], {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 300 },
    });
  });
});

describe('HorizontalPodAutoscaler v1 <-> v2', () => {
  test('v1 CPU target becomes a utilization metric', () => {
    const v2 = def.convertFrom?.(autoscaleV1(), 'v1');
    assert.deepEqual((v2?.['spec'] as Obj)['metrics'], [cpu(50)]);
    assert.equal(v2?.apiVersion, 'autoscaling/v2');
  });
  test('v1 without a target gets the explicit 80% default', () => {
    const v1 = autoscaleV1();
    delete (v1['spec'] as Obj)['targetCPUUtilizationPercentage'];
    assert.deepEqual((def.convertFrom?.(v1, 'v1')?.['spec'] as Obj)['metrics'], [cpu(80)]);
  });
  test('stored v2 -> v1 -> v2 keeps everything v1 cannot express', () => {
    const v2 = stored(def.convertFrom!(autoscaleV1(), 'v1'));
    const spec = v2['spec'] as Obj;
    spec['metrics'] = [cpu(50), { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } }];
    spec['behavior'] = { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } };
    def.default?.(v2);
    v2['status'] = {
      currentReplicas: 2,
      desiredReplicas: 2,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '250m', averageUtilization: 30 } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2025-01-01T00:01:00Z', reason: 'SucceededGetScale', message: 'ok' }],
    };
    const v1 = def.convertTo!(v2, 'v1');
    assert.deepEqual(v1['spec'], { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    assert.deepEqual(v1['status'], { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 30 });
    const ann = v1.metadata.annotations ?? {};
    assert.equal(ann[ANN_METRICS], '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"1k"}}]');
    assert.equal(ann[ANN_CURRENT_METRICS], '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":30,"currentAverageValue":"250m"}}]');
    assert.equal(
      ann[ANN_BEHAVIOR],
      '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},' +
        '"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":30}]}}',
    );
    assert.equal(ann[ANN_CONDITIONS], '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2025-01-01T00:01:00Z","reason":"SucceededGetScale","message":"ok"}]');

    const back = def.convertFrom!(v1, 'v1');
    def.default?.(back);
    assert.equal(back.metadata.annotations, undefined);
    // v1 puts the CPU metric after the annotation ones.
    assert.deepEqual((back['spec'] as Obj)['metrics'], [spec['metrics'] && (spec['metrics'] as Obj[])[1], cpu(50)]);
    assert.deepEqual((back['spec'] as Obj)['behavior'], spec['behavior']);
    assert.deepEqual(back['status'], v2['status']);
  });
  test('v2 input drops stray round-trip annotations', () => {
    const o: KObject = { metadata: { name: 'h', annotations: { [ANN_METRICS]: '[]', keep: 'me' } }, spec: {} };
    assert.deepEqual(def.convertFrom?.(o, 'v2').metadata.annotations, { keep: 'me' });
  });
});

describe('HorizontalPodAutoscaler validation', () => {
  const msgs = (spec: Obj): string[] => (def.validate?.(stored({ metadata: { name: 'h', namespace: 'd' }, spec })) ?? []).map((e) => fieldErrorMessage(e));
  test('seed-style autoscaler is valid', () => assert.deepEqual(msgs({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5 }), []));
  test('replica bounds and target ref', () => {
    assert.deepEqual(msgs({ scaleTargetRef: {}, minReplicas: 0, maxReplicas: 0 }), [
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.maxReplicas: Invalid value: 0: must be greater than 0',
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Required value',
      'spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas',
    ]);
    assert.deepEqual(msgs({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 4, maxReplicas: 2 }), [
      'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
    ]);
  });
  test('metric specs', () => {
    const base = { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 };
    assert.deepEqual(msgs({ ...base, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] }), [
      'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    ]);
    const resource = { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } };
    assert.deepEqual(msgs({ ...base, metrics: [{ type: 'Pods', resource }] }), ['spec.metrics[0].pods: Required value: must populate information for the given metric source']);
    const pods = { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } };
    assert.deepEqual(msgs({ ...base, metrics: [{ type: 'Pods', pods, resource }] }), ['spec.metrics[0].resource: Forbidden: must populate the given metric source only']);
  });
});

describe('HorizontalPodAutoscaler table', () => {
  test('columns and row', () => {
    assert.deepEqual(def.table.columns.map((c) => c.name), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    const o = stored(def.convertFrom!(autoscaleV1(), 'v1'));
    assert.deepEqual(def.table.row(o, now), ['web', 'Deployment/web', 'cpu: <unknown>/50%', '1', 5, 0, '2m']);
    o['status'] = { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } }] };
    assert.equal(formatHpaTargets(o), 'cpu: 42%/50%');
  });
  test('more than two targets are summarised', () => {
    const o: KObject = {
      metadata: { name: 'h' },
      spec: {
        metrics: [
          cpu(50),
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
          { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '10' } } },
        ],
      },
    };
    assert.equal(formatHpaTargets(o), 'cpu: <unknown>/50%, memory: <unknown>/500Mi + 1 more...');
    (o['spec'] as Obj)['metrics'] = [];
    assert.equal(formatHpaTargets(o), '<none>');
  });
});
