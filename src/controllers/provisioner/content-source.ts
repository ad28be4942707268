// A claim's dataSource / dataSourceRef as the external-provisioner reads it: a VolumeSnapshot to
// restore (its bound content's snapshotHandle) or a claim to clone (its PV's volumeHandle); any
// other kind is a populator's job. The objects are fetched by the controller; the checks (and
// their upstream messages) are here.
import type { KObject } from '../../machinery/types';
import type { ContentSource } from '../../storage/csi/types';
import type { Result } from './csi-request';
import { bytesOf } from './sizes';

export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';

export interface DataSource {
  kind: string;
  apiGroup: string;
  name: string;
  namespace: string;
}

/** An object the controller looked up, or why it could not. */
export type Fetched = KObject | { error: string };

type Ref = { kind?: unknown; apiGroup?: unknown; name?: unknown; namespace?: unknown } | undefined;
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const o = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const fetchError = (f: Fetched): string | undefined => ('error' in f && typeof f.error === 'string' ? f.error : undefined);

/** dataSource first, else dataSourceRef (cross-namespace refs need a gate Berth keeps off). */
export function dataSourceOf(claim: KObject): Result<DataSource | undefined> {
  const spec = o(claim.spec);
  const ns = claim.metadata.namespace ?? '';
  const ds = spec.dataSource as Ref;
  const ref = spec.dataSourceRef as Ref;
  const pick = (r: NonNullable<Ref>, namespace: string): DataSource => ({ kind: s(r.kind), apiGroup: s(r.apiGroup), name: s(r.name), namespace });
  if (ds) return { ok: true, value: pick(ds, ns) };
  if (!ref) return { ok: true, value: undefined };
  const refNs = s(ref.namespace);
  if (refNs && refNs !== ns) return { ok: false, error: 'dataSourceRef namespace specified but the CrossNamespaceVolumeDataSource feature is disabled' };
  return { ok: true, value: pick(ref, ns) };
}

export type SourceKind = 'snapshot' | 'clone' | 'populator';

export function sourceKind(ds: DataSource, claimName: string): Result<SourceKind> {
  if (!ds.name) return { ok: false, error: `the PVC source not found for PVC ${claimName}` };
  if (ds.kind === 'VolumeSnapshot') {
    if (ds.apiGroup !== SNAPSHOT_GROUP) return { ok: false, error: `the PVC source does not belong to the right APIGroup. Expected ${SNAPSHOT_GROUP}, Got ${ds.apiGroup}` };
    return { ok: true, value: 'snapshot' };
  }
  if (ds.kind === 'PersistentVolumeClaim' && ds.apiGroup === '') return { ok: true, value: 'clone' };
  return { ok: true, value: 'populator' };
}

const wrap = (ds: DataSource, error: string): Result<ContentSource> => ({ ok: false, error: `error getting handle for DataSource Type ${ds.kind} by Name ${ds.name}: ${error}` });

/** The snapshot to restore: bound to a content of the class's driver, ready, not larger than the claim. */
/** The content annotation that lets a restore change Filesystem ↔ Block. */
export const ALLOW_MODE_CHANGE = 'snapshot.storage.kubernetes.io/allow-volume-mode-change';

export function snapshotSource(ds: DataSource, claim: KObject, cls: KObject, snapshot: Fetched, content: Fetched | undefined): Result<ContentSource> {
  const snapErr = fetchError(snapshot);
  if (snapErr !== undefined) return wrap(ds, `error getting snapshot ${ds.name} from api server: ${snapErr}`);
  const snap = snapshot as KObject;
  if (snap.metadata.deletionTimestamp) return wrap(ds, `snapshot ${ds.name} is being deleted`);
  const status = o(snap.status);
  const contentName = s(status.boundVolumeSnapshotContentName);
  if (!contentName || !content) return wrap(ds, `snapshot ${ds.name} not bound`);
  if (fetchError(content) !== undefined) return wrap(ds, `error getting snapshotcontent ${contentName} for snapshot ${ds.name}`);
  const c = content as KObject;
  const cspec = o(c.spec);
  const back = o(cspec.volumeSnapshotRef);
  if (s(back.uid) !== (snap.metadata.uid ?? '') || s(back.namespace) !== (snap.metadata.namespace ?? '') || s(back.name) !== (snap.metadata.name ?? '')) {
    return wrap(ds, `snapshotcontent ${contentName} for snapshot ${ds.name} is bound to a different snapshot`);
  }
  if (s(cspec.driver) !== s(cls.provisioner)) return wrap(ds, `snapshotcontent ${contentName} for snapshot ${ds.name} is not handled by CSI driver of StorageClass ${cls.metadata.name ?? ''}`);
  // prevent-volume-mode-conversion (on by default upstream): Filesystem ↔ Block needs the
  // content's explicit permission.
  const sourceMode = s(cspec.sourceVolumeMode);
  const wantMode = s(o(claim.spec).volumeMode) || 'Filesystem';
  if (sourceMode && sourceMode !== wantMode && c.metadata.annotations?.[ALLOW_MODE_CHANGE] !== 'true') {
    return wrap(ds, `requested volume ${claim.metadata.namespace ?? ''}/${claim.metadata.name ?? ''} modifies the mode of the source volume but does not have permission to do so. ${ALLOW_MODE_CHANGE} annotation is not present on snapshotcontent ${contentName}`);
  }
  if (status.readyToUse !== true) return wrap(ds, `snapshot ${ds.name} is not Ready`);
  const handle = s(o(c.status).snapshotHandle);
  if (!handle) return wrap(ds, `snapshot handle ${ds.name} is not available`);
  const restore = bytesOf(status.restoreSize);
  const want = bytesOf(o(o(o(claim.spec).resources).requests).storage) ?? 0n;
  if (restore !== undefined && want < restore) return wrap(ds, `requested volume size ${want} is less than the size ${restore} for the source snapshot ${ds.name}`);
  return { ok: true, value: { snapshotId: handle } };
}

/** The claim to clone: same namespace and class, Bound to a PV of the class's driver, not larger. */
export function cloneSource(ds: DataSource, claim: KObject, cls: KObject, source: Fetched, sourcePv: Fetched | undefined): Result<ContentSource> {
  const srcErr = fetchError(source);
  if (srcErr !== undefined) return wrap(ds, `error getting PVC ${ds.name} (namespace "${claim.metadata.namespace ?? ''}") from api server: ${srcErr}`);
  const src = source as KObject;
  const phase = s(o(src.status).phase);
  if (phase !== 'Bound') return wrap(ds, `the PVC DataSource ${ds.name} must have a status of Bound.  Got ${phase || 'Pending'}`);
  if (src.metadata.deletionTimestamp) return wrap(ds, `the PVC DataSource ${ds.name} is currently being deleted`);
  const srcSpec = o(src.spec);
  const spec = o(claim.spec);
  const srcClass = s(srcSpec.storageClassName);
  if (!srcClass) return wrap(ds, `the source PVC (${ds.name}) storageclass cannot be empty`);
  if (srcClass !== s(spec.storageClassName)) {
    return wrap(ds, `the source PVC and destination PVCs must be in the same storage class for cloning. Source is in ${srcClass}, but new PVC is in ${s(spec.storageClassName)}`);
  }
  const want = bytesOf(o(o(spec.resources).requests).storage) ?? 0n;
  const have = bytesOf(o(o(srcSpec.resources).requests).storage) ?? 0n;
  if (want < have) return wrap(ds, `error, new PVC request must be greater than or equal in size to the specified PVC data source, requested ${want} but source is ${have}`);
  if (!s(srcSpec.volumeName)) return wrap(ds, `volume name is empty in source PVC ${ds.name}`);
  const invalid = wrap(ds, 'claim in dataSource not bound or invalid');
  if (!sourcePv || fetchError(sourcePv) !== undefined) return invalid;
  const pv = sourcePv as KObject;
  const pvSpec = o(pv.spec);
  const csi = o(pvSpec.csi);
  const ref = o(pvSpec.claimRef);
  if (!pvSpec.csi || s(csi.driver) !== s(cls.provisioner)) return invalid;
  if (s(ref.uid) !== (src.metadata.uid ?? '') || s(ref.namespace) !== (src.metadata.namespace ?? '') || s(ref.name) !== (src.metadata.name ?? '')) return invalid;
  if (s(o(pv.status).phase) !== 'Bound') return invalid;
  const srcBlock = pvSpec.volumeMode === 'Block';
  const block = spec.volumeMode === 'Block';
  if (srcBlock !== block) {
    return wrap(ds, `the source PVC and destination PVCs must have the same volume mode for cloning.  Source is ${srcBlock ? 'Block' : 'Filesystem'}, but new PVC requested ${block ? 'Block' : 'Filesystem'}`);
  }
  const handle = s(csi.volumeHandle);
  if (!handle) return invalid;
  return { ok: true, value: { volumeId: handle } };
}
