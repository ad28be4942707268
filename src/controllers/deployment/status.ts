// Deployment status and conditions (upstream: sync.go calculateStatus, progress.go
// syncRolloutStatus, deployment_util.go condition helpers and DeploymentComplete/Progressing/
// TimedOut).
import type { KObject } from '../../machinery/types';
import { type DeploymentCondition, type DeploymentStatus, dReplicas, dSpec, dStatus, rfc, rsStatusOf, sumSpec, sumStatus } from './model';
import { maxUnavailable } from './strategy';

const MAX_INT32 = 2147483647;

export const hasProgressDeadline = (d: KObject): boolean => {
  const p = dSpec(d).progressDeadlineSeconds;
  return p !== undefined && p !== MAX_INT32;
};

export function condition(type: string, status: string, reason: string, message: string, now: Date): DeploymentCondition {
  const t = rfc(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export const getCondition = (s: DeploymentStatus, type: string): DeploymentCondition | undefined => (s.conditions ?? []).find((c) => c.type === type);

/** SetDeploymentCondition: same status and reason is a no-op; same status keeps the transition time. */
export function setCondition(s: DeploymentStatus, c: DeploymentCondition): void {
  const cur = getCondition(s, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status && cur.lastTransitionTime) next.lastTransitionTime = cur.lastTransitionTime;
  s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(s: DeploymentStatus, type: string): void {
  if (!s.conditions) return;
  s.conditions = s.conditions.filter((c) => c.type !== type);
}

/** calculateStatus: counts over every ReplicaSet plus the Available condition. */
export function calculateStatus(allRSs: readonly (KObject | undefined)[], newRS: KObject | undefined, d: KObject, now: Date): DeploymentStatus {
  const available = sumStatus(allRSs, 'availableReplicas');
  const unavailable = Math.max(0, sumSpec(allRSs) - available);
  const prev = dStatus(d);
  const s: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: newRS ? (rsStatusOf(newRS).replicas ?? 0) : 0,
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    ...(prev.collisionCount !== undefined ? { collisionCount: prev.collisionCount } : {}),
    ...(prev.conditions ? { conditions: structuredClone(prev.conditions) } : {}),
  };
  if (available >= dReplicas(d) - maxUnavailable(d)) setCondition(s, condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
  else setCondition(s, condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now));
  return s;
}

export function deploymentComplete(d: KObject, s: DeploymentStatus): boolean {
  const want = dReplicas(d);
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

export function deploymentProgressing(d: KObject, s: DeploymentStatus): boolean {
  const old = dStatus(d);
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export function deploymentTimedOut(d: KObject, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + (dSpec(d).progressDeadlineSeconds ?? 0) * 1000 < now.getTime();
}

/** syncRolloutStatus's new status: counts plus the Progressing and ReplicaFailure conditions. */
export function rolloutStatus(allRSs: readonly (KObject | undefined)[], newRS: KObject | undefined, d: KObject, now: Date): DeploymentStatus {
  const s = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(s, 'Progressing');
  const cur = getCondition(dStatus(d), 'Progressing');
  const complete = s.replicas === s.updatedReplicas && cur?.reason === 'NewReplicaSetAvailable';
  if (hasProgressDeadline(d) && !complete) {
    const who = newRS ? `ReplicaSet "${newRS.metadata.name ?? ''}"` : `Deployment "${d.metadata.name ?? ''}"`;
    if (deploymentComplete(d, s)) {
      setCondition(s, condition('Progressing', 'True', 'NewReplicaSetAvailable', `${who} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, s)) {
      const c = condition('Progressing', 'True', 'ReplicaSetUpdated', `${who} is progressing.`, now);
      // Progress refreshes lastUpdateTime (the deadline restarts) but not the transition time.
      if (cur) {
        if (cur.status === 'True' && cur.lastTransitionTime) c.lastTransitionTime = cur.lastTransitionTime;
        removeCondition(s, 'Progressing');
      }
      setCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      setCondition(s, condition('Progressing', 'False', 'ProgressDeadlineExceeded', `${who} has timed out progressing.`, now));
    }
  }
  const failure = [newRS, ...allRSs].flatMap((rs) => (rs ? (rsStatusOf(rs).conditions ?? []) : [])).find((c) => c.type === 'ReplicaFailure');
  if (failure) setCondition(s, condition('ReplicaFailure', failure.status, failure.reason ?? '', failure.message ?? '', now));
  else removeCondition(s, 'ReplicaFailure');
  return s;
}

/** requeueStuckDeployment: ms until the progress deadline should be checked again, if ever. */
export function stuckRequeueMs(d: KObject, s: DeploymentStatus, now: Date): number | undefined {
  const c = getCondition(s, 'Progressing');
  if (!hasProgressDeadline(d) || !c) return undefined;
  if (deploymentComplete(d, s) || c.reason === 'ProgressDeadlineExceeded') return undefined;
  const at = Date.parse(c.lastUpdateTime ?? '') + (dSpec(d).progressDeadlineSeconds ?? 0) * 1000;
  const after = at - now.getTime();
  return after < 1000 ? 0 : after + 1000;
}

/** checkPausedConditions: Progressing Unknown DeploymentPaused/DeploymentResumed. Returns the changed status or undefined. */
export function pausedConditionStatus(d: KObject, now: Date): DeploymentStatus | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const s = structuredClone(dStatus(d));
  const cur = getCondition(s, 'Progressing');
  if (cur?.reason === 'ProgressDeadlineExceeded') return undefined;
  const pausedCond = cur?.reason === 'DeploymentPaused';
  if (dSpec(d).paused && !pausedCond) setCondition(s, condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now));
  else if (!dSpec(d).paused && pausedCond) setCondition(s, condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now));
  else return undefined;
  return s;
}

/** Status equality as reflect.DeepEqual sees it on these plain fields. */
export function sameStatus(a: DeploymentStatus, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus) => JSON.stringify([
    s.observedGeneration ?? 0, s.replicas ?? 0, s.updatedReplicas ?? 0, s.readyReplicas ?? 0, s.availableReplicas ?? 0, s.unavailableReplicas ?? 0, s.collisionCount ?? null,
    (s.conditions ?? []).map((c) => [c.type, c.status, c.lastUpdateTime, c.lastTransitionTime, c.reason, c.message]),
  ]);
  return norm(a) === norm(b);
}
