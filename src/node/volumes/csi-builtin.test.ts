// The node volume manager with the built-in block driver (ext4 on a loop device): a volume grown
// while a pod uses it waits (FileSystemResizePending) where the host cannot grow a mounted ext4,
// and is grown offline when it is next staged; the claim then records the new size.
import assert from 'node:assert/strict';
import { readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventRecorder } from '../../controllers/events';
import { type Stack, testStack } from '../../controllers/testing/stack';
import { pvRef, pvcRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import { BlockDriver } from '../../storage/csi/builtin/block';
import { BLOCK_DRIVER, type CsiDriver } from '../../storage/csi/types';
import { VolumePool } from '../../storage/pool/pool';
import { loopsUnder, Scratch, sh } from '../../storage/pool/test-fixture';
import type { Pod } from '../types';
import { VolumeManager } from './volume-manager';

const MiB = 1n << 20n;
const NS = 'csi-builtin';
const tag = `${process.pid}`;
let s: Scratch;
let stack: Stack;

before(async () => {
  s = await Scratch.make('berth-csi-builtin-');
  stack = await testStack();
  await stack.client.create({ group: '', version: 'v1', plural: 'namespaces' }, undefined, { metadata: { name: NS } });
});
after(async () => s.cleanup());

const fsBytes = async (p: string): Promise<bigint> => {
  const f = await statfs(p, { bigint: true });
  return f.blocks * f.bsize;
};

test('block driver: online growth refused on this host keeps FileSystemResizePending; the next stage grows it and the claim records it', async () => {
  const driver: CsiDriver = new BlockDriver({ pool: new VolumePool({ root: join(s.dir, 'pool'), clock: { now: () => new Date() } }), nodeName: 'n1' });
  const events: { obj: KObject; reason: string; message: string }[] = [];
  const recorder: EventRecorder = { event: (obj, _type, reason, message) => events.push({ obj, reason, message }) };
  const vm = new VolumeManager({
    podsDir: join(s.dir, 'node', 'pods'), dataDir: join(s.dir, 'node'), client: stack.client, clock: { now: () => new Date() }, nodeName: 'n1', recorder,
    csiDrivers: { get: (n) => (n === BLOCK_DRIVER ? driver : undefined), names: () => [BLOCK_DRIVER] },
  });
  const vol = await driver.createVolume({ name: `pvc-grow-${tag}`, requiredBytes: 32n * MiB, capabilities: [{ accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER' }], parameters: {} });
  const claim = await stack.client.create(pvcRef, NS, { metadata: { name: 'grow' }, spec: { storageClassName: '', volumeName: vol.volumeId, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '32Mi' } } } });
  await stack.client.create(pvRef, undefined, {
    metadata: { name: vol.volumeId },
    spec: { storageClassName: '', capacity: { storage: '32Mi' }, accessModes: ['ReadWriteOnce'], claimRef: { namespace: NS, name: 'grow', uid: claim.metadata.uid }, csi: { driver: BLOCK_DRIVER, volumeHandle: vol.volumeId, fsType: 'ext4', volumeAttributes: vol.volumeContext } },
  });
  await stack.client.patch(pvcRef, NS, 'grow', 'merge', { status: { phase: 'Bound', capacity: { storage: '32Mi' } } }, {}, 'status');
  let seq = 0;
  const pod = (): Pod => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `g${seq}`, namespace: NS, uid: `grow-${tag}-${seq++}` },
    spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'grow' } }] },
  });
  const source = async (p: Pod) => (await vm.containerMounts(p, p.spec.containers[0]!, {}))[0]?.source ?? '';

  const first = pod();
  await vm.setUp(first);
  const mnt = await source(first);
  await writeFile(join(mnt, 'keep'), 'data survives growth');
  const before = await fsBytes(mnt);
  assert.ok(before < 33n * MiB, `ext4 of about 32 MiB, got ${before}`);

  // What the resizer does: ControllerExpandVolume, the PV's new capacity, the claim waiting for the node.
  assert.equal((await driver.controllerExpandVolume(vol.volumeId, 64n * MiB)).nodeExpansionRequired, true);
  await stack.client.patch(pvRef, undefined, vol.volumeId, 'merge', { spec: { capacity: { storage: '64Mi' } } });
  await stack.client.patch(pvcRef, NS, 'grow', 'merge', { status: { conditions: [{ type: 'FileSystemResizePending', status: 'True' }] } }, {}, 'status');
  await vm.resync();
  await vm.resync();
  const status = async () => (await stack.client.get(pvcRef, NS, 'grow')).status as { capacity: { storage: string }; conditions?: { type: string }[] };
  const reasons = () => events.filter((e) => e.obj.kind === 'PersistentVolumeClaim').map((e) => e.reason);
  if ((await fsBytes(mnt)) === before) {
    // No CAP_SYS_RESOURCE here: the mounted ext4 cannot grow.
    assert.deepEqual((await status()).capacity, { storage: '32Mi' });
    assert.deepEqual((await status()).conditions?.map((c) => c.type), ['FileSystemResizePending']);
    assert.deepEqual(reasons(), ['FileSystemResizeFailed'], 'one warning, however many passes');
    assert.match(events[0]?.message ?? '', /FAILED_PRECONDITION: .*CAP_SYS_RESOURCE.*restart the pod/);
    await vm.tearDown(first.metadata.uid ?? '');
    assert.deepEqual(await loopsUnder(s.dir), [], 'unstaged: the loop device is detached');
    const second = pod();
    await vm.setUp(second);
    assert.ok((await fsBytes(await source(second))) > 48n * MiB, 'grown offline at the stage');
    assert.equal(await readFile(join(await source(second), 'keep'), 'utf8'), 'data survives growth');
    await vm.tearDown(second.metadata.uid ?? '');
  } else {
    // A host that may grow a mounted ext4 finishes online.
    assert.ok((await fsBytes(mnt)) > 48n * MiB);
    await vm.tearDown(first.metadata.uid ?? '');
  }
  assert.deepEqual((await status()).capacity, { storage: '64Mi' });
  assert.equal((await status()).conditions, undefined);
  assert.equal(reasons().at(-1), 'FileSystemResizeSuccessful');
  assert.deepEqual(await loopsUnder(s.dir), []);
  await driver.deleteVolume(vol.volumeId);
});

test('block driver, volumeMode Block: the loop device reaches the container spec as a device; unstage detaches it', async () => {
  const driver: CsiDriver = new BlockDriver({ pool: new VolumePool({ root: join(s.dir, 'pool-raw'), clock: { now: () => new Date() } }), nodeName: 'n1' });
  const vm = new VolumeManager({
    podsDir: join(s.dir, 'node2', 'pods'), dataDir: join(s.dir, 'node2'), client: stack.client, clock: { now: () => new Date() }, nodeName: 'n1',
    csiDrivers: { get: (n) => (n === BLOCK_DRIVER ? driver : undefined), names: () => [BLOCK_DRIVER] },
  });
  const vol = await driver.createVolume({ name: `pvc-raw-${tag}`, requiredBytes: 16n * MiB, capabilities: [{ accessType: 'block', accessMode: 'SINGLE_NODE_WRITER' }], parameters: {} });
  const claim = await stack.client.create(pvcRef, NS, { metadata: { name: 'raw' }, spec: { storageClassName: '', volumeName: vol.volumeId, volumeMode: 'Block', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } });
  await stack.client.create(pvRef, undefined, {
    metadata: { name: vol.volumeId },
    spec: { storageClassName: '', capacity: { storage: '16Mi' }, volumeMode: 'Block', accessModes: ['ReadWriteOnce'], claimRef: { namespace: NS, name: 'raw', uid: claim.metadata.uid }, csi: { driver: BLOCK_DRIVER, volumeHandle: vol.volumeId, volumeAttributes: vol.volumeContext } },
  });
  await stack.client.patch(pvcRef, NS, 'raw', 'merge', { status: { phase: 'Bound', capacity: { storage: '16Mi' } } }, {}, 'status');
  const p: Pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'raw', namespace: NS, uid: `raw-${tag}` },
    spec: { containers: [{ name: 'c', volumeDevices: [{ name: 'data', devicePath: '/dev/xvda' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'raw' } }] },
  };
  await vm.setUp(p);
  const [loop] = await loopsUnder(join(s.dir, 'pool-raw'));
  assert.ok(loop, 'staged: a loop device is attached');
  const [major, minor] = (await sh('stat', ['-c', '%t %T', loop])).trim().split(' ').map((h) => parseInt(h, 16));
  assert.deepEqual(await vm.containerDevices(p, p.spec.containers[0]!), [{ path: '/dev/xvda', type: 'b', major, minor, readOnly: false }]);
  await vm.tearDown(p.metadata.uid ?? '');
  assert.deepEqual(await loopsUnder(join(s.dir, 'pool-raw')), []);
  await driver.deleteVolume(vol.volumeId);
});
