/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures poke into loose JSON objects */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { podDef } from './pod';
import { podRow } from './pod-printer';

const now = new Date('2024-05-01T12:00:00Z');
const pod = (status: Record<string, unknown>, extra: Partial<KObject> = {}, spec: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 'test1', ...(extra.metadata ?? {}) },
  spec: { containers: [{ name: 'a' }, { name: 'b' }], ...spec },
  status,
});
const cells = (p: KObject) => podRow(p, now).slice(1, 4);

describe('pod table row (printPod)', () => {
  test('running and waiting containers', () => {
    const p = pod({ phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: { running: {} } }, { restartCount: 3 }] });
    assert.deepEqual(cells(p), ['1/2', 'podPhase', '6']);
  });
  test('waiting reason wins', () => {
    const p = pod({ phase: 'podPhase', containerStatuses: [{ restartCount: 3, state: { waiting: { reason: 'ContainerWaitingReason' } } }, { ready: true, state: { running: {} } }] });
    assert.deepEqual(cells(p), ['1/2', 'ContainerWaitingReason', '3']);
  });
  test('terminated without reason shows exit code / signal', () => {
    assert.equal(cells(pod({ phase: 'Running', containerStatuses: [{ state: { terminated: { exitCode: 2 } } }] }))[1], 'ExitCode:2');
    assert.equal(cells(pod({ phase: 'Running', containerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] }))[1], 'Signal:9');
  });
  test('Completed with a running container becomes Running / NotReady', () => {
    const cs = [{ state: { terminated: { reason: 'Completed', exitCode: 0 } } }, { ready: true, state: { running: {} } }];
    assert.equal(cells(pod({ phase: 'Running', containerStatuses: cs, conditions: [{ type: 'Ready', status: 'True' }] }))[1], 'Running');
    assert.equal(cells(pod({ phase: 'Running', containerStatuses: cs }))[1], 'NotReady');
  });
  test('init containers', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    assert.equal(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { running: {} } }] }, {}, spec))[1], 'Init:1/2');
    assert.equal(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 4 }] }, {}, spec))[1], 'Init:CrashLoopBackOff');
    assert.equal(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, {}, spec))[1], 'Init:Error');
    assert.equal(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 3 } } }] }, {}, spec))[1], 'Init:ExitCode:3');
    assert.equal(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }] }, {}, spec))[1], 'Init:0/2');
  });
  test('sidecar (restartable init) containers count toward Ready', () => {
    const spec = { initContainers: [{ name: 'side', restartPolicy: 'Always' }] };
    const status = {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }],
      initContainerStatuses: [{ name: 'side', started: true, ready: true, restartCount: 2, state: { running: {} } }],
      containerStatuses: [{ ready: true, state: { running: {} } }, { ready: true, state: { running: {} } }],
    };
    assert.deepEqual(cells(pod(status, {}, spec)), ['3/3', 'Running', '2']);
  });
  test('terminating, node lost, scheduling gated, pending', () => {
    const del = { metadata: { name: 'test1', deletionTimestamp: '2024-05-01T11:59:00Z' } };
    assert.equal(cells(pod({ phase: 'Running' }, del))[1], 'Terminating');
    assert.equal(cells(pod({ phase: 'Succeeded' }, del))[1], 'Succeeded');
    assert.equal(cells(pod({ phase: 'Running', reason: 'NodeLost' }, del))[1], 'Unknown');
    assert.equal(cells(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', reason: 'SchedulingGated' }] }))[1], 'SchedulingGated');
    assert.equal(cells(pod({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] }))[1], 'ContainerCreating');
    assert.equal(cells(pod({ phase: 'Pending', reason: 'Evicted' }))[1], 'Evicted');
  });
  test('restarts with last restart age', () => {
    const p = pod({ phase: 'Running', containerStatuses: [{ ready: true, restartCount: 4, state: { running: {} }, lastState: { terminated: { finishedAt: '2024-05-01T11:55:00Z' } } }] });
    assert.equal(cells(p)[2], '4 (5m ago)');
  });
  test('wide columns', () => {
    const p = pod({ phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], conditions: [{ type: 'g1', status: 'True' }] }, {}, { nodeName: 'n1', readinessGates: [{ conditionType: 'g1' }, { conditionType: 'g2' }] });
    assert.deepEqual(podRow(p, now).slice(5), ['10.0.0.5', 'n1', '<none>', '1/2']);
    assert.deepEqual(podRow(pod({}), now).slice(4), ['<unknown>', '<none>', '<none>', '<none>', '<none>']);
  });
});

const create = (o: KObject): KObject => {
  podDef.default?.(o);
  podDef.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  return o;
};

describe('pod defaulting', () => {
  test('kube-apiserver v1.32 defaults', () => {
    const o = create({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }, { name: 'd', image: 'nginx:1.25' }], volumes: [{ name: 'v', configMap: { name: 'cm' } }, { name: 'e' }] } });
    const spec = o.spec as Record<string, any>;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    assert.equal(spec.priority, 0);
    assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
    assert.deepEqual(spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    assert.equal(spec.containers[0].imagePullPolicy, 'Always');
    assert.equal(spec.containers[1].imagePullPolicy, 'IfNotPresent');
    assert.equal(spec.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.equal(spec.containers[0].terminationMessagePolicy, 'File');
    assert.equal(spec.containers[0].ports[0].protocol, 'TCP');
    assert.equal(spec.volumes[0].configMap.defaultMode, 420);
    assert.deepEqual(spec.volumes[1].emptyDir, {});
    assert.deepEqual(o.status, { phase: 'Pending', qosClass: 'BestEffort' });
  });
  test('limits copy into requests; QoS', () => {
    const o = create({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x:1', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } });
    assert.deepEqual((o.spec as any).containers[0].resources.requests, { cpu: '1', memory: '1Gi' });
    assert.equal((o.status as any).qosClass, 'Guaranteed');
  });
});

const messages = (o: KObject): string[] => (podDef.validate?.(o) ?? []).map((e) => fieldErrorMessage(e));

describe('pod validation', () => {
  test('no containers', () => {
    const o = create({ metadata: { name: 'p', namespace: 'default' }, spec: {} });
    assert.deepEqual(messages(o), ['spec.containers: Required value']);
  });
  test('bad and negative quantities, requests above limits', () => {
    const o = create({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x:1', resources: { limits: { memory: '5mi', cpu: '-1' }, requests: { cpu: '2', memory: '1Gi' } } }] } });
    assert.deepEqual(messages(o), [
      `spec.containers[0].resources.limits[memory]: Invalid value: "5mi": unable to parse quantity's suffix`,
      'spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of -1',
    ]);
  });
  test('mounts, volumes, names', () => {
    const o = create({
      metadata: { name: 'P', namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'x:1', volumeMounts: [{ name: 'missing', mountPath: '/a' }] }, { name: 'c', image: '' }],
        volumes: [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: '../x' }, { key: 'k', path: '/abs' }] } }, { name: 'w', secret: { secretName: 's' }, configMap: { name: 'x' } }, { name: 'n', nfs: { server: '', path: 'exports' } }],
        restartPolicy: 'Sometimes',
      },
    });
    const m = messages(o);
    assert.ok(m[0]?.startsWith('metadata.name: Invalid value: "P": a lowercase RFC 1123 subdomain must consist of'));
    assert.ok(m.includes(`spec.volumes[0].configMap.items[0].path: Invalid value: "../x": must not contain '..'`));
    assert.ok(m.includes('spec.volumes[0].configMap.items[1].path: Invalid value: "/abs": must be a relative path'));
    assert.ok(m.includes('spec.volumes[1].configMap: Forbidden: may not specify more than 1 volume type'));
    assert.ok(m.includes('spec.volumes[2].nfs.server: Required value'));
    assert.ok(m.includes('spec.volumes[2].nfs.path: Invalid value: "exports": must be an absolute path'));
    assert.ok(m.includes('spec.containers[0].volumeMounts[0].name: Not found: "missing"'));
    assert.ok(m.includes('spec.containers[1].name: Duplicate value: "c"'));
    assert.ok(m.includes('spec.containers[1].image: Required value'));
    assert.ok(m.includes('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'));
  });
  test('updates may only change images', () => {
    const old = create({ metadata: { name: 'p', namespace: 'default', resourceVersion: '1' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } });
    const next = structuredClone(old);
    (next.spec as any).containers[0].image = 'x:2';
    assert.deepEqual(podDef.validateUpdate?.(next, old), []);
    (next.spec as any).restartPolicy = 'Never';
    const errs = podDef.validateUpdate?.(next, old) ?? [];
    assert.equal(errs.length, 1);
    assert.ok(fieldErrorMessage(errs[0]!).startsWith('spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,'));
  });
});
