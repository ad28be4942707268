// CSI volumes through real mounts: a trivial bind-mount driver (stage binds the backing directory
// at the globalmount, publish binds the globalmount into the pod) and a loop device published as a
// block volume, handed to a container spec as an OCI device with its cgroup rule.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Stack, testStack } from '../../controllers/testing/stack';
import { pvRef, pvcRef } from '../../machinery/refs';
import { mountPointsUnder, unmount } from '../../storage/mounts';
import { buildOciSpec } from '../runtime/oci-spec';
import type { Pod } from '../types';
import { BindDriver } from './testing/bind-driver';
import { registryOf } from './testing/fake-csi';
import { VolumeManager } from './volume-manager';

const run = promisify(execFile);
const NS = 'csi-real';
const tag = `${process.pid}`;

let base: string;
let stack: Stack;
let seq = 0;
const loops: string[] = [];

before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-csi-real-')));
  stack = await testStack();
  await stack.client.create({ group: '', version: 'v1', plural: 'namespaces' }, undefined, { metadata: { name: NS } });
});
after(async () => {
  for (const p of await mountPointsUnder(base)) await unmount(p);
  for (const l of loops) await run('losetup', ['-d', l]).catch(() => undefined);
  await rm(base, { recursive: true, force: true });
});

async function bound(name: string, driver: string, csi: Record<string, unknown>, o: { accessModes?: string[]; block?: boolean } = {}): Promise<void> {
  const accessModes = o.accessModes ?? ['ReadWriteOnce'];
  const mode = o.block ? { volumeMode: 'Block' } : {};
  const claim = await stack.client.create(pvcRef, NS, { metadata: { name }, spec: { storageClassName: '', volumeName: `pv-${name}-${tag}`, accessModes, ...mode, resources: { requests: { storage: '8Mi' } } } });
  await stack.client.create(pvRef, undefined, {
    metadata: { name: `pv-${name}-${tag}` },
    spec: { storageClassName: '', capacity: { storage: '8Mi' }, accessModes, ...mode, claimRef: { namespace: NS, name, uid: claim.metadata.uid }, csi: { driver, ...csi } },
  });
  await stack.client.patch(pvcRef, NS, name, 'merge', { status: { phase: 'Bound', capacity: { storage: '8Mi' } } }, {}, 'status');
}

function pod(claimName: string, use: Record<string, unknown>, readOnly = false): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `r${seq}`, namespace: NS, uid: `real-${tag}-${seq++}` },
    spec: { containers: [{ name: 'c', ...use }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName, ...(readOnly ? { readOnly: true } : {}) } }] },
  };
}

test('a real bind-mount driver: staged once, published per pod, read-only where asked, nothing left mounted after', async () => {
  const backing = join(base, 'backing');
  await mkdir(backing);
  await writeFile(join(backing, 'hello'), 'from the volume');
  const driver = new BindDriver('bind.csi.test', ['STAGE_UNSTAGE_VOLUME']);
  const vm = new VolumeManager({ podsDir: join(base, 'pods'), dataDir: base, client: stack.client, clock: { now: () => new Date() }, nodeName: 'n1', csiDrivers: registryOf(driver) });
  await bound('dir', 'bind.csi.test', { volumeHandle: 'dir-1', volumeAttributes: { path: backing } });
  const mounts = { volumeMounts: [{ name: 'data', mountPath: '/data' }] };
  const [rw, ro] = [pod('dir', mounts), pod('dir', mounts, true)];
  await vm.setUp(rw);
  await vm.setUp(ro);
  const src = (await vm.containerMounts(rw, rw.spec.containers[0]!, {}))[0]?.source ?? '';
  const roSrc = (await vm.containerMounts(ro, ro.spec.containers[0]!, {}))[0]?.source ?? '';
  assert.equal(await readFile(join(src, 'hello'), 'utf8'), 'from the volume');
  await writeFile(join(src, 'written'), 'by the pod');
  assert.equal(await readFile(join(backing, 'written'), 'utf8'), 'by the pod', 'the publish reaches the backing directory');
  await assert.rejects(writeFile(join(roSrc, 'nope'), 'x'), /EROFS/);
  const sub = await vm.containerMounts(rw, { name: 's', volumeMounts: [{ name: 'data', mountPath: '/sub', subPath: 'nested' }] }, {});
  await writeFile(join(sub[0]?.source ?? '', 'deep'), 'through a subPath');
  assert.equal(await readFile(join(backing, 'nested', 'deep'), 'utf8'), 'through a subPath');
  assert.deepEqual(driver.ops().map((s) => s.split(' ')[0]), ['stage', 'publish', 'publish']);
  await vm.tearDown(rw.metadata.uid ?? '');
  assert.equal(await readFile(join(roSrc, 'written'), 'utf8'), 'by the pod', 'still staged and published for the other pod');
  await vm.tearDown(ro.metadata.uid ?? '');
  assert.deepEqual(driver.ops().map((s) => s.split(' ')[0]), ['stage', 'publish', 'publish', 'unpublish', 'unpublish', 'unstage']);
  assert.deepEqual(await mountPointsUnder(base), []);
  assert.equal(await readFile(join(backing, 'written'), 'utf8'), 'by the pod', 'tear-down leaves the data alone');
});

test('a loop device as a block volume becomes an OCI device with a cgroup allow rule of its major:minor', async () => {
  const img = join(base, 'disk.img');
  await writeFile(img, '');
  await run('truncate', ['-s', '8M', img]);
  const loop = (await run('losetup', ['-f', '--show', img])).stdout.trim();
  loops.push(loop);
  const [major, minor] = (await run('stat', ['-c', '%t %T', loop])).stdout.trim().split(' ').map((h) => parseInt(h, 16));
  const driver = new BindDriver('block.csi.test', []);
  const vm = new VolumeManager({ podsDir: join(base, 'pods'), dataDir: base, client: stack.client, clock: { now: () => new Date() }, nodeName: 'n1', csiDrivers: registryOf(driver) });
  await bound('blk', 'block.csi.test', { volumeHandle: 'blk-1', volumeAttributes: { device: loop } }, { block: true });
  await bound('blk-ro', 'block.csi.test', { volumeHandle: 'blk-2', volumeAttributes: { device: loop } }, { block: true, accessModes: ['ReadOnlyMany'] });
  const devices = { volumeDevices: [{ name: 'data', devicePath: '/dev/xvda' }] };
  const [p, q] = [pod('blk', devices), pod('blk-ro', devices)];
  await vm.setUp(p);
  await vm.setUp(q);
  const got = await vm.containerDevices(p, p.spec.containers[0]!);
  assert.deepEqual(got, [{ path: '/dev/xvda', type: 'b', major, minor, readOnly: false }]);
  assert.deepEqual(await vm.containerDevices(q, q.spec.containers[0]!), [{ path: '/dev/xvda', type: 'b', major, minor, readOnly: true }]);
  const spec = buildOciSpec({
    pod: p, container: p.spec.containers[0]!, image: { Cmd: ['sh'] }, env: [], volumeMounts: [], devices: got,
    files: { hosts: '/h', resolvConf: '/r', hostname: '/n', terminationLog: '/t' }, namespaces: { net: '/ns/net', ipc: '/ns/ipc', uts: '/ns/uts' }, cgroupsPath: '/berth/x', user: { uid: 0, gid: 0 },
  });
  assert.deepEqual(spec.linux['devices'], [{ path: '/dev/xvda', type: 'b', major, minor, fileMode: 0o660, uid: 0, gid: 0 }]);
  assert.deepEqual((spec.linux['resources'] as { devices: unknown }).devices, [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major, minor, access: 'rwm' }]);
  await vm.tearDown(p.metadata.uid ?? '');
  await vm.tearDown(q.metadata.uid ?? '');
  assert.deepEqual(driver.ops().map((s) => s.split(' ')[0]), ['publish', 'publish', 'unpublish', 'unpublish']);
  assert.deepEqual(await mountPointsUnder(base), []);
});
