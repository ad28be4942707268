import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { type ContentWorld, decideContent } from './content-compute';

const FIN = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
const AS_SOURCE = 'snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection';
const BEING_DELETED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-deleted';
const BEING_CREATED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-created';

interface Opts { uid?: string; handle?: 'volume' | 'snapshot'; policy?: string; fins?: string[]; ann?: Record<string, string>; deleting?: boolean; status?: Record<string, unknown>; cls?: string | null }
function content(o: Opts = {}): KObject {
  return {
    metadata: { name: 'c1', finalizers: o.fins ?? [FIN], ...(o.ann ? { annotations: o.ann } : {}), ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      volumeSnapshotRef: { name: 's', namespace: 'ns', uid: o.uid ?? 'u1' },
      source: o.handle === 'snapshot' ? { snapshotHandle: 'h1' } : { volumeHandle: 'vol-1' },
      deletionPolicy: o.policy ?? 'Delete', driver: 'berth.dev/local-dir',
      ...(o.cls === null ? {} : { volumeSnapshotClassName: o.cls ?? 'snaps' }),
    },
    ...(o.status ? { status: o.status } : {}),
  };
}
const cls = (params: Record<string, string> = { level: 'fast', 'csi.storage.k8s.io/snapshotter-secret-name': 's' }): KObject => ({ metadata: { name: 'snaps' }, driver: 'berth.dev/local-dir', deletionPolicy: 'Delete', parameters: params });
const snap = (o: { uid?: string; deleting?: boolean } = {}): KObject => ({ metadata: { name: 's', namespace: 'ns', uid: o.uid ?? 'u1', finalizers: [AS_SOURCE], ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });
const w = (c: KObject, o: Partial<ContentWorld> = {}): ContentWorld => ({ content: c, snapshot: snap(), snapshotClass: cls(), driverKnown: true, drivers: ['berth.dev/local-dir'], ...o });
const readyStatus = { snapshotHandle: 'h1', readyToUse: true, creationTime: 1 };

const cases: { name: string; w: ContentWorld; want: unknown }[] = [
  { name: 'a bound content gets its finalizer', w: w(content({ fins: [] })), want: { do: 'addFinalizer' } },
  { name: 'a new dynamic content: CreateSnapshot with the class parameters, reserved keys dropped', w: w(content()), want: { do: 'create', volumeId: 'vol-1', name: 'snapshot-u1', parameters: { level: 'fast' } } },
  { name: 'a failed attempt is retried', w: w(content({ status: { readyToUse: false, error: { message: 'x' } } })), want: { do: 'create', volumeId: 'vol-1', name: 'snapshot-u1', parameters: { level: 'fast' } } },
  { name: 'no class named', w: w(content({ cls: null })), want: { do: 'error', reason: 'SnapshotCreationFailed', message: 'Failed to create snapshot: failed to get input parameters to create snapshot for content c1: "failed to take snapshot c1 without a snapshot class"' } },
  { name: 'the class is gone', w: w(content(), { snapshotClass: undefined }), want: { do: 'error', reason: 'SnapshotCreationFailed', message: 'Failed to create snapshot: failed to get input parameters to create snapshot for content c1: "volumesnapshotclass.snapshot.storage.k8s.io \\"snaps\\" not found"' } },
  { name: 'an unknown reserved parameter', w: w(content(), { snapshotClass: cls({ 'csi.storage.k8s.io/fstype': 'ext4' }) }), want: { do: 'error', reason: 'SnapshotCreationFailed', message: 'Failed to create snapshot: failed to remove CSI Parameters of prefixed keys: found unknown parameter key "csi.storage.k8s.io/fstype" with reserved namespace csi.storage.k8s.io/' } },
  { name: 'no such driver: the error names the registered ones', w: w(content(), { driverKnown: false }), want: { do: 'error', reason: 'SnapshotCreationFailed', message: 'Failed to create snapshot: no CSI driver named berth.dev/local-dir is registered (known: berth.dev/local-dir); start the driver or use a VolumeSnapshotClass of a registered one' } },
  { name: 'ready: nothing to do', w: w(content({ status: readyStatus })), want: { do: 'none' } },
  { name: 'ready with the in-flight mark left: drop it', w: w(content({ status: readyStatus, ann: { [BEING_CREATED]: 'yes' } })), want: { do: 'dropBeingCreated' } },
  { name: 'pre-provisioned and unbound: ready as given', w: w(content({ uid: '', handle: 'snapshot', fins: [] }), { snapshot: undefined }), want: { do: 'staticStatus', snapshotHandle: 'h1' } },
  { name: 'its snapshot is being deleted: mark the content', w: w(content({ status: readyStatus }), { snapshot: snap({ deleting: true }) }), want: { do: 'markBeingDeleted' } },
  { name: 'a snapshot of the same name but another uid is not ours', w: w(content({ status: readyStatus }), { snapshot: snap({ uid: 'u2', deleting: true }) }), want: { do: 'none' } },
  { name: 'released with policy Delete: DeleteSnapshot', w: w(content({ status: readyStatus, deleting: true, ann: { [BEING_DELETED]: 'yes' } })), want: { do: 'release', snapshotId: 'h1' } },
  { name: 'released with policy Retain: only the finalizer goes', w: w(content({ policy: 'Retain', status: readyStatus, deleting: true, ann: { [BEING_DELETED]: 'yes' } })), want: { do: 'release' } },
  { name: 'released before a snapshot was taken', w: w(content({ status: { readyToUse: false }, deleting: true, ann: { [BEING_DELETED]: 'yes' } })), want: { do: 'release' } },
  { name: 'a CreateSnapshot in flight holds the deletion', w: w(content({ status: readyStatus, deleting: true, ann: { [BEING_DELETED]: 'yes', [BEING_CREATED]: 'yes' } })), want: { do: 'dropBeingCreated' } },
  { name: 'deleting without the mark (its snapshot still there): nothing yet', w: w(content({ status: readyStatus, deleting: true })), want: { do: 'none' } },
  { name: 'an unbound pre-provisioned content being deleted goes', w: w(content({ uid: '', handle: 'snapshot', policy: 'Retain', deleting: true }), { snapshot: undefined }), want: { do: 'release' } },
  { name: 'deleting with the driver gone names the way out', w: w(content({ status: readyStatus, deleting: true, ann: { [BEING_DELETED]: 'yes' } }), { driverKnown: false, drivers: [] }), want: { do: 'error', reason: 'SnapshotDeleteError', message: `Failed to delete snapshot: no CSI driver named berth.dev/local-dir is registered (known: none); start the driver, or remove the finalizer ${FIN} to leave the snapshot behind` } },
];

for (const c of cases) test(c.name, () => assert.deepEqual(decideContent(c.w), c.want));
