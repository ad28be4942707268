import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { cloneSource, type DataSource, type Fetched, snapshotSource } from './content-source';

const DRIVER = 'berth.dev/block';
const cls: KObject = { metadata: { name: 'fast' }, provisioner: DRIVER };
const claim = (size = '2Gi', extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 'restored', namespace: 'ns', uid: 'c1' },
  spec: { storageClassName: 'fast', resources: { requests: { storage: size } }, ...extra },
});
const snapDs: DataSource = { kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io', name: 's1', namespace: 'ns' };
const snapshot = (status: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 's1', namespace: 'ns', uid: 's-uid', ...meta },
  status: { boundVolumeSnapshotContentName: 'snapcontent-1', readyToUse: true, restoreSize: '1Gi', ...status },
});
const content = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = { snapshotHandle: 'h1' }): KObject => ({
  metadata: { name: 'snapcontent-1' },
  spec: { driver: DRIVER, volumeSnapshotRef: { name: 's1', namespace: 'ns', uid: 's-uid' }, ...spec },
  status,
});

test('snapshotSource: a ready snapshot of the same driver restores from its handle', () => {
  assert.deepEqual(snapshotSource(snapDs, claim(), cls, snapshot(), content()), { ok: true, value: { snapshotId: 'h1' } });
  const prefix = 'error getting handle for DataSource Type VolumeSnapshot by Name s1: ';
  const rows: [string, Fetched, Fetched | undefined, KObject, string][] = [
    ['not found', { error: 'volumesnapshots.snapshot.storage.k8s.io "s1" not found' }, undefined, claim(), 'error getting snapshot s1 from api server: volumesnapshots.snapshot.storage.k8s.io "s1" not found'],
    ['being deleted', snapshot({}, { deletionTimestamp: 'x' }), content(), claim(), 'snapshot s1 is being deleted'],
    ['not bound', snapshot({ boundVolumeSnapshotContentName: undefined }), undefined, claim(), 'snapshot s1 not bound'],
    ['content missing', snapshot(), { error: 'nf' }, claim(), 'error getting snapshotcontent snapcontent-1 for snapshot s1'],
    ['content of another snapshot', snapshot(), content({ volumeSnapshotRef: { name: 's1', namespace: 'ns', uid: 'other' } }), claim(), 'snapshotcontent snapcontent-1 for snapshot s1 is bound to a different snapshot'],
    ['other driver', snapshot(), content({ driver: 'berth.dev/local-dir' }), claim(), 'snapshotcontent snapcontent-1 for snapshot s1 is not handled by CSI driver of StorageClass fast'],
    ['not ready', snapshot({ readyToUse: false }), content(), claim(), 'snapshot s1 is not Ready'],
    ['no handle', snapshot(), content({}, {}), claim(), 'snapshot handle s1 is not available'],
    ['too small a claim', snapshot({ restoreSize: '3Gi' }), content(), claim('2Gi'), 'requested volume size 2147483648 is less than the size 3221225472 for the source snapshot s1'],
    ['Filesystem snapshot into a Block claim', snapshot(), content({ sourceVolumeMode: 'Filesystem' }), claim('2Gi', { volumeMode: 'Block' }), 'requested volume ns/restored modifies the mode of the source volume but does not have permission to do so. snapshot.storage.kubernetes.io/allow-volume-mode-change annotation is not present on snapshotcontent snapcontent-1'],
  ];
  for (const [what, s, c, cl, want] of rows) assert.deepEqual(snapshotSource(snapDs, cl, cls, s, c), { ok: false, error: prefix + want }, what);
  // Same mode, or the content allows the change: restored.
  assert.equal(snapshotSource(snapDs, claim(), cls, snapshot(), content({ sourceVolumeMode: 'Filesystem' })).ok, true);
  const allowed = { ...content({ sourceVolumeMode: 'Filesystem' }), metadata: { name: 'snapcontent-1', annotations: { 'snapshot.storage.kubernetes.io/allow-volume-mode-change': 'true' } } };
  assert.equal(snapshotSource(snapDs, claim('2Gi', { volumeMode: 'Block' }), cls, snapshot(), allowed).ok, true);
});

const cloneDs: DataSource = { kind: 'PersistentVolumeClaim', apiGroup: '', name: 'src', namespace: 'ns' };
const source = (over: { spec?: Record<string, unknown>; status?: Record<string, unknown>; deleting?: boolean } = {}): KObject => ({
  metadata: { name: 'src', namespace: 'ns', uid: 'src-uid', ...(over.deleting ? { deletionTimestamp: 'x' } : {}) },
  spec: { storageClassName: 'fast', volumeName: 'pv-src', resources: { requests: { storage: '1Gi' } }, ...over.spec },
  status: { phase: 'Bound', ...over.status },
});
const sourcePv = (spec: Record<string, unknown> = {}, phase = 'Bound'): KObject => ({
  metadata: { name: 'pv-src' },
  spec: { csi: { driver: DRIVER, volumeHandle: 'vol-src' }, volumeMode: 'Filesystem', claimRef: { name: 'src', namespace: 'ns', uid: 'src-uid' }, ...spec },
  status: { phase },
});

test('cloneSource: a Bound claim of the same class and driver clones from its volume handle', () => {
  assert.deepEqual(cloneSource(cloneDs, claim(), cls, source(), sourcePv()), { ok: true, value: { volumeId: 'vol-src' } });
  const prefix = 'error getting handle for DataSource Type PersistentVolumeClaim by Name src: ';
  const invalid = 'claim in dataSource not bound or invalid';
  const rows: [string, KObject, Fetched, Fetched | undefined, string][] = [
    ['not found', claim(), { error: 'persistentvolumeclaim "src" not found' }, undefined, 'error getting PVC src (namespace "ns") from api server: persistentvolumeclaim "src" not found'],
    ['pending', claim(), source({ status: { phase: 'Pending' } }), undefined, 'the PVC DataSource src must have a status of Bound.  Got Pending'],
    ['being deleted', claim(), source({ deleting: true }), sourcePv(), 'the PVC DataSource src is currently being deleted'],
    ['no class on the source', claim(), source({ spec: { storageClassName: '' } }), sourcePv(), 'the source PVC (src) storageclass cannot be empty'],
    ['another class', claim(), source({ spec: { storageClassName: 'slow' } }), sourcePv(), 'the source PVC and destination PVCs must be in the same storage class for cloning. Source is in slow, but new PVC is in fast'],
    ['larger source', claim('512Mi'), source(), sourcePv(), 'error, new PVC request must be greater than or equal in size to the specified PVC data source, requested 536870912 but source is 1073741824'],
    ['no volume name', claim(), source({ spec: { volumeName: '' } }), undefined, 'volume name is empty in source PVC src'],
    ['PV gone', claim(), source(), { error: 'nf' }, invalid],
    ['not CSI', claim(), source(), sourcePv({ csi: undefined, hostPath: { path: '/x' } }), invalid],
    ['another driver', claim(), source(), sourcePv({ csi: { driver: 'berth.dev/local-dir', volumeHandle: 'v' } }), invalid],
    ['PV bound elsewhere', claim(), source(), sourcePv({ claimRef: { name: 'src', namespace: 'ns', uid: 'other' } }), invalid],
    ['PV released', claim(), source(), sourcePv({}, 'Released'), invalid],
    ['mode mismatch', claim('1Gi', { volumeMode: 'Block' }), source(), sourcePv(), 'the source PVC and destination PVCs must have the same volume mode for cloning.  Source is Filesystem, but new PVC requested Block'],
  ];
  for (const [what, cl, s, pv, want] of rows) assert.deepEqual(cloneSource(cloneDs, cl, cls, s, pv), { ok: false, error: prefix + want }, what);
});
