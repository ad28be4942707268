// The provisioner's decisions for a PV it made, pure: keep its deletion finalizer in step with the
// reclaim policy (the library's handleProtectionFinalizer) and delete the backing volume of a
// Released volume whose policy is Delete (shouldDelete).
import type { KObject } from '../../machinery/types';
import { ANN_DYNAMICALLY_PROVISIONED } from '../persistentvolume/compute';
import { PROVISIONER_FINALIZER } from './provisioned-volume';

export type VolumeDecision =
  | { action: 'none'; why: string }
  | { action: 'finalizers'; finalizers: string[] }
  | { action: 'delete'; driver: string; volumeHandle: string }
  | { action: 'fail'; message: string };

const o = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const s = (v: unknown): string => (typeof v === 'string' ? v : '');

export function decideVolume(pv: KObject | undefined, isRegistered: (driver: string) => boolean): VolumeDecision {
  if (!pv) return { action: 'none', why: 'volume gone' };
  const driver = pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] ?? '';
  if (!driver || !isRegistered(driver)) return { action: 'none', why: 'not provisioned by a registered driver' };
  const spec = o(pv.spec);
  const policy = s(spec.persistentVolumeReclaimPolicy);
  const phase = s(o(pv.status).phase);
  const finalizers = pv.metadata.finalizers ?? [];
  const has = finalizers.includes(PROVISIONER_FINALIZER);
  const deleting = !!pv.metadata.deletionTimestamp;
  if (policy === 'Delete' && !deleting && phase === 'Bound' && !has) return { action: 'finalizers', finalizers: [...finalizers, PROVISIONER_FINALIZER] };
  if ((policy === 'Retain' || policy === 'Recycle') && has) return { action: 'finalizers', finalizers: finalizers.filter((f) => f !== PROVISIONER_FINALIZER) };
  if (deleting && !has) return { action: 'none', why: 'finalizer removed: the volume was already deleted' };
  if (phase !== 'Released') return { action: 'none', why: `phase is ${phase || 'unset'}, not Released` };
  if (policy !== 'Delete') return { action: 'none', why: `reclaim policy is ${policy}` };
  const csi = o(spec.csi);
  if (!spec.csi || !s(csi.volumeHandle)) return { action: 'fail', message: 'invalid CSI PV' };
  return { action: 'delete', driver: s(csi.driver) || driver, volumeHandle: s(csi.volumeHandle) };
}
