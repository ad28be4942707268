import assert from 'node:assert/strict';
import { mkdtemp, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { buildContext, startInformers } from '../context';
import { eventually } from '../testing/fake-timer';
import { type Stack, testStack } from '../testing/stack';
import { DirProvisionerController } from './controller';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const pvcRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumeclaims' };
const pvRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumes' };
const scRef: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses' };
const evRef: ResourceRef = { group: '', version: 'v1', plural: 'events' };
const NS = 'prov';

let stack: Stack;
let root: string;
let ctl: DirProvisionerController;
const ac = new AbortController();
let running: Promise<unknown>;

before(async () => {
  root = join(await realpath(await mkdtemp(join(tmpdir(), 'berth-prov-'))), 'volumes');
  stack = await testStack();
  await stack.client.create(nsRef, undefined, { metadata: { name: NS } });
  const ctx = buildContext({ client: stack.client, registry: stack.registry, clock: { now: () => new Date() } });
  ctl = new DirProvisionerController(ctx, { root, nodeName: 'n1' });
  running = Promise.all([startInformers(ctx, ac.signal), ctl.start(ac.signal)]);
  await ctl.ready;
});
after(async () => {
  ac.abort();
  await running;
  await rm(join(root, '..'), { recursive: true, force: true });
});

const getPv = (name: string) => stack.client.get(pvRef, undefined, name).catch(() => undefined);
const reasons = async (name: string) =>
  (await stack.client.list(evRef, NS)).items.filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === name).map((e) => (e as { reason?: string; message?: string }));

test('an annotated claim gets a directory and a pre-bound PV; Released with Delete removes both', async () => {
  await stack.client.create(scRef, undefined, { metadata: { name: 'dirs' }, provisioner: 'berth.dev/local-dir' });
  const claim: KObject = await stack.client.create(pvcRef, NS, {
    metadata: { name: 'data', annotations: { 'volume.kubernetes.io/storage-provisioner': 'berth.dev/local-dir' } },
    spec: { storageClassName: 'dirs', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
  });
  const name = `pvc-${claim.metadata.uid ?? ''}`;
  await eventually(async () => !!(await getPv(name)), 5000, 'PV created');
  const pv = (await getPv(name))!;
  const spec = pv.spec as { hostPath: { path: string }; claimRef: { uid: string; name: string }; capacity: { storage: string }; persistentVolumeReclaimPolicy: string };
  assert.equal(spec.hostPath.path, join(root, name));
  assert.deepEqual([spec.claimRef.name, spec.claimRef.uid, spec.capacity.storage, spec.persistentVolumeReclaimPolicy], ['data', claim.metadata.uid, '2Gi', 'Delete']);
  assert.ok((await stat(spec.hostPath.path)).isDirectory());
  await eventually(async () => (await reasons('data')).some((e) => e.reason === 'ProvisioningSucceeded' && e.message === `Successfully provisioned volume ${name}`), 5000, 'event');
  assert.ok((await reasons('data')).some((e) => e.reason === 'Provisioning'));

  await writeFile(join(spec.hostPath.path, 'f'), 'x');
  await stack.client.patch(pvRef, undefined, name, 'merge', { status: { phase: 'Released' } }, {}, 'status');
  await eventually(async () => !(await getPv(name)), 5000, 'PV deleted');
  assert.deepEqual(await readdir(root), [], 'the directory is gone');
});

test('a Retain class keeps the directory of a Released volume; a missing class is a ProvisioningFailed event', async () => {
  await stack.client.create(scRef, undefined, { metadata: { name: 'keep' }, provisioner: 'berth.dev/local-dir', reclaimPolicy: 'Retain' });
  const claim = await stack.client.create(pvcRef, NS, {
    metadata: { name: 'kept', annotations: { 'volume.kubernetes.io/storage-provisioner': 'berth.dev/local-dir' } },
    spec: { storageClassName: 'keep', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  const name = `pvc-${claim.metadata.uid ?? ''}`;
  await eventually(async () => !!(await getPv(name)), 5000, 'PV created');
  await stack.client.patch(pvRef, undefined, name, 'merge', { status: { phase: 'Released' } }, {}, 'status');

  await stack.client.create(pvcRef, NS, {
    metadata: { name: 'orphan', annotations: { 'volume.kubernetes.io/storage-provisioner': 'berth.dev/local-dir' } },
    spec: { storageClassName: 'nope', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  await eventually(async () => (await reasons('orphan')).some((e) => e.reason === 'ProvisioningFailed' && /storageclass.storage.k8s.io "nope" not found/.test(e.message ?? '')), 5000, 'failure event');
  // The queue is worked in order: by the time the later claim failed, the Released volume was seen.
  await ctl.idle();
  assert.equal(((await getPv(name))?.status as { phase?: string } | undefined)?.phase, 'Released', 'the PV stays');
  assert.ok((await stat(join(root, name))).isDirectory(), 'the data stays');
});
