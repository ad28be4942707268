import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { FakeTimer, eventually } from '../../controllers/testing/fake-timer';
import { unmountUnder } from '../runtime/testing/fakes';
import { nodeHarness } from '../runtime/testing/node-harness';
import type { Pod } from '../types';
import { VolumeManager } from '../volumes/volume-manager';

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

test('a pod stopping with a 30 s grace does not hold the only sync worker: another pod starts meanwhile; a force delete cuts the grace short', { timeout: 90_000 }, async () => {
  const h = await nodeHarness({ workers: 1 });
  const podsRef = { group: '', version: 'v1', plural: 'pods' };
  try {
    await h.startAgent();
    // sleep as pid 1 ignores SIGTERM: the stop lasts the whole grace period.
    const slow = await h.createPod({ terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }, 'slow-stop');
    await eventually(async () => cs(await h.getPod('slow-stop'), 'c')['ready'] === true, 30_000, 'slow-stop running');
    await h.stack.client.delete(podsRef, 'default', 'slow-stop', {});
    await sleep(500);
    const t0 = Date.now();
    await h.createPod({ terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }, 'newcomer');
    await eventually(async () => statusOf(await h.getPod('newcomer'))['phase'] === 'Running' && cs(await h.getPod('newcomer'), 'c')['ready'] === true, 15_000, 'newcomer Running while slow-stop stops');
    assert.ok(Date.now() - t0 < 15_000, `newcomer took ${Date.now() - t0} ms`);
    assert.ok((await h.getPod('slow-stop'))?.metadata.deletionTimestamp, 'slow-stop is still terminating');
    assert.equal((await h.agent.runtime.podInstances(slow.metadata.uid ?? '')).get('c')?.[0]?.state, 'running');

    const t1 = Date.now();
    await h.stack.client.delete(podsRef, 'default', 'slow-stop', { gracePeriodSeconds: 0 });
    await eventually(() => !existsSync(h.agent.runtime.podDir(slow.metadata.uid ?? '')), 15_000, 'slow-stop torn down after the force delete');
    assert.ok(Date.now() - t1 < 15_000);
    assert.equal(cs(await h.getPod('newcomer'), 'c')['restartCount'], 0);
  } finally {
    await h.close();
  }
});

test('a container whose setup fails gets CreateContainerConfigError and an event; the others start; it is retried', { timeout: 90_000 }, async () => {
  const ac = new AbortController();
  const h = await nodeHarness({
    volumes: (config, client, onEvict) => {
      const vm = new VolumeManager({ podsDir: join(config.dataDir, 'pods'), client, clock: { now: () => new Date() }, onEvict });
      void vm.start(ac.signal);
      return vm;
    },
  });
  const cmRef = { group: '', version: 'v1', plural: 'configmaps' };
  try {
    await h.stack.client.create(cmRef, 'default', { metadata: { name: 'cm', namespace: 'default' }, data: { other: 'x' } });
    await h.startAgent();
    const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox', command: ['sleep', '3600'], ...extra });
    const pod = await h.createPod({
      terminationGracePeriodSeconds: 0,
      containers: [
        // Validation refuses '..' in subPath; through subPathExpr it reaches the node.
        sleeper('badsub', { env: [{ name: 'UP', value: '../../escape' }], volumeMounts: [{ name: 'd', mountPath: '/d', subPathExpr: '$(UP)' }] }),
        sleeper('badexpr', { volumeMounts: [{ name: 'd', mountPath: '/d', subPathExpr: '$(NOT_SET)' }] }),
        sleeper('badenv', { env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }),
        sleeper('good'),
      ],
      volumes: [{ name: 'd', emptyDir: {} }],
    }, 'setup');
    const waiting = (p: Pod | undefined, n: string): Obj => cs(p, n)['state']?.['waiting'] ?? {};
    await eventually(async () => {
      const p = await h.getPod('setup');
      return cs(p, 'good')['ready'] === true && waiting(p, 'badsub')['reason'] === 'CreateContainerConfigError' && waiting(p, 'badenv')['reason'] === 'CreateContainerConfigError' && waiting(p, 'badexpr')['reason'] === 'CreateContainerConfigError';
    }, 30_000, 'good running, the others CreateContainerConfigError').catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify((await h.getPod('setup'))?.status)}`);
    });
    const p = await h.getPod('setup');
    assert.match(waiting(p, 'badsub')['message'], /^failed to prepare subPath for volumeMount "d" of container "badsub"/);
    assert.match(waiting(p, 'badexpr')['message'], /NOT_SET/);
    assert.equal(waiting(p, 'badenv')['message'], "couldn't find key k in ConfigMap default/cm");
    const events = (await h.stack.client.list({ group: '', version: 'v1', plural: 'events' }, 'default')).items;
    const failed = events.filter((e) => e['reason'] === 'Failed' && e['type'] === 'Warning').map((e) => String(e['message']));
    assert.ok(failed.some((m) => m.startsWith('Error: failed to prepare subPath for volumeMount "d" of container "badsub"')), failed.join('\n'));
    assert.ok(failed.includes("Error: couldn't find key k in ConfigMap default/cm"), failed.join('\n'));
    // Nothing half-made is left for the failed containers.
    const inst = await h.agent.runtime.podInstances(pod.metadata.uid ?? '');
    for (const n of ['badsub', 'badexpr', 'badenv']) assert.deepEqual(inst.get(n) ?? [], [], n);
    assert.equal((await h.agent.runtime.runc.list()).length, 1);

    // Fixing the config lets the retry start the container.
    const cm = await h.stack.client.get(cmRef, 'default', 'cm');
    await h.stack.client.update(cmRef, 'default', { ...cm, data: { other: 'x', k: 'v' } });
    await eventually(async () => cs(await h.getPod('setup'), 'badenv')['ready'] === true, 30_000, 'badenv started after the fix');
  } finally {
    ac.abort();
    await h.close();
  }
});

test('after a reboot (the sandbox and instances carry another boot id) the sandbox is made again and the containers restart', { timeout: 90_000 }, async () => {
  const h = await nodeHarness();
  try {
    await h.startAgent();
    const pod = await h.createPod({ terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }, 'rebooted');
    await eventually(async () => cs(await h.getPod('rebooted'), 'c')['ready'] === true, 30_000, 'running');
    const podDir = h.agent.runtime.podDir(pod.metadata.uid ?? '');
    const sandbox = JSON.parse(readFileSync(join(podDir, 'sandbox.json'), 'utf8')) as Obj;
    assert.equal(sandbox['bootId'], h.agent.runtime.bootId);
    await h.stopAgent();
    // A reboot, as far as the disk can tell: conmon and the container are gone without an exit
    // file, every mount (namespaces, rootfs) vanished, the files stayed.
    const inst = join(podDir, 'containers', 'c', '0');
    const meta = JSON.parse(readFileSync(join(inst, 'meta.json'), 'utf8')) as Obj;
    assert.equal(meta['bootId'], h.agent.runtime.bootId);
    for (const f of ['conmon.pid', 'pid']) process.kill(Number(readFileSync(join(inst, f), 'utf8')), 'SIGKILL');
    await sleep(300);
    unmountUnder(podDir);
    writeFileSync(join(podDir, 'sandbox.json'), JSON.stringify({ ...sandbox, bootId: 'old-boot' }));
    writeFileSync(join(inst, 'meta.json'), JSON.stringify({ ...meta, bootId: 'old-boot' }));
    await h.startAgent();
    await eventually(async () => cs(await h.getPod('rebooted'), 'c')['ready'] === true && cs(await h.getPod('rebooted'), 'c')['restartCount'] === 1, 30_000, 'running again').catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify((await h.getPod('rebooted'))?.status)}`);
    });
    assert.equal((JSON.parse(readFileSync(join(podDir, 'sandbox.json'), 'utf8')) as Obj)['bootId'], h.agent.runtime.bootId);
  } finally {
    await h.close();
  }
});

test('an image whose /etc/passwd links to a host FIFO starts anyway: the link is resolved inside the rootfs', { timeout: 60_000 }, async () => {
  const h = await nodeHarness();
  const fifo = join(h.base, 'host-fifo');
  try {
    execFileSync('mkfifo', [fifo]);
    const passwd = join(h.images.layerDir, 'etc', 'passwd');
    rmSync(passwd);
    symlinkSync(fifo, passwd);
    await h.startAgent();
    await h.createPod({ terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }, 'fifo');
    await eventually(async () => cs(await h.getPod('fifo'), 'c')['ready'] === true, 15_000, 'running despite the FIFO link');
  } finally {
    // Should a read have followed the link to the host, release it so the process can exit.
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader: nothing hangs
    }
    await h.close();
  }
});
