import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../types';
import { type ContainerView, type ObservedInstance, computePodStatus, containerStatus, podPhase, qosClass, type StatusInput } from './status';

const now = new Date('2026-01-01T00:00:10Z');
const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always', extra: Record<string, unknown> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { restartPolicy, containers: [{ name: 'writer' }, { name: 'reader' }], ...extra },
});
const inst = (o: Partial<ObservedInstance>): ObservedInstance => ({
  id: 'c1', attempt: 0, state: 'running', startedAt: '2026-01-01T00:00:01Z', imageName: 'docker.io/library/busybox:latest', imageRef: 'docker.io/library/busybox@sha256:aa', ...o,
});
const running = (name: string, ready = true): ContainerView => ({ name, current: inst({}), ready, started: true, specImage: 'busybox' });
const exited = (name: string, exitCode: number, extra: Partial<ObservedInstance> = {}): ContainerView => ({
  name, current: inst({ state: 'exited', exitCode, finishedAt: '2026-01-01T00:00:05Z', ...extra }), ready: false, started: false, specImage: 'busybox',
});
const creating = (name: string): ContainerView => ({ name, ready: false, started: false, specImage: 'busybox' });
const input = (p: Pod, app: ContainerView[], init: ContainerView[] = []): StatusInput => ({ pod: p, init, app, hostIP: '10.0.0.1', podIP: '10.244.0.2', sandboxReady: true, now });

test('podPhase follows the kubelet', () => {
  const cases: [string, StatusInput, string][] = [
    ['creating', input(pod(), [creating('writer'), creating('reader')]), 'Pending'],
    ['one running one creating', input(pod(), [running('writer'), creating('reader')]), 'Pending'],
    ['all running', input(pod(), [running('writer'), running('reader', false)]), 'Running'],
    ['Always, exited 0', input(pod(), [exited('writer', 0), exited('reader', 0)]), 'Running'],
    ['Never, all 0', input(pod('Never'), [exited('writer', 0), exited('reader', 0)]), 'Succeeded'],
    ['Never, one failed', input(pod('Never'), [exited('writer', 0), exited('reader', 1)]), 'Failed'],
    ['OnFailure, one failed (will restart)', input(pod('OnFailure'), [exited('writer', 0), exited('reader', 1)]), 'Running'],
    ['OnFailure, all 0', input(pod('OnFailure'), [exited('writer', 0), exited('reader', 0)]), 'Succeeded'],
    ['crash loop counts as stopped', input(pod(), [{ ...exited('writer', 1), waiting: { reason: 'CrashLoopBackOff' } }, running('reader')]), 'Running'],
    ['init pending', input(pod(), [creating('writer'), creating('reader')], [running('init')]), 'Pending'],
    ['init failed, Never', input(pod('Never'), [creating('writer'), creating('reader')], [exited('init', 1)]), 'Failed'],
    ['init done', input(pod(), [running('writer'), running('reader')], [exited('init', 0)]), 'Running'],
    ['evicted', { ...input(pod(), [running('writer'), running('reader')]), evicted: 'x' }, 'Failed'],
  ];
  for (const [name, i, want] of cases) assert.equal(podPhase(i), want, name);
});

test('containerStatus: states, reasons, lastState', () => {
  const cases: [string, ContainerView, Record<string, unknown>][] = [
    ['creating', creating('c'), { waiting: { reason: 'ContainerCreating' } }],
    ['running', running('c'), { running: { startedAt: '2026-01-01T00:00:01Z' } }],
    ['completed', exited('c', 0), { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'berth://c1' } }],
    ['error', exited('c', 2), { terminated: { exitCode: 2, reason: 'Error', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'berth://c1' } }],
    ['oom', exited('c', 137, { oom: true }), { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'berth://c1' } }],
    ['image pull', { ...creating('c'), waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } }, { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } }],
  ];
  for (const [name, v, state] of cases) assert.deepEqual(containerStatus(v)['state'], state, name);
  const loop = containerStatus({ ...exited('c', 1, { attempt: 3 }), waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=c pod=p_default(u)' } });
  assert.deepEqual(loop['state'], { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=c pod=p_default(u)' } });
  assert.equal((loop['lastState'] as { terminated: { exitCode: number } }).terminated.exitCode, 1);
  assert.equal(loop['restartCount'], 3);
  const restarted = containerStatus({ ...running('c'), current: inst({ id: 'c2', attempt: 1 }), previous: inst({ state: 'exited', exitCode: 137, finishedAt: '2026-01-01T00:00:05Z' }) });
  assert.equal(restarted['restartCount'], 1);
  assert.equal(restarted['containerID'], 'berth://c2');
  assert.equal((restarted['lastState'] as { terminated: { reason: string } }).terminated.reason, 'Error');
  assert.deepEqual(containerStatus(creating('c')), { name: 'c', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'busybox', imageID: '', started: false });
});

test('computePodStatus: conditions with upstream reasons/messages, sorted statuses, IPs, kept transition times', () => {
  const s = computePodStatus(input(pod(), [running('writer'), running('reader', false)]));
  const conds = s['conditions'] as Record<string, unknown>[];
  assert.deepEqual(conds.map((c) => [c['type'], c['status'], c['reason'] ?? '', c['message'] ?? '']), [
    ['PodReadyToStartContainers', 'True', '', ''],
    ['Initialized', 'True', '', ''],
    ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [reader]'],
    ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [reader]'],
    ['PodScheduled', 'True', '', ''],
  ]);
  assert.deepEqual((s['containerStatuses'] as { name: string }[]).map((c) => c.name), ['reader', 'writer']);
  assert.equal(s['podIP'], '10.244.0.2');
  assert.deepEqual(s['podIPs'], [{ ip: '10.244.0.2' }]);
  assert.deepEqual(s['hostIPs'], [{ ip: '10.0.0.1' }]);
  assert.equal(s['startTime'], '2026-01-01T00:00:10Z');
  assert.equal(s['qosClass'], 'BestEffort');
  // A later computation keeps unchanged conditions' transition times and the start time.
  const later = computePodStatus({ ...input({ ...pod(), status: s }, [running('writer'), running('reader')]), now: new Date('2026-01-01T00:01:00Z') });
  const lc = later['conditions'] as Record<string, unknown>[];
  assert.equal(lc.find((c) => c['type'] === 'Initialized')?.['lastTransitionTime'], '2026-01-01T00:00:10Z');
  assert.equal(lc.find((c) => c['type'] === 'Ready')?.['lastTransitionTime'], '2026-01-01T00:01:00Z');
  assert.equal(later['startTime'], '2026-01-01T00:00:10Z');
  const init = computePodStatus(input(pod(), [creating('writer'), creating('reader')], [running('init-a'), creating('init-b')]));
  const ic = (init['conditions'] as Record<string, unknown>[]).find((c) => c['type'] === 'Initialized');
  assert.deepEqual([ic?.['reason'], ic?.['message']], ['ContainersNotInitialized', 'containers with incomplete status: [init-a init-b]']);
  assert.equal((init['initContainerStatuses'] as unknown[]).length, 2);
  const ev = computePodStatus({ ...input(pod(), [running('writer'), running('reader')]), evicted: 'Pod ephemeral local storage usage exceeds the total limit of containers 1Mi.' });
  assert.deepEqual([ev['phase'], ev['reason']], ['Failed', 'Evicted']);
});

test('qosClass', () => {
  const cases: [Record<string, unknown>[], string][] = [
    [[{}], 'BestEffort'],
    [[{ resources: { requests: { cpu: '100m' } } }], 'Burstable'],
    [[{ resources: { limits: { cpu: '1', memory: '1Gi' } } }], 'Guaranteed'],
    [[{ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } } }], 'Burstable'],
  ];
  for (const [cs, want] of cases) assert.equal(qosClass(cs.map((c, i) => ({ name: `c${i}`, ...c }))), want);
});
