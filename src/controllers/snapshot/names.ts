// Names the snapshot controller shares with upstream's snapshot-controller and csi-snapshotter:
// resource refs, finalizers, annotations, object names, and typed views of the loose JSON.
import type { ResourceRef } from '../../machinery/client';
import { SNAPSHOT_GROUP } from '../../machinery/resources/volumesnapshot-common';
import { asStr, dig } from '../../machinery/resources/storage-apps-util';
import { type JsonObject, type KObject, isObject } from '../../machinery/types';

export const vsRef: ResourceRef = { group: SNAPSHOT_GROUP, version: 'v1', plural: 'volumesnapshots' };
export const vscRef: ResourceRef = { group: SNAPSHOT_GROUP, version: 'v1', plural: 'volumesnapshotcontents' };
export const vsClassRef: ResourceRef = { group: SNAPSHOT_GROUP, version: 'v1', plural: 'volumesnapshotclasses' };

/** An event to record. */
export interface Ev {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export const SNAPSHOT_CONTROLLER = 'snapshot-controller';
/** The sidecar's event source names its driver. */
export const snapshotterComponent = (driver: string): string => `csi-snapshotter ${driver}`;

export const VS_AS_SOURCE_FINALIZER = 'snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection';
export const VS_BOUND_FINALIZER = 'snapshot.storage.kubernetes.io/volumesnapshot-bound-protection';
export const VSC_FINALIZER = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
export const PVC_FINALIZER = 'snapshot.storage.kubernetes.io/pvc-as-source-protection';
export const ANN_BEING_DELETED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-deleted';
export const ANN_BEING_CREATED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-created';
/** StorageClass-style keys a class may carry for the sidecar itself; never passed to the driver. */
const CSI_PARAMETER_PREFIX = 'csi.storage.k8s.io/';
const KNOWN_PREFIXED = new Set(['snapshotter-secret-name', 'snapshotter-secret-namespace', 'snapshotter-list-secret-name', 'snapshotter-list-secret-namespace'].map((k) => CSI_PARAMETER_PREFIX + k));

/** utils.GetDynamicSnapshotContentNameForSnapshot. */
export const contentNameFor = (snapshot: KObject): string => `snapcontent-${snapshot.metadata.uid ?? ''}`;
/** The CreateSnapshot name the csi-snapshotter uses (prefix "snapshot", full uid). */
export const csiSnapshotName = (snapshotUid: string): string => `snapshot-${snapshotUid}`;

export interface SnapshotView {
  pvc?: string;
  content?: string;
  className?: string;
  bound?: string;
  ready?: boolean;
  creationTime?: string;
}

export function snapshotView(s: KObject): SnapshotView {
  const v: SnapshotView = {};
  const put = <K extends keyof SnapshotView>(k: K, x: SnapshotView[K] | undefined) => {
    if (x !== undefined) v[k] = x;
  };
  put('pvc', asStr(dig(s, 'spec', 'source', 'persistentVolumeClaimName')));
  put('content', asStr(dig(s, 'spec', 'source', 'volumeSnapshotContentName')));
  put('className', asStr(dig(s, 'spec', 'volumeSnapshotClassName')));
  put('bound', asStr(dig(s, 'status', 'boundVolumeSnapshotContentName')) || undefined);
  const ready = dig(s, 'status', 'readyToUse');
  put('ready', typeof ready === 'boolean' ? ready : undefined);
  put('creationTime', asStr(dig(s, 'status', 'creationTime')));
  return v;
}

export interface ContentView {
  volumeHandle?: string;
  snapshotHandle?: string;
  driver: string;
  policy: string;
  className?: string;
  ref: { name: string; namespace: string; uid: string };
  status?: JsonObject;
}

export function contentView(c: KObject): ContentView {
  const v: ContentView = {
    driver: asStr(dig(c, 'spec', 'driver')) ?? '',
    policy: asStr(dig(c, 'spec', 'deletionPolicy')) ?? '',
    ref: {
      name: asStr(dig(c, 'spec', 'volumeSnapshotRef', 'name')) ?? '',
      namespace: asStr(dig(c, 'spec', 'volumeSnapshotRef', 'namespace')) ?? '',
      uid: asStr(dig(c, 'spec', 'volumeSnapshotRef', 'uid')) ?? '',
    },
  };
  const vh = asStr(dig(c, 'spec', 'source', 'volumeHandle'));
  const sh = asStr(dig(c, 'spec', 'source', 'snapshotHandle'));
  const cls = asStr(dig(c, 'spec', 'volumeSnapshotClassName'));
  if (vh !== undefined) v.volumeHandle = vh;
  if (sh !== undefined) v.snapshotHandle = sh;
  if (cls !== undefined) v.className = cls;
  if (isObject(c.status)) v.status = c.status;
  return v;
}

export const hasFinalizer = (o: KObject, f: string): boolean => (o.metadata.finalizers ?? []).includes(f);
export const isDeleting = (o: KObject): boolean => Boolean(o.metadata.deletionTimestamp);
export const contentReady = (c: KObject): boolean => dig(c, 'status', 'readyToUse') === true;

/** utils.IsVolumeSnapshotRefSet: the content points at exactly this snapshot. */
export function refersTo(content: KObject, snapshot: KObject): boolean {
  const r = contentView(content).ref;
  return r.name === snapshot.metadata.name && r.namespace === snapshot.metadata.namespace && r.uid === snapshot.metadata.uid;
}

/** utils.RemovePrefixedParameters: drops the sidecar's own keys; an unknown reserved key is an error. */
export function driverParameters(params: Record<string, string>): { params: Record<string, string> } | { error: string } {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!k.startsWith(CSI_PARAMETER_PREFIX)) out[k] = v;
    else if (!KNOWN_PREFIXED.has(k)) return { error: `found unknown parameter key "${k}" with reserved namespace ${CSI_PARAMETER_PREFIX}` };
  }
  return { params: out };
}
