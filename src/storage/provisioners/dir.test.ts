import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { createVolumeDir, decideClaim, desiredVolume, removeVolumeDir, shouldDelete, volumeDir } from './dir';

const ANN = 'volume.kubernetes.io/storage-provisioner';
const claim = (spec: Record<string, unknown> = {}, ann: Record<string, string> = { [ANN]: 'berth.dev/local-dir' }, deleting = false): KObject => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'abc', resourceVersion: '5', annotations: ann, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { storageClassName: 'local-dir', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const cls = (provisioner = 'berth.dev/local-dir', extra: Record<string, unknown> = {}): KObject => ({ metadata: { name: 'local-dir' }, provisioner, ...extra });

test('decideClaim: table', () => {
  const cases: [string, KObject | undefined, KObject | undefined, KObject | undefined, string, RegExp?][] = [
    ['claim gone', undefined, cls(), undefined, 'none'],
    ['not annotated', claim({}, {}), cls(), undefined, 'none'],
    ['annotated for another provisioner', claim({}, { [ANN]: 'example.com/x' }), cls(), undefined, 'none'],
    ['beta annotation', claim({}, { 'volume.beta.kubernetes.io/storage-provisioner': 'berth.dev/local-dir' }), cls(), undefined, 'provision'],
    ['already has a volume', claim({ volumeName: 'v' }), cls(), undefined, 'none'],
    ['being deleted', claim({}, undefined, true), cls(), undefined, 'none'],
    ['volume exists', claim(), cls(), { metadata: { name: 'pvc-abc' } }, 'none'],
    ['class missing', claim(), undefined, undefined, 'fail', /storageclass.storage.k8s.io "local-dir" not found/],
    ['class of another provisioner', claim(), cls('example.com/x'), undefined, 'none'],
    ['selector', claim({ selector: { matchLabels: { a: 'b' } } }), cls(), undefined, 'fail', /Selector is not supported/],
    ['block', claim({ volumeMode: 'Block' }), cls(), undefined, 'fail', /only volumeMode Filesystem/],
    ['dataSource', claim({ dataSource: { kind: 'PersistentVolumeClaim', name: 'x' } }), cls(), undefined, 'fail', /dataSource/],
    ['no size', claim({ resources: {} }), cls(), undefined, 'fail', /requests.storage/],
    ['provision', claim(), cls(), undefined, 'provision'],
  ];
  for (const [name, c, k, existing, action, msg] of cases) {
    const d = decideClaim(c, k, existing);
    assert.equal(d.action, action, name);
    if (msg && d.action === 'fail') assert.match(d.message, msg, name);
    if (d.action === 'provision') assert.equal(d.pvName, 'pvc-abc', name);
  }
});

test('desiredVolume: pre-bound, sized, class policy (default Delete), hostPath under root, node affinity, capacity note', () => {
  const pv = desiredVolume(claim({ accessModes: ['ReadWriteMany'] }), cls(), '/var/berth/volumes', 'n1');
  const spec = pv.spec as Record<string, unknown>;
  assert.equal(pv.metadata.name, 'pvc-abc');
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'berth.dev/local-dir');
  assert.match(pv.metadata.annotations?.['berth.dev/capacity-enforced'] ?? '', /^false: /);
  assert.deepEqual(spec.capacity, { storage: '1Gi' });
  assert.deepEqual(spec.accessModes, ['ReadWriteMany']);
  assert.equal(spec.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(spec.storageClassName, 'local-dir');
  assert.deepEqual(spec.hostPath, { path: '/var/berth/volumes/pvc-abc', type: 'DirectoryOrCreate' });
  assert.deepEqual(spec.claimRef, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'ns', name: 'data', uid: 'abc', resourceVersion: '5' });
  assert.deepEqual(spec.nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } });
  const retain = desiredVolume(claim(), cls(undefined, { reclaimPolicy: 'Retain', mountOptions: ['noatime'] }), '/r', undefined).spec as Record<string, unknown>;
  assert.equal(retain.persistentVolumeReclaimPolicy, 'Retain');
  assert.deepEqual(retain.mountOptions, ['noatime']);
  assert.equal(retain.nodeAffinity, undefined);
});

test('shouldDelete and volumeDir: only our Released Delete volumes, only their own directory', () => {
  const pv = (phase: string, policy = 'Delete', by = 'berth.dev/local-dir', path = '/r/pvc-abc'): KObject => ({
    metadata: { name: 'pvc-abc', annotations: { 'pv.kubernetes.io/provisioned-by': by } },
    spec: { persistentVolumeReclaimPolicy: policy, hostPath: { path } },
    status: { phase },
  });
  assert.equal(shouldDelete(pv('Released')), true);
  assert.equal(shouldDelete(pv('Bound')), false);
  assert.equal(shouldDelete(pv('Released', 'Retain')), false);
  assert.equal(shouldDelete(pv('Released', 'Delete', 'example.com/x')), false);
  assert.equal(shouldDelete(undefined), false);
  assert.equal(volumeDir(pv('Released'), '/r'), '/r/pvc-abc');
  assert.throws(() => volumeDir(pv('Released', 'Delete', undefined, '/etc'), '/r'), /its path \/etc is not \/r\/pvc-abc/);
  assert.throws(() => volumeDir({ metadata: { name: '..' }, spec: { hostPath: { path: '/' } } }, '/r'), /Cannot delete/);
});

test('createVolumeDir makes a 0777 directory; removeVolumeDir removes it with its data and tolerates absence', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-dirprov-'));
  try {
    const dir = join(root, 'pvc-x');
    await createVolumeDir(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o777);
    await writeFile(join(dir, 'f'), 'data');
    await removeVolumeDir(dir);
    await assert.rejects(stat(dir), /ENOENT/);
    await removeVolumeDir(dir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
