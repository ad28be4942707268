import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { type SnapshotWorld, decideSnapshot } from './snapshot-compute';

const AS_SOURCE = 'snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection';
const BOUND = 'snapshot.storage.kubernetes.io/volumesnapshot-bound-protection';
const PVC_FIN = 'snapshot.storage.kubernetes.io/pvc-as-source-protection';
const DRIVER = 'berth.dev/local-dir';

interface SnapOpts { pvc?: string; content?: string; cls?: string; fins?: string[]; deleting?: boolean; status?: Record<string, unknown> }
function snap(o: SnapOpts = {}): KObject {
  const source = o.content !== undefined ? { volumeSnapshotContentName: o.content } : { persistentVolumeClaimName: o.pvc ?? 'data' };
  return {
    metadata: { name: 's', namespace: 'ns', uid: 'u1', resourceVersion: '3', ...(o.fins ? { finalizers: o.fins } : {}), ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { source, ...(o.cls !== undefined ? { volumeSnapshotClassName: o.cls } : {}) },
    ...(o.status ? { status: o.status } : {}),
  };
}
function claim(o: { phase?: string; fins?: string[]; dataSource?: string; name?: string } = {}): KObject {
  return {
    metadata: { name: o.name ?? 'data', namespace: 'ns', uid: 'cu', ...(o.fins ? { finalizers: o.fins } : {}) },
    spec: { volumeName: 'pv1', ...(o.dataSource ? { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: o.dataSource } } : {}) },
    status: { phase: o.phase ?? 'Bound' },
  };
}
const pv = (csi = true): KObject => ({
  metadata: { name: 'pv1' },
  spec: { claimRef: { name: 'data', namespace: 'ns', uid: 'cu' }, volumeMode: 'Filesystem', ...(csi ? { csi: { driver: DRIVER, volumeHandle: 'vol-1' } } : { hostPath: { path: '/x' } }) },
});
const cls = (name: string, o: { driver?: string; isDefault?: boolean; policy?: string } = {}): KObject => ({
  metadata: { name, ...(o.isDefault ? { annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } : {}) },
  driver: o.driver ?? DRIVER, deletionPolicy: o.policy ?? 'Delete', parameters: { a: 'b' },
});
function content(o: { name?: string; uid?: string; refName?: string; handle?: 'volume' | 'snapshot'; policy?: string; status?: Record<string, unknown>; ann?: Record<string, string>; cls?: string } = {}): KObject {
  return {
    metadata: { name: o.name ?? 'snapcontent-u1', ...(o.ann ? { annotations: o.ann } : {}) },
    spec: {
      volumeSnapshotRef: { name: o.refName ?? 's', namespace: 'ns', uid: o.uid ?? 'u1' },
      source: o.handle === 'snapshot' ? { snapshotHandle: 'h1' } : { volumeHandle: 'vol-1' },
      deletionPolicy: o.policy ?? 'Delete', driver: DRIVER, ...(o.cls ? { volumeSnapshotClassName: o.cls } : {}),
    },
    ...(o.status ? { status: o.status } : {}),
  };
}
const readyStatus = { snapshotHandle: 'h1', readyToUse: true, creationTime: 1767225600000000000, restoreSize: 1073741824 };

function world(s: KObject, o: Partial<SnapshotWorld> & { contentList?: KObject[] } = {}): SnapshotWorld {
  const c = o.claim === undefined && !('claim' in o) ? claim() : o.claim;
  return {
    snapshot: s,
    contents: new Map((o.contentList ?? []).map((x) => [x.metadata.name ?? '', x])),
    classes: o.classes ?? [cls('snaps')],
    claim: c,
    volume: 'volume' in o ? o.volume : pv(),
    claims: o.claims ?? (c ? [c] : []),
    snapshots: o.snapshots ?? [s],
  };
}
/** Steps in a compact form: the verb and its most telling argument. */
const brief = (w: SnapshotWorld): unknown[] => decideSnapshot(w).map((st) => {
  switch (st.do) {
    case 'error': return `error ${st.reason} ${st.message}${st.setReadyFalse ? '' : ' (ready kept)'}`;
    case 'setFinalizers': return `setFinalizers ${st.finalizers.join(',')}`;
    case 'status': return { status: st.status, events: st.events.map((e) => `${e.reason}: ${e.message}`) };
    case 'createContent': return { create: st.content.spec, event: `${st.event.reason}: ${st.event.message}` };
    case 'wait': return `wait ${st.event.reason}`;
    case 'bindContent': return `bind ${st.name} ${st.uid} ${st.className ?? '-'}`;
    case 'setClass': return `setClass ${st.name}`;
    case 'releaseClaim': case 'protectClaim': return `${st.do} ${st.claim}`;
    case 'annotateContent': case 'deleteContent': return `${st.do} ${st.name}`;
  }
});

const ready = { fins: [AS_SOURCE], cls: 'snaps' };
const cases: { name: string; w: SnapshotWorld; want: unknown[] }[] = [
  { name: 'no class: the default class of the volume driver is set', w: world(snap(), { classes: [cls('other', { driver: 'x', isDefault: true }), cls('snaps', { isDefault: true })] }), want: ['setClass snaps'] },
  { name: 'no class and the claim is not bound: wait', w: world(snap(), { claim: claim({ phase: 'Pending' }), classes: [cls('snaps', { isDefault: true })] }), want: ['error SetDefaultSnapshotClassFailed Failed to set default snapshot class with error the PVC data is not yet bound to a PV, will not attempt to take a snapshot (ready kept)'] },
  { name: 'no class and no claim', w: world(snap(), { claim: undefined }), want: ['error SetDefaultSnapshotClassFailed Failed to set default snapshot class with error failed to retrieve PVC data from the lister: "persistentvolumeclaim \\"data\\" not found" (ready kept)'] },
  { name: 'two defaults for the driver', w: world(snap(), { classes: [cls('a', { isDefault: true }), cls('b', { isDefault: true })] }), want: ['error SetDefaultSnapshotClassFailed Failed to set default snapshot class with error 2 default snapshot classes were found (ready kept)'] },
  { name: 'no default for the driver', w: world(snap(), { classes: [cls('a')] }), want: ['error SetDefaultSnapshotClassFailed Failed to set default snapshot class with error cannot find default snapshot class (ready kept)'] },
  { name: 'a non-CSI volume has no default', w: world(snap(), { volume: pv(false) }), want: ['error SetDefaultSnapshotClassFailed Failed to set default snapshot class with error snapshotting non-CSI volumes is not supported, snapshot:ns/s (ready kept)'] },
  { name: 'a named class that does not exist', w: world(snap({ cls: 'gone' })), want: ['error GetSnapshotClassFailed Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "gone" not found (ready kept)'] },
  { name: 'the as-source finalizer first', w: world(snap({ cls: 'snaps' })), want: [`setFinalizers ${AS_SOURCE}`] },
  {
    name: 'a bound claim: protect it, create the content, bind the status',
    w: world(snap(ready)),
    want: [
      'protectClaim data',
      {
        create: { volumeSnapshotRef: { kind: 'VolumeSnapshot', namespace: 'ns', name: 's', uid: 'u1', apiVersion: 'snapshot.storage.k8s.io/v1', resourceVersion: '3' }, source: { volumeHandle: 'vol-1' }, volumeSnapshotClassName: 'snaps', deletionPolicy: 'Delete', driver: DRIVER, sourceVolumeMode: 'Filesystem' },
        event: 'CreatingSnapshot: Waiting for a snapshot ns/s to be created by the CSI driver.',
      },
      { status: { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: false }, events: [] },
    ],
  },
  {
    name: 'an unbound claim: protected, then wait with the upstream error',
    w: world(snap(ready), { claim: claim({ phase: 'Pending' }) }),
    want: ['protectClaim data', 'error SnapshotContentCreationFailed Failed to create snapshot content with error failed to get input parameters to create snapshot s: "the PVC data is not yet bound to a PV, will not attempt to take a snapshot"'],
  },
  { name: 'a claim being deleted is not snapshotted', w: world(snap(ready), { claim: { ...claim(), metadata: { ...claim().metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } }), want: ['error SnapshotContentCreationFailed Failed to create snapshot content with error snapshot controller failed to update data on API server: cannot add finalizer on claim because it is being deleted'] },
  { name: 'a non-CSI volume', w: world(snap(ready), { claim: claim({ fins: [PVC_FIN] }), volume: pv(false) }), want: ['error SnapshotContentCreationFailed Failed to create snapshot content with error cannot find CSI PersistentVolumeSource for volume pv1'] },
  {
    name: 'a class of another driver names the fix',
    w: world(snap(ready), { claim: claim({ fins: [PVC_FIN] }), classes: [cls('snaps', { driver: 'berth.dev/block' })] }),
    want: ['error SnapshotContentCreationFailed Failed to create snapshot content with error cannot snapshot volume pv1 of CSI driver berth.dev/local-dir with VolumeSnapshotClass snaps of driver berth.dev/block; use a class whose driver is berth.dev/local-dir'],
  },
  {
    name: 'the content became ready: status copied, SnapshotCreated and SnapshotReady',
    w: world(snap({ ...ready, fins: [AS_SOURCE, BOUND], status: { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: false } }), { claim: claim({ fins: [PVC_FIN] }), contentList: [content({ status: readyStatus })] }),
    want: [{ status: { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: true, creationTime: '2026-01-01T00:00:00Z', restoreSize: '1Gi' }, events: ['SnapshotCreated: Snapshot ns/s was successfully created by the CSI driver.', 'SnapshotReady: Snapshot ns/s is ready to use.'] }],
  },
  {
    name: 'bound to a Delete content: the bound finalizer is added',
    w: world(snap({ ...ready, status: { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: true } }), { contentList: [content({ status: readyStatus })] }),
    want: [`setFinalizers ${AS_SOURCE},${BOUND}`],
  },
  {
    name: 'ready: the source claim is released, nothing else',
    w: world(snap({ ...ready, fins: [AS_SOURCE, BOUND], status: { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: true } }), { claim: claim({ fins: [PVC_FIN] }), contentList: [content({ status: readyStatus })] }),
    want: ['releaseClaim data'],
  },
  {
    name: 'another unready snapshot of the claim keeps it protected',
    w: world(snap({ ...ready, fins: [AS_SOURCE, BOUND], status: { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: true } }), {
      claim: claim({ fins: [PVC_FIN] }), contentList: [content({ status: readyStatus })],
      snapshots: [snap({ ...ready, status: { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: true } }), { ...snap(), metadata: { ...snap().metadata, name: 'other' } }],
    }),
    want: [],
  },
  { name: 'ready but the content vanished', w: world(snap({ ...ready, fins: [AS_SOURCE, BOUND], status: { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: true } })), want: ['error SnapshotContentMissing VolumeSnapshotContent is missing'] },
  { name: 'pre-provisioned: missing content', w: world(snap({ content: 'pre', fins: [AS_SOURCE] })), want: ['error SnapshotContentMissing VolumeSnapshotContent is missing'] },
  { name: 'pre-provisioned: bind the content to this snapshot', w: world(snap({ content: 'pre', cls: 'snaps', fins: [AS_SOURCE] }), { contentList: [content({ name: 'pre', uid: '', handle: 'snapshot' })] }), want: ['bind pre u1 snaps'] },
  { name: 'pre-provisioned: a dynamic content is refused', w: world(snap({ content: 'pre', fins: [AS_SOURCE] }), { contentList: [content({ name: 'pre', uid: '' })] }), want: ['error SnapshotContentMismatch VolumeSnapshotContent is dynamically provisioned while expecting a pre-provisioned one'] },
  { name: 'pre-provisioned: a content for another snapshot', w: world(snap({ content: 'pre', fins: [AS_SOURCE] }), { contentList: [content({ name: 'pre', uid: '', refName: 'x', handle: 'snapshot' })] }), want: ['error SnapshotContentMisbound VolumeSnapshotContent [pre] is bound to a different snapshot'] },
  {
    name: 'pre-provisioned: bound, status from the content',
    w: world(snap({ content: 'pre', fins: [AS_SOURCE] }), { contentList: [content({ name: 'pre', handle: 'snapshot', policy: 'Retain', status: { snapshotHandle: 'h1', readyToUse: true, creationTime: 1767225600000000000 } })] }),
    want: [{ status: { boundVolumeSnapshotContentName: 'pre', readyToUse: true, creationTime: '2026-01-01T00:00:00Z' }, events: ['SnapshotCreated: Snapshot ns/s was successfully created by the CSI driver.', 'SnapshotReady: Snapshot ns/s is ready to use.'] }],
  },
  { name: 'deleting, policy Delete: mark and delete the content, keep the bound finalizer', w: world(snap({ ...ready, fins: [AS_SOURCE, BOUND], deleting: true, status: { boundVolumeSnapshotContentName: 'snapcontent-u1' } }), { contentList: [content()] }), want: ['annotateContent snapcontent-u1', 'deleteContent snapcontent-u1', `setFinalizers ${BOUND}`] },
  { name: 'deleting, the content gone: the last finalizer goes', w: world(snap({ ...ready, fins: [BOUND], deleting: true, status: { boundVolumeSnapshotContentName: 'snapcontent-u1' } })), want: ['setFinalizers '] },
  { name: 'deleting, policy Retain: the content stays', w: world(snap({ ...ready, fins: [AS_SOURCE, BOUND], deleting: true, status: { boundVolumeSnapshotContentName: 'snapcontent-u1' } }), { contentList: [content({ policy: 'Retain' })] }), want: ['annotateContent snapcontent-u1', 'setFinalizers '] },
  {
    name: 'deleting while a claim restores from it: wait',
    w: world(snap({ ...ready, fins: [AS_SOURCE, BOUND], deleting: true, status: { boundVolumeSnapshotContentName: 'snapcontent-u1' } }), { contentList: [content()], claims: [claim({ name: 'copy', phase: 'Pending', dataSource: 's' })] }),
    want: ['wait SnapshotDeletePending'],
  },
  { name: 'deleting without finalizers: nothing', w: world(snap({ deleting: true })), want: [] },
];

for (const c of cases) test(c.name, () => assert.deepEqual(brief(c.w), c.want));
