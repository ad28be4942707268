// The provisioner and resizer with Berth's real built-in drivers over a real volume pool (in a
// temporary directory): a local-dir claim gets a directory that DeleteVolume removes; a block
// claim gets an ext4 image that ControllerExpandVolume grows, leaving the filesystem to the node.
import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pvRef, pvcRef, scRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import { builtinDrivers } from '../../storage/csi/builtin/drivers';
import { BLOCK_DRIVER, type CsiDriverRegistry, LOCAL_DIR_DRIVER } from '../../storage/csi/types';
import { VolumePool } from '../../storage/pool/pool';
import { buildContext, startInformers } from '../context';
import { ResizerController } from '../resizer/controller';
import { eventually } from '../testing/fake-timer';
import { type Stack, testStack } from '../testing/stack';
import { CsiProvisionerController } from './controller';

const NS = 'builtin';
let root: string;
let stack: Stack;
const ac = new AbortController();
let running: Promise<unknown>;

before(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'berth-h4-pool-')));
  const drivers = builtinDrivers(new VolumePool({ root, clock: { now: () => new Date() } }), 'node-1');
  const registry: CsiDriverRegistry = { get: (n) => drivers.get(n), names: () => [...drivers.keys()] };
  stack = await testStack();
  await stack.client.create({ group: '', version: 'v1', plural: 'namespaces' }, undefined, { metadata: { name: NS } });
  await stack.client.create(scRef, undefined, { metadata: { name: 'dir' }, provisioner: LOCAL_DIR_DRIVER, reclaimPolicy: 'Delete' });
  await stack.client.create(scRef, undefined, { metadata: { name: 'blk' }, provisioner: BLOCK_DRIVER, reclaimPolicy: 'Delete', parameters: { 'csi.storage.k8s.io/fstype': 'ext4' }, allowVolumeExpansion: true });
  const ctx = buildContext({ client: stack.client, registry: stack.registry, clock: { now: () => new Date() } });
  const prov = new CsiProvisionerController(ctx, { drivers: registry, retryStartMs: 20, retryMaxMs: 200 });
  const resizer = new ResizerController(ctx, { drivers: registry, retryStartMs: 20, retryMaxMs: 200 });
  running = Promise.all([startInformers(ctx, ac.signal), prov.start(ac.signal), resizer.start(ac.signal)]);
  await Promise.all([prov.ready, resizer.ready]);
});
after(async () => {
  ac.abort();
  await running;
  await rm(root, { recursive: true, force: true });
});

const claim = (name: string, cls: string, driver: string, size: string) =>
  stack.client.create(pvcRef, NS, {
    metadata: { name, annotations: { 'volume.kubernetes.io/storage-provisioner': driver } },
    spec: { storageClassName: cls, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } },
  });
const pvNamed = async (name: string, ms = 30_000): Promise<KObject> => {
  let pv: KObject | undefined;
  await eventually(async () => !!(pv = await stack.client.get(pvRef, undefined, name).catch(() => undefined)), ms, `PV ${name}`);
  return pv!;
};
const release = (name: string) => stack.client.patch(pvRef, undefined, name, 'merge', { status: { phase: 'Released' } }, {}, 'status');
const gone = (name: string) => eventually(async () => !(await stack.client.get(pvRef, undefined, name).catch(() => undefined)), 30_000, `PV ${name} deleted`);

test('local-dir: CreateVolume makes the directory the PV names; Released + Delete removes it', async () => {
  const c = await claim('d', 'dir', LOCAL_DIR_DRIVER, '1Gi');
  const name = `pvc-${c.metadata.uid ?? ''}`;
  const pv = await pvNamed(name);
  const csi = (pv.spec as { csi: { driver: string; volumeHandle: string } }).csi;
  assert.deepEqual([csi.driver, csi.volumeHandle], [LOCAL_DIR_DRIVER, name]);
  assert.deepEqual((pv.spec as { nodeAffinity: unknown }).nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.berth.dev/node', operator: 'In', values: ['node-1'] }] }] } });
  assert.ok((await stat(join(root, 'dir', name))).isDirectory());
  await release(name);
  await gone(name);
  await assert.rejects(stat(join(root, 'dir', name)), /ENOENT/);
});

test('block: a 64Mi ext4 image grows to 128Mi on ControllerExpandVolume; the claim waits for the node', async () => {
  const c = await claim('k', 'blk', BLOCK_DRIVER, '64Mi');
  const name = `pvc-${c.metadata.uid ?? ''}`;
  const pv = await pvNamed(name, 60_000);
  assert.equal((pv.spec as { csi: { fsType: string } }).csi.fsType, 'ext4');
  const image = join(root, 'block', `${name}.img`);
  assert.equal((await stat(image)).size, 64 * 2 ** 20);
  // No binder runs here: bind by hand, then grow.
  await stack.client.patch(pvcRef, NS, 'k', 'merge', { spec: { volumeName: name } });
  await stack.client.patch(pvcRef, NS, 'k', 'merge', { status: { phase: 'Bound', capacity: { storage: '64Mi' } } }, {}, 'status');
  await stack.client.patch(pvcRef, NS, 'k', 'merge', { spec: { resources: { requests: { storage: '128Mi' } } } });
  await eventually(async () => ((await stack.client.get(pvcRef, NS, 'k')).status as { allocatedResourceStatuses?: { storage?: string } }).allocatedResourceStatuses?.storage === 'NodeResizePending', 60_000, 'NodeResizePending');
  assert.equal(((await stack.client.get(pvRef, undefined, name)).spec as { capacity: { storage: string } }).capacity.storage, '128Mi');
  assert.equal((await stat(image)).size, 128 * 2 ** 20, 'the image file grew');
  await release(name);
  await gone(name);
  await assert.rejects(stat(image), /ENOENT/);
});
