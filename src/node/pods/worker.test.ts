import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { FakeTimer, eventually } from '../../controllers/testing/fake-timer';
import { nodeHarness } from '../runtime/testing/node-harness';
import type { Pod } from '../types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- status JSON is read loosely
type Obj = Record<string, any>;
const statusOf = (p: Pod | undefined): Obj => p?.status ?? {};
const cs = (p: Pod | undefined, name: string, key = 'containerStatuses'): Obj => (statusOf(p)[key] as Obj[] | undefined)?.find((c) => c['name'] === name) ?? {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('CrashLoopBackOff: restart at once, then 10 s, then 20 s (fake clock)', { timeout: 120_000 }, async () => {
  const timer = new FakeTimer();
  const base = Date.parse('2026-01-01T00:00:00Z');
  const h = await nodeHarness({ timer, clock: { now: () => new Date(base + timer.now()) } });
  try {
    await h.startAgent();
    await h.createPod({ containers: [{ name: 'crasher', image: 'busybox', command: ['sh', '-c', 'echo boom; exit 1'] }] }, 'crash');
    /** Advances fake time in steps (letting real work happen) until `check` holds. */
    const advanceUntil = async (check: (p: Pod | undefined) => boolean, step: number, what: string) => {
      for (let i = 0; i < 2000; i++) {
        const p = await h.getPod('crash');
        if (check(p)) return p;
        timer.advance(step);
        await sleep(20);
      }
      throw new Error(`never saw ${what}`);
    };
    const crashLoop = (p: Pod | undefined) => cs(p, 'crasher')['state']?.['waiting']?.['reason'] === 'CrashLoopBackOff';
    await advanceUntil((p) => cs(p, 'crasher')['restartCount'] === 1, 50, 'first restart');
    // The first restart needs no fake time beyond the resyncs: it is immediate.
    assert.ok(timer.now() < 5000, `first restart after ${timer.now()} ms`);
    let p = await advanceUntil(crashLoop, 50, 'CrashLoopBackOff');
    const t1 = timer.now();
    assert.match(cs(p, 'crasher')['state']['waiting']['message'], /^back-off 10s restarting failed container=crasher pod=crash_default\(/);
    assert.equal(cs(p, 'crasher')['lastState']['terminated']['reason'], 'Error');
    assert.equal(cs(p, 'crasher')['lastState']['terminated']['exitCode'], 1);
    assert.equal(statusOf(p)['phase'], 'Running');
    assert.equal(statusOf(p)['conditions'].find((c: Obj) => c['type'] === 'Ready')['message'], 'containers with unready status: [crasher]');
    /** No restart before `ms` of fake time from the exit; one right after it (without more fake time). */
    const restartsAfter = async (from: number, ms: number, count: number) => {
      while (timer.now() < from + ms - 500) {
        timer.advance(250);
        await sleep(10);
        assert.equal(cs(await h.getPod('crash'), 'crasher')['restartCount'], count - 1, `restarted ${timer.now() - from} ms after the exit`);
      }
      // Past the back-off, time creeps on (a sync may be mid-flight when time jumps).
      while (cs(await h.getPod('crash'), 'crasher')['restartCount'] !== count) {
        timer.advance(50);
        await sleep(20);
        assert.ok(timer.now() < from + ms + 3000, `no restart ${count} by ${timer.now() - from} ms after the exit`);
      }
    };
    await restartsAfter(t1, 10_000, 2);
    p = await advanceUntil(crashLoop, 50, 'CrashLoopBackOff again');
    assert.match(cs(p, 'crasher')['state']['waiting']['message'], /^back-off 20s /);
    await restartsAfter(timer.now(), 20_000, 3);
    const events = (await h.stack.client.list({ group: '', version: 'v1', plural: 'events' }, 'default')).items;
    assert.ok(events.some((e) => e['reason'] === 'BackOff' && /^Back-off restarting failed container crasher in pod crash_default\(/.test(String(e['message']))));
  } finally {
    await h.close();
  }
});

test('exit codes and reasons; restartPolicy Never and OnFailure; init containers; OOMKilled', { timeout: 120_000 }, async () => {
  const h = await nodeHarness();
  try {
    await h.startAgent();
    await h.createPod({
      restartPolicy: 'Never',
      containers: [
        { name: 'ok', image: 'busybox', command: ['sh', '-c', 'exit 0'] },
        { name: 'term', image: 'busybox', tty: true, command: ['sh', '-c', 'test -t 1 && echo "tty $TERM"'] },
        { name: 'logs', image: 'busybox', command: ['sh', '-c', 'echo first; echo last words; exit 1'], terminationMessagePolicy: 'FallbackToLogsOnError' },
        { name: 'bad', image: 'busybox', command: ['sh', '-c', 'echo bye > /dev/termination-log; exit 2'] },
        { name: 'oom', image: 'busybox', command: ['sh', '-c', 'sleep 0.5; x=$(head -c 60000000 /dev/zero | tr "\\0" a); echo $x'], resources: { limits: { memory: '16Mi' } } },
      ],
    }, 'never');
    await h.createPod({
      restartPolicy: 'OnFailure',
      initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'echo from-init > /data/x'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'test "$(cat /data/x)" = from-init || exit 9; [ -f /data/second ] && exit 0; touch /data/second; exit 4'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }],
      volumes: [{ name: 'd', emptyDir: {} }],
    }, 'onfailure');
    await eventually(async () => statusOf(await h.getPod('never'))['phase'] === 'Failed', 30_000, 'never pod Failed');
    const never = await h.getPod('never');
    assert.deepEqual(cs(never, 'ok')['state']['terminated']['reason'], 'Completed');
    assert.deepEqual([cs(never, 'bad')['state']['terminated']['reason'], cs(never, 'bad')['state']['terminated']['exitCode'], cs(never, 'bad')['state']['terminated']['message']], ['Error', 2, 'bye\n']);
    assert.deepEqual([cs(never, 'oom')['state']['terminated']['reason'], cs(never, 'oom')['state']['terminated']['exitCode']], ['OOMKilled', 137]);
    assert.equal(cs(never, 'bad')['restartCount'], 0);
    assert.equal(cs(never, 'logs')['state']['terminated']['message'], 'first\nlast words\n');
    assert.equal(cs(never, 'term')['state']['terminated']['reason'], 'Completed', 'a tty container gets a terminal from conmon');
    assert.match(readFileSync(await h.agent.logFile({ namespace: 'default', name: 'never' }, 'term', false), 'utf8'), / stdout [PF] tty xterm/);
    assert.equal(statusOf(never)['conditions'].find((c: Obj) => c['type'] === 'Ready')['reason'], 'PodCompleted');

    // OnFailure: exit 4 restarts (immediately, first back-off), then exit 0 completes the pod.
    await eventually(async () => statusOf(await h.getPod('onfailure'))['phase'] === 'Succeeded', 30_000, 'onfailure pod Succeeded');
    const of = await h.getPod('onfailure');
    assert.equal(cs(of, 'init', 'initContainerStatuses')['state']['terminated']['reason'], 'Completed');
    assert.equal(cs(of, 'main')['restartCount'], 1);
    assert.equal(cs(of, 'main')['lastState']['terminated']['exitCode'], 4);
    assert.equal(cs(of, 'main')['state']['terminated']['reason'], 'Completed');
    assert.equal(statusOf(of)['conditions'].find((c: Obj) => c['type'] === 'Initialized')['status'], 'True');
  } finally {
    await h.close();
  }
});

test('ErrImagePull then ImagePullBackOff with the registry message', { timeout: 60_000 }, async () => {
  const h = await nodeHarness();
  try {
    h.images.failWith = 'manifest unknown: manifest unknown';
    await h.startAgent();
    await h.createPod({ containers: [{ name: 'c', image: 'busybox', command: ['true'] }] }, 'pull');
    await eventually(async () => cs(await h.getPod('pull'), 'c')['state']?.['waiting']?.['reason'] === 'ErrImagePull', 10_000, 'ErrImagePull').catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify((await h.getPod('pull'))?.status)}`);
    });
    assert.equal(cs(await h.getPod('pull'), 'c')['state']['waiting']['message'], 'manifest unknown: manifest unknown');
    await eventually(async () => cs(await h.getPod('pull'), 'c')['state']?.['waiting']?.['reason'] === 'ImagePullBackOff', 10_000, 'ImagePullBackOff');
    assert.equal(cs(await h.getPod('pull'), 'c')['state']['waiting']['message'], 'Back-off pulling image "busybox"');
    assert.equal(h.images.pulls, 1, 'no pull inside the back-off');
    assert.equal(statusOf(await h.getPod('pull'))['phase'], 'Pending');
  } finally {
    await h.close();
  }
});

test('graceful delete runs the preStop hook inside the grace period', { timeout: 60_000 }, async () => {
  const h = await nodeHarness();
  try {
    await h.startAgent();
    await h.createPod({
      terminationGracePeriodSeconds: 30,
      containers: [{
        name: 'c', image: 'busybox', command: ['sh', '-c', 'trap "exit 0" USR1; while true; do sleep 0.1; done'],
        lifecycle: { preStop: { exec: { command: ['kill', '-USR1', '1'] } } },
      }],
    }, 'hooked');
    await eventually(async () => cs(await h.getPod('hooked'), 'c')['ready'] === true, 30_000, 'running');
    const t0 = Date.now();
    await h.stack.client.delete({ group: '', version: 'v1', plural: 'pods' }, 'default', 'hooked', {});
    assert.ok((await h.getPod('hooked'))?.metadata.deletionTimestamp, 'graceful: the object waits for the node');
    await eventually(async () => (await h.getPod('hooked')) === undefined, 20_000, 'deleted');
    // sh as pid 1 ignores SIGTERM: only the hook's USR1 ends it before the 30 s grace.
    assert.ok(Date.now() - t0 < 10_000, `deleted after ${Date.now() - t0} ms`);
  } finally {
    await h.close();
  }
});
