// Pod facts the workload controllers share (upstream's podutil and controller_utils): active,
// ready, available, controller references.
import type { KObject, OwnerReference } from '../../machinery/types';

interface PodCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}
interface PodStatusView {
  phase?: string;
  conditions?: PodCondition[];
  containerStatuses?: { restartCount?: number }[];
}

export const podStatus = (p: KObject): PodStatusView => (p.status ?? {});
export const podPhase = (p: KObject): string => podStatus(p).phase ?? '';
export const podNodeName = (p: KObject): string => ((p.spec as { nodeName?: string } | undefined)?.nodeName ?? '');

/** Not finished and not being deleted (upstream's IsPodActive). */
export function isPodActive(p: KObject): boolean {
  const phase = podPhase(p);
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata.deletionTimestamp;
}

export function readyCondition(p: KObject): PodCondition | undefined {
  return (podStatus(p).conditions ?? []).find((c) => c.type === 'Ready');
}

export function isPodReady(p: KObject): boolean {
  return readyCondition(p)?.status === 'True';
}

/** Ready for at least minReadySeconds at `now` (upstream's IsPodAvailable). */
export function isPodAvailable(p: KObject, minReadySeconds: number, now: Date): boolean {
  const c = readyCondition(p);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now.getTime();
}

export function controllerRefOf(o: KObject): OwnerReference | undefined {
  return (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** The owner reference a controller puts on what it creates or adopts. */
export function controllerRefTo(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export const keyOf = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}
