// The resizer's decision for one claim, pure: whether a bound claim asks for more than it has,
// and to which size to expand its volume now. Follows external-resizer with
// RecoverVolumeExpansionFailure (GA): allocatedResources remembers the size being worked on, and
// allocatedResourceStatuses where that work is (controller or node), so a failed or shrunk
// request resumes or recovers at the right size.
import type { KObject } from '../../machinery/types';
import { bytesOf } from '../provisioner/sizes';

export const ANN_PRE_RESIZE_CAPACITY = 'volume.alpha.kubernetes.io/pre-resize-capacity';
export const ANN_NODE_EXPANSION_NOT_REQUIRED = 'volume.kubernetes.io/node-expansion-not-required';

export type ResizeStatus = 'ControllerResizeInProgress' | 'ControllerResizeInfeasible' | 'NodeResizePending' | 'NodeResizeInProgress' | 'NodeResizeInfeasible';

export interface Size {
  /** The quantity as written in the object. */
  text: string;
  bytes: bigint;
}

export interface ResizeFacts {
  claim: KObject;
  pv: KObject | undefined;
  /** The PV's CSI driver is in the registry. */
  registered: boolean;
  /** The driver has ControllerExpandVolume (else the size is only recorded and the node expands). */
  controlPlane: boolean;
  /** The last ControllerExpandVolume for this claim failed with a final error. */
  hadFinalError: boolean;
  /** It failed as infeasible recently: retrying the same size waits (upstream's slow set). */
  inSlowSet: boolean;
}

export type ResizeDecision = { action: 'none'; why: string } | { action: 'delay'; why: string } | { action: 'expand'; size: Size; updateStatus: boolean };

const o = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const size = (v: unknown): Size | undefined => {
  const bytes = bytesOf(v);
  return bytes === undefined ? undefined : { text: typeof v === 'string' ? v : String(v), bytes };
};

export const requestSize = (claim: KObject): Size | undefined => size(o(o(o(claim.spec).resources).requests).storage);
export const statusCapacity = (claim: KObject): Size | undefined => size(o(o(claim.status).capacity).storage);
export const allocatedSize = (claim: KObject): Size | undefined => size(o(o(claim.status).allocatedResources).storage);
export const resizeStatus = (claim: KObject): string => {
  const v = o(o(claim.status).allocatedResourceStatuses).storage;
  return typeof v === 'string' ? v : '';
};
export const volumeCapacity = (pv: KObject): Size | undefined => size(o(o(pv.spec).capacity).storage);
const hasCondition = (claim: KObject, type: string): boolean =>
  Array.isArray(o(claim.status).conditions) && (o(claim.status).conditions as unknown[]).some((c) => o(c).type === type);

/** pvcNeedResize: Bound, names a volume, and asks for more than status.capacity. */
export function claimNeedsResize(claim: KObject): boolean {
  if (o(claim.status).phase !== 'Bound' || !o(claim.spec).volumeName) return false;
  const want = requestSize(claim);
  return want !== undefined && want.bytes > (statusCapacity(claim)?.bytes ?? 0n);
}

export function decideResize(f: ResizeFacts): ResizeDecision {
  const { claim, pv } = f;
  if (!claimNeedsResize(claim)) return { action: 'none', why: 'no resize requested' };
  if (!pv) return { action: 'none', why: 'volume not in cache yet' };
  const csi = o(o(pv.spec).csi);
  if (!o(pv.spec).csi || !f.registered) return { action: 'none', why: `not a volume of a registered CSI driver (${typeof csi.driver === 'string' ? csi.driver : 'none'})` };
  const ref = o(o(pv.spec).claimRef);
  if (ref.namespace !== claim.metadata.namespace || ref.uid !== claim.metadata.uid) return { action: 'none', why: 'volume is not bound to this claim' };

  const spec = requestSize(claim)!;
  const pvSize = volumeCapacity(pv)?.bytes ?? 0n;
  const allocated = allocatedSize(claim);
  const status = resizeStatus(claim);
  let target: Size;
  if (pvSize < spec.bytes) {
    // The volume is smaller than asked: finish an earlier expansion before starting a new one.
    switch (status) {
      case 'NodeResizeInfeasible':
        target = allocated ?? spec;
        break;
      case 'NodeResizePending':
      case 'NodeResizeInProgress':
        target = allocated ?? spec;
        if (pvSize >= target.bytes) return { action: 'none', why: 'node expansion of the earlier size still pending' };
        break;
      case 'ControllerResizeInProgress':
        // An uncertain failure may still complete at the old size; a final one lets the new size in.
        target = f.hadFinalError ? spec : (allocated ?? spec);
        break;
      default:
        target = spec;
    }
  } else {
    // The volume is already big enough: record the work, or leave the node to finish it.
    switch (status) {
      case 'NodeResizePending':
      case 'NodeResizeInProgress':
        return { action: 'none', why: 'waiting for the node to expand the filesystem' };
      case 'NodeResizeInfeasible':
        target = f.controlPlane && allocated ? allocated : spec;
        break;
      case 'ControllerResizeInProgress':
      case 'ControllerResizeInfeasible':
        target = allocated ?? spec;
        break;
      default:
        if (status === '' && allocated) target = allocated;
        else if (hasCondition(claim, 'FileSystemResizePending')) return { action: 'none', why: 'waiting for the node to expand the filesystem' };
        else target = spec;
    }
  }
  let updateStatus = true;
  if (allocated && allocated.bytes === target.bytes) {
    if (f.inSlowSet) return { action: 'delay', why: 'expansion to this size failed as infeasible recently' };
    updateStatus = false;
  }
  return { action: 'expand', size: target, updateStatus };
}

/** The pre-resize annotation goes once the claim's capacity caught up with the volume. */
export function preResizeAnnotationDone(claim: KObject, pv: KObject): boolean {
  if (pv.metadata.annotations?.[ANN_PRE_RESIZE_CAPACITY] === undefined) return false;
  return (statusCapacity(claim)?.bytes ?? 0n) >= (volumeCapacity(pv)?.bytes ?? 0n);
}
