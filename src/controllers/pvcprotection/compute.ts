// When the storage-protection finalizers may go (upstream pvc_protection_controller and
// pv_protection_controller), pure.
import type { KObject } from '../../machinery/types';

export { PVC_PROTECTION_FINALIZER as PVC_PROTECTION, PV_PROTECTION_FINALIZER as PV_PROTECTION } from '../../apiserver/admission/storage-protection';

interface PodVolume {
  name?: string;
  persistentVolumeClaim?: { claimName?: string };
  ephemeral?: unknown;
}

/** The claims a pod's volumes name (a generic ephemeral volume's claim is "<pod>-<volume>"). */
export function claimsOfPod(pod: KObject): string[] {
  const vols = ((pod.spec as { volumes?: PodVolume[] } | undefined)?.volumes ?? []);
  return vols.flatMap((v) => {
    if (v.persistentVolumeClaim?.claimName) return [v.persistentVolumeClaim.claimName];
    if (v.ephemeral && v.name) return [`${pod.metadata.name ?? ''}-${v.name}`];
    return [];
  });
}

/** A pod keeps its claims in use until it has finished (Succeeded or Failed) or is gone. */
export function podUsesClaim(pod: KObject, claim: string): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return claimsOfPod(pod).includes(claim);
}

/** The finalizers to write when `finalizer` may be dropped, or undefined to leave the object be. */
export function withoutFinalizer(obj: KObject, finalizer: string, inUse: boolean): string[] | undefined {
  const fins = obj.metadata.finalizers ?? [];
  if (!obj.metadata.deletionTimestamp || !fins.includes(finalizer) || inUse) return undefined;
  return fins.filter((f) => f !== finalizer);
}

/** A volume is in use while Bound. */
export const volumeInUse = (pv: KObject): boolean => (pv.status as { phase?: string } | undefined)?.phase === 'Bound';
