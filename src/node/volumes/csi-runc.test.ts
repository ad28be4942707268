// CSI claims in real runc containers through the node agent: a filesystem claim published by a
// bind-mount driver and a loop device handed over as volumeDevices (device node + cgroup rule).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { eventually } from '../../controllers/testing/fake-timer';
import { pvRef, pvcRef } from '../../machinery/refs';
import { mountPointsUnder } from '../../storage/mounts';
import { nodeHarness, podsRef } from '../runtime/testing/node-harness';
import { BindDriver } from './testing/bind-driver';
import { registryOf } from './testing/fake-csi';
import { VolumeManager } from './volume-manager';

const run = promisify(execFile);
const tag = `${process.pid}-${Date.now().toString(36)}`;

test('a pod writes to a csi filesystem claim and reads and writes a csi block claim (loop device) in runc', { timeout: 120_000 }, async () => {
  const ac = new AbortController();
  const dirDriver = new BindDriver('dir.csi.test', ['STAGE_UNSTAGE_VOLUME']);
  const blockDriver = new BindDriver('block.csi.test', []);
  const h = await nodeHarness({
    volumes: (config, client, onEvict) => {
      const vm = new VolumeManager({ podsDir: join(config.dataDir, 'pods'), dataDir: config.dataDir, client, clock: { now: () => new Date() }, nodeName: config.nodeName, onEvict, csiDrivers: registryOf(dirDriver, blockDriver) });
      void vm.start(ac.signal);
      return vm;
    },
  });
  let loop = '';
  try {
    const backing = join(h.base, 'backing');
    await mkdir(backing);
    const img = join(h.base, 'disk.img');
    await writeFile(img, Buffer.concat([Buffer.from('BLOCKDATA'), Buffer.alloc(4 * 1024 * 1024 - 9)]));
    loop = (await run('losetup', ['-f', '--show', img])).stdout.trim();
    const claims: [string, string, Record<string, string>, boolean][] = [['fs', 'dir.csi.test', { path: backing }, false], ['blk', 'block.csi.test', { device: loop }, true]];
    for (const [name, driver, attrs, block] of claims) {
      const mode = block ? { volumeMode: 'Block' } : {};
      const c = await h.stack.client.create(pvcRef, 'default', { metadata: { name }, spec: { storageClassName: '', volumeName: `pv-${name}-${tag}`, accessModes: ['ReadWriteOnce'], ...mode, resources: { requests: { storage: '4Mi' } } } });
      await h.stack.client.create(pvRef, undefined, {
        metadata: { name: `pv-${name}-${tag}` },
        spec: { storageClassName: '', capacity: { storage: '4Mi' }, accessModes: ['ReadWriteOnce'], ...mode, claimRef: { namespace: 'default', name, uid: c.metadata.uid }, csi: { driver, volumeHandle: `${name}-${tag}`, volumeAttributes: attrs } },
      });
      await h.stack.client.patch(pvcRef, 'default', name, 'merge', { status: { phase: 'Bound', capacity: { storage: '4Mi' } } }, {}, 'status');
    }
    await h.startAgent();
    await h.createPod({
      terminationGracePeriodSeconds: 0,
      containers: [{
        name: 'c', image: 'busybox',
        command: ['/bin/sh', '-c', 'head -c 9 /dev/xvda > /data/read; echo -n WRITTEN | dd of=/dev/xvda bs=1 seek=100 conv=notrunc,fsync 2>/dev/null; ls -l /dev/xvda > /data/node; sleep 3600'],
        volumeMounts: [{ name: 'fs', mountPath: '/data' }],
        volumeDevices: [{ name: 'blk', devicePath: '/dev/xvda' }],
      }],
      volumes: [{ name: 'fs', persistentVolumeClaim: { claimName: 'fs' } }, { name: 'blk', persistentVolumeClaim: { claimName: 'blk' } }],
    }, 'csi');
    await eventually(async () => (await readFile(join(backing, 'node'), 'utf8').catch(() => '')) !== '', 30_000, 'the container wrote through the claim');
    assert.equal(await readFile(join(backing, 'read'), 'utf8'), 'BLOCKDATA', 'the container read the block device');
    const [major, minor] = (await run('stat', ['-c', '%t %T', loop])).stdout.trim().split(' ').map((x) => parseInt(x, 16));
    assert.match(await readFile(join(backing, 'node'), 'utf8'), new RegExp(`^b.* ${major}, +${minor} .*/dev/xvda`), 'a block device node with the loop device numbers');
    const disk = await readFile(img);
    assert.equal(disk.subarray(100, 107).toString(), 'WRITTEN', 'the container wrote to the block device');
    await h.stack.client.delete(podsRef, 'default', 'csi', {});
    await eventually(async () => (await h.getPod('csi')) === undefined, 30_000, 'deleted');
    // The API object may go before the node has torn the pod down.
    await eventually(async () => Promise.resolve(dirDriver.ops().length === 4 && blockDriver.ops().length === 2), 30_000, 'volumes given back');
    assert.deepEqual(dirDriver.ops().map((s) => s.split(' ')[0]), ['stage', 'publish', 'unpublish', 'unstage']);
    assert.deepEqual(blockDriver.ops().map((s) => s.split(' ')[0]), ['publish', 'unpublish']);
    await eventually(async () => (await mountPointsUnder(join(h.config.dataDir, 'pods'))).length === 0, 30_000, 'nothing of the pod mounted');
    assert.deepEqual(await mountPointsUnder(join(h.config.dataDir, 'plugins')), []);
  } finally {
    await h.close();
    ac.abort();
    if (loop) await run('losetup', ['-d', loop]).catch(() => undefined);
  }
});
