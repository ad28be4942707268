// What happens to one VolumeSnapshotContent: the common controller's part (finalizer, marking it
// when its snapshot is being deleted) and the csi-snapshotter's part (CreateSnapshot for a
// dynamic content, status for a pre-provisioned one, DeleteSnapshot and finalizer removal once
// it may go). Pure: the controller runs the step against the API and the driver.
import { asStr, asStrMap, dig } from '../../machinery/resources/storage-apps-util';
import type { KObject } from '../../machinery/types';
import { ANN_BEING_CREATED, ANN_BEING_DELETED, VSC_FINALIZER, VS_AS_SOURCE_FINALIZER, VS_BOUND_FINALIZER, contentReady, contentView, csiSnapshotName, driverParameters, hasFinalizer, isDeleting } from './names';

export interface ContentWorld {
  content: KObject;
  /** The VolumeSnapshot named by spec.volumeSnapshotRef, when it exists. */
  snapshot?: KObject | undefined;
  /** The VolumeSnapshotClass named by spec.volumeSnapshotClassName, when it exists. */
  snapshotClass?: KObject | undefined;
  /** Whether the content's driver is registered. */
  driverKnown: boolean;
  /** Registered driver names, for the error that names the fix. */
  drivers: readonly string[];
}

export type ContentStep =
  | { do: 'none' }
  | { do: 'addFinalizer' }
  | { do: 'markBeingDeleted' }
  /** DeleteSnapshot when `snapshotId` is set (then clear status), then drop the finalizer. */
  | { do: 'release'; snapshotId?: string }
  | { do: 'create'; volumeId: string; name: string; parameters: Record<string, string> }
  /** A pre-provisioned snapshot: ready, created now (no ListSnapshots to ask). */
  | { do: 'staticStatus'; snapshotHandle: string }
  | { do: 'dropBeingCreated' }
  /** status.error + readyToUse false + Warning event; retried. */
  | { do: 'error'; reason: string; message: string };

/** The sidecar's shouldDelete: deleting, and either unbound pre-provisioned or released by its snapshot. */
function shouldRelease(c: KObject): boolean {
  if (!isDeleting(c)) return false;
  const v = contentView(c);
  if (v.snapshotHandle !== undefined && v.ref.uid === '') return true;
  if (c.metadata.annotations?.[ANN_BEING_CREATED] !== undefined) return false;
  return c.metadata.annotations?.[ANN_BEING_DELETED] !== undefined;
}

/** getCSISnapshotInput + the CreateSnapshot arguments. */
function createStep(w: ContentWorld): ContentStep {
  const c = w.content;
  const v = contentView(c);
  const name = c.metadata.name ?? '';
  const inputs = (why: string): ContentStep => ({ do: 'error', reason: 'SnapshotCreationFailed', message: `Failed to create snapshot: failed to get input parameters to create snapshot for content ${name}: ${JSON.stringify(why)}` });
  if (v.className === undefined) return inputs(`failed to take snapshot ${name} without a snapshot class`);
  if (!w.snapshotClass) return inputs(`volumesnapshotclass.snapshot.storage.k8s.io "${v.className}" not found`);
  if (!w.driverKnown) {
    return { do: 'error', reason: 'SnapshotCreationFailed', message: `Failed to create snapshot: no CSI driver named ${v.driver} is registered (known: ${w.drivers.join(', ') || 'none'}); start the driver or use a VolumeSnapshotClass of a registered one` };
  }
  const params = driverParameters(asStrMap(w.snapshotClass['parameters']) ?? {});
  if ('error' in params) return { do: 'error', reason: 'SnapshotCreationFailed', message: `Failed to create snapshot: failed to remove CSI Parameters of prefixed keys: ${params.error}` };
  return { do: 'create', volumeId: v.volumeHandle ?? '', name: csiSnapshotName(v.ref.uid), parameters: params.params };
}

export function decideContent(w: ContentWorld): ContentStep {
  const c = w.content;
  const v = contentView(c);
  if (v.ref.uid !== '') {
    if (!isDeleting(c) && !hasFinalizer(c, VSC_FINALIZER)) return { do: 'addFinalizer' };
    const s = w.snapshot && w.snapshot.metadata.uid === v.ref.uid ? w.snapshot : undefined;
    // utils.IsSnapshotDeletionCandidate: the snapshot goes and still holds a finalizer.
    const candidate = s && isDeleting(s) && (hasFinalizer(s, VS_AS_SOURCE_FINALIZER) || hasFinalizer(s, VS_BOUND_FINALIZER));
    if (candidate && c.metadata.annotations?.[ANN_BEING_DELETED] === undefined) return { do: 'markBeingDeleted' };
  }
  if (shouldRelease(c)) {
    const handle = asStr(dig(c, 'status', 'snapshotHandle'));
    if (v.policy === 'Delete' && handle !== undefined) {
      if (!w.driverKnown) return { do: 'error', reason: 'SnapshotDeleteError', message: `Failed to delete snapshot: no CSI driver named ${v.driver} is registered (known: ${w.drivers.join(', ') || 'none'}); start the driver, or remove the finalizer ${VSC_FINALIZER} to leave the snapshot behind` };
      return { do: 'release', snapshotId: handle };
    }
    return hasFinalizer(c, VSC_FINALIZER) ? { do: 'release' } : { do: 'none' };
  }
  if (v.volumeHandle !== undefined && c.status === undefined) return createStep(w);
  if (contentReady(c)) return c.metadata.annotations?.[ANN_BEING_CREATED] !== undefined ? { do: 'dropBeingCreated' } : { do: 'none' };
  if (v.snapshotHandle !== undefined) return { do: 'staticStatus', snapshotHandle: v.snapshotHandle };
  // Not ready yet, or a failed attempt: CreateSnapshot again (idempotent by name).
  return createStep(w);
}
