import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
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
