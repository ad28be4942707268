// One sync's worth of pod changes for a StatefulSet (upstream's updateStatefulSet): which
// ordinals to create, which pods to delete, honouring OrderedReady/Parallel and the update
// strategy. Pure: the controller carries the actions out and the next sync re-plans.
import type { KObject } from '../../machinery/types';
import { type StsStatus, startOrdinal, isCreated, isFailed, isHealthy, isRunningAndReady, isTerminating, ordinalOf, podRevision, stsSpec } from './compute';

export type Action = { op: 'create'; ordinal: number } | { op: 'delete'; ordinal: number; pod: KObject; why: 'failed' | 'condemned' | 'update' };

export interface PlanInput {
  set: KObject;
  /** The set's pods (owned), terminating ones included. */
  pods: readonly KObject[];
  updateRevision: string;
  now: Date;
}

/** Pods by ordinal: the wanted slots [0, replicas) and the condemned ones beyond, highest first. */
export function partition(set: KObject, pods: readonly KObject[]): { replicas: (KObject | undefined)[]; condemned: KObject[] } {
  const n = stsSpec(set).replicas ?? 1;
  const start = startOrdinal(set);
  const replicas: (KObject | undefined)[] = Array.from({ length: n }, () => undefined);
  const condemned: KObject[] = [];
  for (const p of pods) {
    const o = ordinalOf(set, p);
    if (o < 0) continue;
    // Slots are [start, start+replicas); pods outside (e.g. after ordinals.start moved) go.
    if (o >= start && o < start + n) replicas[o - start] = p;
    else condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
  return { replicas, condemned };
}

export function plan({ set, pods, updateRevision, now }: PlanInput): Action[] {
  const spec = stsSpec(set);
  const ordered = (spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
  const minReady = spec.minReadySeconds ?? 0;
  const { replicas, condemned } = partition(set, pods);
  const out: Action[] = [];
  // A set being deleted only reports status; the garbage collector removes its pods.
  if (set.metadata.deletionTimestamp) return out;

  for (let i = 0; i < replicas.length; i++) {
    const p = replicas[i];
    if (p && isFailed(p) && !isTerminating(p)) {
      // A finished pod is deleted and re-created later under the same identity.
      out.push({ op: 'delete', ordinal: startOrdinal(set) + i, pod: p, why: 'failed' });
      if (ordered) return out;
      continue;
    }
    if (!p) {
      out.push({ op: 'create', ordinal: startOrdinal(set) + i });
      if (ordered) return out;
      continue;
    }
    if (!ordered) continue;
    // OrderedReady: ordinal N waits for 0..N-1 to be Running and Ready (and not terminating).
    if (isTerminating(p) || !isCreated(p) || !isRunningAndReady(p) || !isHealthy(p, minReady, now)) return out;
  }

  // Scale down from the highest ordinal; in order, one at a time, each finishing first.
  for (const p of condemned) {
    const o = ordinalOf(set, p);
    if (isTerminating(p)) {
      if (ordered) return out;
      continue;
    }
    out.push({ op: 'delete', ordinal: o, pod: p, why: 'condemned' });
    if (ordered) return out;
  }
  if (!ordered && out.length) return out;

  if ((spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return out;
  const floor = Math.max(0, spec.updateStrategy?.rollingUpdate?.partition ?? 0);
  // Replace outdated pods from the highest ordinal down, one at a time, waiting for each.
  for (let i = replicas.length - 1; i >= floor; i--) {
    const p = replicas[i];
    if (!p) return out;
    if (podRevision(p) !== updateRevision && !isTerminating(p)) {
      out.push({ op: 'delete', ordinal: startOrdinal(set) + i, pod: p, why: 'update' });
      return out;
    }
    if (!isHealthy(p, minReady, now)) return out;
  }
  return out;
}

/** Upstream's computeReplicaStatus + completeRollingUpdate. */
export function computeStatus(set: KObject, pods: readonly KObject[], updateRev: string, now: Date): StsStatus {
  const spec = stsSpec(set);
  const prev = (set.status ?? {}) as Partial<StsStatus>;
  const currentRevision = prev.currentRevision || updateRev;
  const s: StsStatus = {
    observedGeneration: set.metadata.generation ?? 0,
    replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0, availableReplicas: 0,
    currentRevision, updateRevision: updateRev, collisionCount: prev.collisionCount ?? 0,
  };
  for (const p of pods) {
    if (ordinalOf(set, p) < 0) continue;
    if (isCreated(p)) s.replicas++;
    if (isRunningAndReady(p) && !isTerminating(p)) {
      s.readyReplicas = (s.readyReplicas ?? 0) + 1;
      if (isHealthy(p, spec.minReadySeconds ?? 0, now)) s.availableReplicas = (s.availableReplicas ?? 0) + 1;
    }
    if (isCreated(p) && !isTerminating(p)) {
      if (podRevision(p) === currentRevision) s.currentReplicas = (s.currentReplicas ?? 0) + 1;
      if (podRevision(p) === updateRev) s.updatedReplicas = (s.updatedReplicas ?? 0) + 1;
    }
  }
  // A finished rolling update makes the update revision current.
  const rolling = (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  if (rolling && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
    s.currentRevision = updateRev;
    s.currentReplicas = s.updatedReplicas ?? 0;
  }
  return s;
}
