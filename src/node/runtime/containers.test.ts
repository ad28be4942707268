import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realTimer } from '../../controllers/queue';
import type { Pod } from '../types';
import { ContainerRuntime, type InstanceMeta } from './containers';
import { buildOciSpec } from './oci-spec';
import { removeCgroup, cgroupExists } from './cgroups';
import { FakeImages, FakeNetwork, unmountUnder } from './testing/fakes';

async function until<T>(fn: () => Promise<T | undefined>, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('runc + conmon: a container runs in the pod namespaces, logs in CRI format, exits with its code, OOM is seen', async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-rt-'));
  const cg = `berth-test-${process.pid}-rt`;
  const net = new FakeNetwork();
  const images = new FakeImages(join(base, 'layer'));
  const rt = new ContainerRuntime({ dataDir: join(base, 'node'), timer: realTimer });
  const uid = 'pod-uid-1';
  const pod: Pod = { metadata: { name: 'p1', namespace: 'default', uid }, spec: { containers: [] } };
  const nsDir = join(rt.podDir(uid), 'ns');
  try {
    const ns = await net.createNamespaces(nsDir, 'p1');
    for (const f of ['etc-hosts', 'resolv.conf', 'hostname']) writeFileSync(join(rt.podDir(uid), f), f === 'hostname' ? 'p1\n' : '');
    const startOne = async (name: string, cmd: string, limits?: Record<string, string>) => {
      const meta: InstanceMeta = { id: rt.newId(), podUid: uid, podName: 'p1', podNamespace: 'default', name, attempt: 0, image: 'busybox', imageName: 'docker.io/library/busybox:latest', imageRef: 'x', imageId: images.id, createdAt: new Date().toISOString() };
      const dir = await rt.prepare(meta, await images.layerPaths());
      const spec = buildOciSpec({
        pod, container: { name, command: ['sh', '-c', cmd], ...(limits ? { resources: { limits } } : {}) }, image: {}, env: [], volumeMounts: [],
        files: { hosts: join(rt.podDir(uid), 'etc-hosts'), resolvConf: join(rt.podDir(uid), 'resolv.conf'), hostname: join(rt.podDir(uid), 'hostname'), terminationLog: join(dir, 'termination-log') },
        namespaces: ns, cgroupsPath: `/${cg}/pod${uid}/${meta.id}`, user: { uid: 0, gid: 0 },
      });
      await rt.start(meta, spec, () => new Date().toISOString());
      return dir;
    };
    const d1 = await startOne('a', 'echo out; echo err >&2; hostname; exit 3');
    const i1 = await until(async () => { const i = await rt.inspect(d1); return i?.state === 'exited' ? i : undefined; });
    assert.equal(i1.exitCode, 3);
    assert.equal(i1.oom, false);
    const log = readFileSync(rt.logPath(uid, 'a', 0), 'utf8');
    assert.match(log, /^\S+ stdout F out$/m);
    assert.match(log, /^\S+ stderr F err$/m);
    assert.match(log, /^\S+ stdout F p1$/m);

    // SIGTERM handled: exits at once with the handler's code.
    const d2 = await startOne('b', 'trap "exit 7" TERM; while true; do sleep 0.1; done');
    const i2 = await until(async () => { const i = await rt.inspect(d2); return i?.state === 'running' ? i : undefined; });
    assert.ok(i2.pid && i2.pid > 0);
    let t0 = Date.now();
    await rt.stop(i2, 5000);
    assert.ok(Date.now() - t0 < 3000);
    assert.equal((await rt.inspect(d2))?.exitCode, 7);
    // pid 1 without a handler ignores SIGTERM: killed after the grace period.
    const d2b = await startOne('b2', 'sleep 1000');
    const i2b = await until(async () => { const i = await rt.inspect(d2b); return i?.state === 'running' ? i : undefined; });
    t0 = Date.now();
    await rt.stop(i2b, 1000);
    assert.ok(Date.now() - t0 >= 1000);
    assert.equal((await rt.inspect(d2b))?.exitCode, 137);

    const d3 = await startOne('c', 'dd if=/dev/zero of=/dev/shm/x bs=1M count=64; sleep 1; x=$(head -c 40000000 /dev/zero | tr "\\0" a); echo survived', { memory: '16Mi' });
    const i3 = await until(async () => { const i = await rt.inspect(d3); return i?.state === 'exited' ? i : undefined; }, 20000);
    assert.equal(i3.exitCode, 137);
    assert.equal(i3.oom, true);

    for (const d of [d1, d2, d2b, d3]) { const i = await rt.inspect(d); if (i) await rt.purge(i); }
    assert.equal(existsSync(d1), false);
    assert.deepEqual(await rt.runc.list(), []);
  } finally {
    await net.tearDown(uid, nsDir);
    await removeCgroup(`/${cg}`);
    assert.equal(await cgroupExists(`/${cg}`), false);
    for (const c of await rt.runc.list().catch(() => [])) await rt.runc.delete(c.id);
    unmountUnder(base);
    rmSync(base, { recursive: true, force: true });
  }
});

test('after a reboot (other boot id) or with a conmon pid now used by another process, an instance is not taken as running', async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-boot-'));
  const rt = new ContainerRuntime({ dataDir: join(base, 'node'), timer: realTimer });
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    assert.match(rt.bootId, /^[0-9a-f-]{36}$/);
    const write = (name: string, bootId: string, conmonPid: number) => {
      const dir = rt.instanceDir('uid-boot', name, 0);
      mkdirSync(dir, { recursive: true });
      const meta = { id: rt.newId(), podUid: 'uid-boot', podName: 'p', podNamespace: 'default', name, attempt: 0, image: 'busybox', imageName: 'b', imageRef: 'b', imageId: 'b', createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:01.000Z', bootId };
      writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
      writeFileSync(join(dir, 'conmon.pid'), String(conmonPid));
      writeFileSync(join(dir, 'pid'), String(conmonPid));
      return dir;
    };
    // Before a reboot: whatever the pid files say, it exited.
    const rebooted = await rt.inspect(write('rebooted', 'old-boot-id', process.pid));
    assert.deepEqual([rebooted?.state, rebooted?.exitCode], ['exited', 255]);
    // This boot, but the conmon pid belongs to an unrelated process (and runc does not know the container).
    const reused = await rt.inspect(write('reused', rt.bootId, other.pid ?? 0));
    assert.deepEqual([reused?.state, reused?.exitCode], ['exited', 255]);
  } finally {
    other.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  }
});

test('a conmon that never reports is killed and its container force-deleted; the instance is marked failed', { timeout: 30_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-cto-'));
  const images = new FakeImages(join(base, 'layer'));
  const runcRoot = join(base, 'node', 'runc');
  // Stands in for a conmon that hangs after `runc create`: it parses the bundle, id and pid file
  // from conmon's own arguments, creates the container, writes its pid file and never reports.
  const fake = join(base, 'hung-conmon');
  writeFileSync(fake, [
    '#!/bin/sh',
    'while [ $# -gt 0 ]; do case "$1" in -b) b=$2; shift;; -c) id=$2; shift;; -P) pf=$2; shift;; esac; shift; done',
    `runc --root ${runcRoot} create --bundle "$b" "$id" || exit 1`,
    'echo $$ > "$pf"',
    'while :; do sleep 1; done',
    '',
  ].join('\n'), { mode: 0o755 });
  const rt = new ContainerRuntime({ dataDir: join(base, 'node'), timer: realTimer, conmonBinary: fake, conmonTimeoutMs: 1500 });
  const uid = 'pod-uid-cto';
  const cg = `berth-test-${process.pid}-cto`;
  const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid }, spec: { containers: [] } };
  const net = new FakeNetwork();
  const nsDir = join(rt.podDir(uid), 'ns');
  try {
    const ns = await net.createNamespaces(nsDir, 'p');
    for (const f of ['etc-hosts', 'resolv.conf', 'hostname']) writeFileSync(join(rt.podDir(uid), f), '');
    const meta: InstanceMeta = { id: rt.newId(), podUid: uid, podName: 'p', podNamespace: 'default', name: 'c', attempt: 0, image: 'busybox', imageName: 'b', imageRef: 'b', imageId: images.id, createdAt: new Date().toISOString() };
    const dir = await rt.prepare(meta, await images.layerPaths());
    const spec = buildOciSpec({
      pod, container: { name: 'c', command: ['sleep', '60'] }, image: {}, env: [], volumeMounts: [],
      files: { hosts: join(rt.podDir(uid), 'etc-hosts'), resolvConf: join(rt.podDir(uid), 'resolv.conf'), hostname: join(rt.podDir(uid), 'hostname'), terminationLog: join(dir, 'termination-log') },
      namespaces: ns, cgroupsPath: `/${cg}/pod${uid}/${meta.id}`, user: { uid: 0, gid: 0 },
    });
    await assert.rejects(rt.start(meta, spec, () => new Date().toISOString()), /conmon did not report within 1500 ms/);
    const fakePid = Number(readFileSync(join(dir, 'conmon.pid'), 'utf8'));
    assert.ok(fakePid > 0, 'the fake conmon got as far as runc create');
    await until(async () => (existsSync(`/proc/${fakePid}`) ? undefined : true), 5000);
    assert.equal(await rt.runc.state(meta.id), undefined, 'the created container is gone');
    const inst = await rt.inspect(dir);
    assert.equal(inst?.state, 'exited');
    assert.match(inst?.meta.startError ?? '', /did not report/);
    if (inst) await rt.purge(inst);
  } finally {
    // Should the runtime not have killed the fake conmon, this test does (by the pid it wrote).
    try {
      const left = Number(readFileSync(join(rt.instanceDir(uid, 'c', 0), 'conmon.pid'), 'utf8'));
      if (left > 0 && readFileSync(`/proc/${left}/cmdline`, 'utf8').includes(fake)) process.kill(left, 'SIGKILL');
    } catch {
      // gone already
    }
    for (const c of await rt.runc.list().catch(() => [])) await rt.runc.delete(c.id);
    await net.tearDown(uid, nsDir);
    unmountUnder(base);
    await removeCgroup(`/${cg}`);
    rmSync(base, { recursive: true, force: true });
  }
});
