// conmon's attach-socket links: made outside runc's root (so `runc list` sees only containers)
// and removed with the instance (so no link per container ever started is left behind).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { realTimer } from '../../controllers/queue';
import type { Pod } from '../types';
import { removeCgroup } from './cgroups';
import { ContainerRuntime, type InstanceMeta } from './containers';
import { buildOciSpec } from './oci-spec';
import { FakeImages, FakeNetwork, unmountUnder } from './testing/fakes';

test('an exited container leaves no attach-socket link once released, and runc list has nothing to complain about', async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-rt-sock-'));
  const cg = `berth-test-${process.pid}-sock`;
  const net = new FakeNetwork();
  const images = new FakeImages(join(base, 'layer'));
  const rt = new ContainerRuntime({ dataDir: join(base, 'node'), timer: realTimer });
  const uid = 'pod-uid-sock';
  const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid }, spec: { containers: [] } };
  const nsDir = join(rt.podDir(uid), 'ns');
  try {
    const ns = await net.createNamespaces(nsDir, 'p');
    for (const f of ['etc-hosts', 'resolv.conf', 'hostname']) writeFileSync(join(rt.podDir(uid), f), '');
    const meta: InstanceMeta = { id: rt.newId(), podUid: uid, podName: 'p', podNamespace: 'default', name: 'c', attempt: 0, image: 'busybox', imageName: 'busybox', imageRef: 'x', imageId: images.id, createdAt: new Date().toISOString() };
    const dir = await rt.prepare(meta, await images.layerPaths());
    const spec = buildOciSpec({
      pod, container: { name: 'c', command: ['sh', '-c', 'exit 0'] }, image: {}, env: [], volumeMounts: [],
      files: { hosts: join(rt.podDir(uid), 'etc-hosts'), resolvConf: join(rt.podDir(uid), 'resolv.conf'), hostname: join(rt.podDir(uid), 'hostname'), terminationLog: join(dir, 'termination-log') },
      namespaces: ns, cgroupsPath: `/${cg}/pod${uid}/${meta.id}`, user: { uid: 0, gid: 0 },
    });
    await rt.start(meta, spec, () => new Date().toISOString());
    const link = join(rt.socketDir(), meta.id);
    assert.ok(lstatSync(link).isSymbolicLink(), 'conmon linked the attach socket dir');
    assert.ok(!rt.socketDir().startsWith(rt.runc.root), 'the socket dir is not inside runc\'s root');

    const deadline = Date.now() + 10_000;
    let inst = await rt.inspect(dir);
    while (inst?.state !== 'exited' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      inst = await rt.inspect(dir);
    }
    assert.equal(inst?.state, 'exited');
    const listed = spawnSync('runc', ['--root', rt.runc.root, 'list'], { encoding: 'utf8' });
    assert.equal(listed.stderr, '', 'runc list reads only container state dirs');

    await rt.release(inst);
    assert.equal(existsSync(link), false, 'the link goes with the runc container');
  } finally {
    await net.tearDown(uid, nsDir);
    for (const c of await rt.runc.list().catch(() => [])) await rt.runc.delete(c.id);
    await removeCgroup(`/${cg}`);
    unmountUnder(base);
    rmSync(base, { recursive: true, force: true });
  }
});
