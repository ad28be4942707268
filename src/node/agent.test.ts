import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { eventually } from '../controllers/testing/fake-timer';
import { cgroupExists } from './runtime/cgroups';
import { nodeHarness, podsRef } from './runtime/testing/node-harness';
import type { NodeAgent } from './agent';
import type { Pod } from './types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- status JSON is read loosely
type Obj = Record<string, any>;
const seedSpec = () => ({
  containers: [
    { name: 'writer', image: 'busybox', command: ['/bin/sh', '-c', "echo 'Hello from Writer Pod' > /data/hello.txt; sleep 3600"], volumeMounts: [{ name: 'shared-data', mountPath: '/data' }] },
    { name: 'reader', image: 'busybox', command: ['/bin/sh', '-c', 'cat /data/hello.txt; sleep 3600'], volumeMounts: [{ name: 'shared-data', mountPath: '/data' }] },
  ],
  volumes: [{ name: 'shared-data', emptyDir: {} }],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
});
const statusOf = (p: Pod | undefined): Obj => p?.status ?? {};
const cs = (p: Pod | undefined, name: string): Obj => (statusOf(p)['containerStatuses'] as Obj[] | undefined)?.find((c) => c['name'] === name) ?? {};

async function execText(agent: NodeAgent, pod: string, container: string, cmd: string[], tty = false): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const code = await agent.exec({ namespace: 'default', name: pod }, container, cmd, { tty, stdout: out, stderr: out });
  return { code, out: text };
}

test('the seed pod runs 2/2 with a shared emptyDir, restarts a killed container, survives an agent restart, and is deleted cleanly', { timeout: 120_000 }, async () => {
  const h = await nodeHarness();
  try {
    await h.startAgent();
    const created = await h.createPod(seedSpec(), 'shared');
    const uid = created.metadata.uid ?? '';
    await eventually(async () => {
      const p = await h.getPod('shared');
      return statusOf(p)['phase'] === 'Running' && cs(p, 'writer')['ready'] === true && cs(p, 'reader')['ready'] === true;
    }, 30_000, 'Running 2/2');
    let pod = await h.getPod('shared');
    const st = statusOf(pod);
    assert.deepEqual(st['conditions'].map((c: Obj) => `${c['type']}=${c['status']}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    assert.equal(st['podIP'], '127.0.0.1');
    assert.equal(st['qosClass'], 'BestEffort');
    assert.deepEqual(st['containerStatuses'].map((c: Obj) => c['name']), ['reader', 'writer']);
    const w0 = cs(pod, 'writer');
    assert.equal(w0['image'], 'docker.io/library/busybox:latest');
    assert.match(w0['imageID'], /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
    assert.match(w0['containerID'], /^berth:\/\/[0-9a-f]{32}$/);
    assert.ok(w0['state']['running']['startedAt']);
    assert.equal(w0['restartCount'], 0);

    // Both containers see the file; the reader logged it in CRI format.
    assert.deepEqual(await execText(h.agent, 'shared', 'reader', ['sh', '-c', 'cat /data/hello.txt']), { code: 0, out: 'Hello from Writer Pod\n' });
    assert.deepEqual(await execText(h.agent, 'shared', 'writer', ['cat', '/data/hello.txt']), { code: 0, out: 'Hello from Writer Pod\n' });
    assert.equal((await execText(h.agent, 'shared', 'reader', ['sh', '-c', 'exit 3'])).code, 3);
    const log = readFileSync(await h.agent.logFile({ namespace: 'default', name: 'shared' }, 'reader', false), 'utf8');
    assert.match(log, /^\d{4}-\d\d-\d\dT\S+ stdout F Hello from Writer Pod$/m);
    assert.equal(log, readFileSync(join(h.config.dataDir, 'pods', uid, 'logs', 'reader', '0.log'), 'utf8'));
    // Shared network/UTS: same hostname in both containers.
    assert.equal((await execText(h.agent, 'shared', 'reader', ['hostname'])).out, 'shared\n');
    // TTY exec goes through a pty: the process sees a terminal.
    const tty = await execText(h.agent, 'shared', 'reader', ['sh', '-c', 'test -t 0 && stty size'], true);
    assert.equal(tty.code, 0);
    assert.match(tty.out, /24 80/);

    // Kill the writer's process: restarted (restartCount 1), the file still there.
    const writerPid = Number(readFileSync(join(h.config.dataDir, 'pods', uid, 'containers', 'writer', '0', 'pid'), 'utf8'));
    process.kill(writerPid, 'SIGKILL');
    await eventually(async () => {
      const p = await h.getPod('shared');
      return cs(p, 'writer')['restartCount'] === 1 && cs(p, 'writer')['ready'] === true;
    }, 30_000, 'writer restarted');
    pod = await h.getPod('shared');
    const w1 = cs(pod, 'writer');
    assert.equal(w1['lastState']['terminated']['exitCode'], 137);
    assert.equal(w1['lastState']['terminated']['reason'], 'Error');
    assert.equal(w1['lastState']['terminated']['containerID'], w0['containerID']);
    assert.notEqual(w1['containerID'], w0['containerID']);
    assert.equal((await execText(h.agent, 'shared', 'reader', ['cat', '/data/hello.txt'])).out, 'Hello from Writer Pod\n');
    // The previous instance's log is kept for --previous.
    assert.match(await h.agent.logFile({ namespace: 'default', name: 'shared' }, 'writer', true), /writer\/0\.log$/);

    // Agent restart: the containers keep running and are re-adopted without restarts.
    await h.stopAgent();
    await h.startAgent();
    await new Promise((r) => setTimeout(r, 1500));
    pod = await h.getPod('shared');
    assert.equal(cs(pod, 'writer')['containerID'], w1['containerID']);
    assert.equal(cs(pod, 'writer')['restartCount'], 1);
    assert.equal(cs(pod, 'reader')['containerID'], cs(await h.getPod('shared'), 'reader')['containerID']);
    assert.equal(cs(pod, 'reader')['restartCount'], 0);
    assert.equal((await execText(h.agent, 'shared', 'reader', ['cat', '/data/hello.txt'])).out, 'Hello from Writer Pod\n');

    // Graceful delete (sh ignores SIGTERM as pid 1: killed after the 2 s grace), then everything is gone.
    const t0 = Date.now();
    await h.stack.client.delete(podsRef, 'default', 'shared', { gracePeriodSeconds: 2 });
    await eventually(async () => (await h.getPod('shared')) === undefined, 30_000, 'pod deleted');
    assert.ok(Date.now() - t0 >= 2000, 'waited for the grace period');
    assert.equal(existsSync(join(h.config.dataDir, 'pods', uid)), false);
    assert.equal(await cgroupExists(`/${h.config.cgroupParent}/pod${uid}`), false);
    assert.deepEqual(await h.agent.runtime.runc.list(), []);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(h.base), false);
    const events = (await h.stack.client.list({ group: '', version: 'v1', plural: 'events' }, 'default')).items.map((e) => `${String(e['reason'])}: ${String(e['message'])}`);
    for (const want of ['Pulled: Successfully pulled image "busybox"', 'Created: Created container writer', 'Started: Started container reader', 'Killing: Stopping container writer']) {
      assert.ok(events.some((e) => e.startsWith(want)), `event ${want} in ${events.join('\n')}`);
    }
    assert.deepEqual(readdirSync(join(h.config.dataDir, 'pods')), []);
  } finally {
    await h.close();
  }
});

test('exec with a TTY follows resizes; stdin reaches the process', { timeout: 60_000 }, async () => {
  const h = await nodeHarness();
  try {
    await h.startAgent();
    await h.createPod({ containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 0 }, 'tty');
    await eventually(async () => cs(await h.getPod('tty'), 'c')['ready'] === true, 30_000, 'running');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    let resize: ((s: { width: number; height: number }) => void) | undefined;
    const done = h.agent.exec({ namespace: 'default', name: 'tty' }, 'c', ['sh', '-c', 'sleep 0.3; stty size; read x; stty size; exit 5'], {
      tty: true, stdin, stdout, onResize: (l) => (resize = l),
    });
    await eventually(() => out.includes('24 80'), 10_000, 'first size');
    resize?.({ width: 100, height: 30 });
    await new Promise((r) => setTimeout(r, 100));
    stdin.write('\r');
    assert.equal(await done, 5);
    assert.match(out, /30 100/);
    // Without a TTY: plain pipes, stdin piped, stderr apart.
    const stdin2 = new PassThrough();
    const o2 = new PassThrough();
    const e2 = new PassThrough();
    let so = '';
    let se = '';
    o2.on('data', (d: Buffer) => (so += d.toString()));
    e2.on('data', (d: Buffer) => (se += d.toString()));
    const p2 = h.agent.exec({ namespace: 'default', name: 'tty' }, 'c', ['sh', '-c', 'cat; echo err >&2'], { tty: false, stdin: stdin2, stdout: o2, stderr: e2 });
    stdin2.end('piped\n');
    assert.equal(await p2, 0);
    assert.deepEqual([so, se], ['piped\n', 'err\n']);
    await assert.rejects(h.agent.exec({ namespace: 'default', name: 'tty' }, 'nope', ['true'], { tty: false }), /container nope is not valid/);
    await assert.rejects(h.agent.exec({ namespace: 'default', name: 'ghost' }, 'c', ['true'], { tty: false }), /not running on node/);
  } finally {
    await h.close();
  }
});

test('a pod deleted while the agent is down is cleaned up on start; evict marks Failed/Evicted and kills', { timeout: 60_000 }, async () => {
  const h = await nodeHarness();
  try {
    await h.startAgent();
    const a = await h.createPod(seedSpec(), 'gone');
    const b = await h.createPod({ containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }, 'evictme');
    await eventually(async () => cs(await h.getPod('gone'), 'reader')['ready'] === true && cs(await h.getPod('evictme'), 'c')['ready'] === true, 30_000, 'running');
    await h.stopAgent();
    await h.stack.client.delete(podsRef, 'default', 'gone', { gracePeriodSeconds: 0 });
    await h.startAgent();
    const uidA = a.metadata.uid ?? '';
    assert.equal(existsSync(join(h.config.dataDir, 'pods', uidA)), false);
    assert.equal(await cgroupExists(`/${h.config.cgroupParent}/pod${uidA}`), false);
    assert.equal((await h.agent.runtime.runc.list()).length, 1);

    h.agent.evict(b.metadata.uid ?? '', 'Usage of EmptyDir volume "d" exceeds the limit "1Mi".');
    await eventually(async () => statusOf(await h.getPod('evictme'))['phase'] === 'Failed', 20_000, 'evicted');
    const p = await h.getPod('evictme');
    assert.deepEqual([statusOf(p)['reason'], statusOf(p)['message']], ['Evicted', 'Usage of EmptyDir volume "d" exceeds the limit "1Mi".']);
    assert.equal(cs(p, 'c')['state']['terminated']?.['exitCode'], 137, JSON.stringify(p?.status));
    assert.equal((await h.agent.runtime.runc.list()).filter((c) => c.status === 'running').length, 0);
  } finally {
    await h.close();
  }
});

test(`nothing leaks after ${process.env['BERTH_CYCLES'] ?? 10} create/delete cycles`, { timeout: 600_000 }, async () => {
  const cycles = Number(process.env['BERTH_CYCLES'] ?? 10);
  const h = await nodeHarness();
  try {
    await h.startAgent();
    for (let i = 0; i < cycles; i++) {
      const name = `cycle-${i}`;
      await h.createPod({ ...seedSpec(), terminationGracePeriodSeconds: 0 }, name);
      await eventually(async () => cs(await h.getPod(name), 'reader')['ready'] === true && cs(await h.getPod(name), 'writer')['ready'] === true, 30_000, `${name} running`);
      await h.stack.client.delete(podsRef, 'default', name, {});
      await eventually(async () => (await h.getPod(name)) === undefined, 30_000, `${name} deleted`);
    }
    // With grace 0 the API object goes first and the teardown follows.
    await eventually(() => readdirSync(join(h.config.dataDir, 'pods')).length === 0, 10_000, 'pod dirs removed');
    assert.deepEqual(await h.agent.runtime.runc.list(), []);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(h.base), false, 'no mounts left (overlays, nsfs)');
    for (const ctrl of ['memory', 'cpu', 'pids']) {
      const dir = `/sys/fs/cgroup/${ctrl}/${h.config.cgroupParent}`;
      if (existsSync(dir)) assert.deepEqual(readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name), [], ctrl);
    }
    const conmons = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(h.config.dataDir);
      } catch {
        return false;
      }
    });
    assert.deepEqual(conmons, [], 'no conmon or container process left');
  } finally {
    await h.close();
  }
});

test('probes: readiness gates Ready, a failing liveness probe restarts the container, a startup probe holds the others', { timeout: 90_000 }, async () => {
  const h = await nodeHarness();
  try {
    await h.startAgent();
    const probe = (cmd: string, extra: Record<string, unknown> = {}) => ({ exec: { command: ['sh', '-c', cmd] }, periodSeconds: 1, failureThreshold: 1, ...extra });
    await h.createPod({
      terminationGracePeriodSeconds: 0,
      containers: [
        { name: 'web', image: 'busybox', command: ['sleep', '3600'], readinessProbe: probe('test -f /tmp/ready'), startupProbe: probe('test -f /tmp/started', { failureThreshold: 100 }) },
        { name: 'live', image: 'busybox', command: ['sleep', '3600'], livenessProbe: probe('test ! -f /tmp/dead', { failureThreshold: 2 }) },
      ],
    }, 'probed');
    await eventually(async () => cs(await h.getPod('probed'), 'live')['ready'] === true && cs(await h.getPod('probed'), 'web')['state']?.['running'] !== undefined, 30_000, 'running');
    let p = await h.getPod('probed');
    assert.deepEqual([cs(p, 'web')['started'], cs(p, 'web')['ready']], [false, false]);
    await execText(h.agent, 'probed', 'web', ['touch', '/tmp/ready']);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(cs(await h.getPod('probed'), 'web')['ready'], false, 'readiness waits for the startup probe');
    await execText(h.agent, 'probed', 'web', ['touch', '/tmp/started']);
    await eventually(async () => cs(await h.getPod('probed'), 'web')['ready'] === true, 10_000, 'web ready');
    p = await h.getPod('probed');
    assert.equal(cs(p, 'web')['started'], true);
    assert.equal(statusOf(p)['conditions'].find((c: Obj) => c['type'] === 'Ready')['status'], 'True');
    await execText(h.agent, 'probed', 'web', ['rm', '/tmp/ready']);
    await eventually(async () => cs(await h.getPod('probed'), 'web')['ready'] === false, 10_000, 'web unready');
    assert.equal(statusOf(await h.getPod('probed'))['conditions'].find((c: Obj) => c['type'] === 'Ready')['message'], 'containers with unready status: [web]');

    await execText(h.agent, 'probed', 'live', ['touch', '/tmp/dead']);
    await eventually(async () => cs(await h.getPod('probed'), 'live')['restartCount'] === 1, 20_000, 'liveness restart');
    const events = (await h.stack.client.list({ group: '', version: 'v1', plural: 'events' }, 'default')).items.map((e) => `${String(e['reason'])}: ${String(e['message'])}`);
    assert.ok(events.some((e) => e.startsWith('Unhealthy: Liveness probe failed')), events.join('\n'));
    assert.ok(events.some((e) => e === 'Killing: Container live failed liveness probe, will be restarted'), events.join('\n'));
    // The new instance has a fresh /tmp: healthy again.
    await eventually(async () => cs(await h.getPod('probed'), 'live')['ready'] === true, 10_000, 'live ready again');
  } finally {
    await h.close();
  }
});
