// Rollout arithmetic (upstream: deployment/util/deployment_util.go, sync.go scale(), rolling.go):
// surge/unavailable fenceposts, how far the new ReplicaSet may grow, how far old ones may shrink,
// and proportional scaling of every active ReplicaSet when spec.replicas changes mid-rollout.
import type { KObject } from '../../machinery/types';
import { type DeploymentSpec, DESIRED_REPLICAS, MAX_REPLICAS, active, byCreation, dReplicas, dSpec, rsReplicas, rsStatusOf, sumSpec, sumStatus } from './model';

/** GetScaledValueFromIntOrPercent. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) {
    const n = Number(v);
    return Number.isInteger(n) ? n : 0;
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

const isRolling = (spec: DeploymentSpec): boolean => (spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** ResolveFenceposts: surge rounds up, unavailable down; both zero means one unavailable. */
export function fenceposts(d: KObject): { surge: number; unavailable: number } {
  const ru = dSpec(d).strategy?.rollingUpdate ?? {};
  const desired = dReplicas(d);
  const surge = scaledValue(ru.maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: KObject): number {
  return isRolling(dSpec(d)) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: KObject): number {
  const replicas = dReplicas(d);
  if (!isRolling(dSpec(d)) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

/** NewRSNewReplicas: how big the new ReplicaSet may be now. */
export function newRSNewReplicas(d: KObject, allRSs: readonly (KObject | undefined)[], newRS: KObject): number {
  if (!isRolling(dSpec(d))) return dReplicas(d);
  const current = sumSpec(allRSs);
  const maxTotal = dReplicas(d) + maxSurge(d);
  if (current >= maxTotal) return rsReplicas(newRS);
  const up = Math.min(maxTotal - current, dReplicas(d) - rsReplicas(newRS));
  return rsReplicas(newRS) + up;
}

/** IsSaturated: the new ReplicaSet has all desired replicas available. */
export function isSaturated(d: KObject, rs: KObject | undefined): boolean {
  if (!rs) return false;
  const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS] ?? 'x');
  return rsReplicas(rs) === dReplicas(d) && desired === dReplicas(d) && (rsStatusOf(rs).availableReplicas ?? 0) === dReplicas(d);
}

/** FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active. */
export function activeOrLatest(newRS: KObject | undefined, oldRSs: readonly KObject[]): KObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort(byCreation).reverse();
  const all = active([...olds, newRS]);
  if (all.length === 0) return newRS ?? olds[0];
  return all.length === 1 ? all[0] : undefined;
}

/** math.Round: halves away from zero. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** getReplicaSetFraction: this ReplicaSet's share of a resize, from its max-replicas annotation. */
function fraction(rs: KObject, d: KObject): number {
  if (dReplicas(d) === 0) return -rsReplicas(rs);
  const target = dReplicas(d) + maxSurge(d);
  const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS]);
  const base = Number.isInteger(annotated) ? annotated : ((d.status as { replicas?: number } | undefined)?.replicas ?? 0);
  if (base === 0) return 0;
  return roundHalfAway((rsReplicas(rs) * target) / base) - rsReplicas(rs);
}

/** GetProportion. */
function proportion(rs: KObject, d: KObject, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const f = fraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(f, allowed) : Math.max(f, allowed);
}

export interface ScalePlan {
  /** Target size per ReplicaSet name (only those to touch). */
  sizes: Map<string, number>;
  /** "up"/"down" for event text when set by proportional scaling. */
  operation?: 'up' | 'down';
}

/**
 * Upstream's scale(): the one active ReplicaSet follows spec.replicas; a saturated new one
 * zeroes the old; otherwise every active ReplicaSet grows or shrinks in proportion.
 */
export function planScale(d: KObject, newRS: KObject | undefined, oldRSs: readonly KObject[]): ScalePlan {
  const sizes = new Map<string, number>();
  const only = activeOrLatest(newRS, oldRSs);
  if (only) {
    if (rsReplicas(only) !== dReplicas(d)) sizes.set(only.metadata.name ?? '', dReplicas(d));
    return { sizes };
  }
  if (isSaturated(d, newRS)) {
    for (const rs of active(oldRSs)) sizes.set(rs.metadata.name ?? '', 0);
    return { sizes };
  }
  if (!isRolling(dSpec(d))) return { sizes };
  const all = active([...oldRSs, newRS]);
  const allowed = dReplicas(d) > 0 ? dReplicas(d) + maxSurge(d) : 0;
  const toAdd = allowed - sumSpec(all);
  let operation: 'up' | 'down' | undefined;
  if (toAdd > 0) {
    // ReplicaSetsBySizeNewer: bigger first, then newer.
    all.sort((a, b) => rsReplicas(b) - rsReplicas(a) || byCreation(b, a));
    operation = 'up';
  } else if (toAdd < 0) {
    // ReplicaSetsBySizeOlder: bigger first, then older.
    all.sort((a, b) => rsReplicas(b) - rsReplicas(a) || byCreation(a, b));
    operation = 'down';
  }
  let added = 0;
  for (const rs of all) {
    let size = rsReplicas(rs);
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      size += p;
      added += p;
    }
    sizes.set(rs.metadata.name ?? '', size);
  }
  const first = all[0];
  if (added !== toAdd && first) {
    const name = first.metadata.name ?? '';
    sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + toAdd - added));
  }
  return { sizes, ...(operation ? { operation } : {}) };
}

/**
 * reconcileOldReplicaSets: first scale down old ReplicaSets' unavailable pods
 * (cleanupUnhealthyReplicas), then available ones while minAvailable holds
 * (scaleDownOldReplicaSetsForRollingUpdate). Returns the new size per old ReplicaSet to change.
 */
export function planOldScaleDown(d: KObject, newRS: KObject, oldRSs: readonly KObject[]): Map<string, number> {
  const out = new Map<string, number>();
  const olds = active(oldRSs);
  const oldCount = sumSpec(olds);
  if (oldCount === 0) return out;
  const allCount = oldCount + rsReplicas(newRS);
  const minAvailable = dReplicas(d) - maxUnavailable(d);
  const newUnavailable = rsReplicas(newRS) - (rsStatusOf(newRS).availableReplicas ?? 0);
  const maxScaledDown = allCount - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return out;
  const size = new Map(olds.map((rs) => [rs.metadata.name ?? '', rsReplicas(rs)]));
  const sorted = [...olds].sort(byCreation);
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const name = rs.metadata.name ?? '';
    const cur = size.get(name) ?? 0;
    const avail = rsStatusOf(rs).availableReplicas ?? 0;
    if (cur === 0 || cur === avail) continue;
    const n = Math.min(maxScaledDown - cleaned, cur - avail);
    size.set(name, cur - n);
    cleaned += n;
  }
  const available = sumStatus([...olds, newRS], 'availableReplicas');
  if (available > minAvailable) {
    const total = available - minAvailable;
    let done = 0;
    for (const rs of sorted) {
      if (done >= total) break;
      const name = rs.metadata.name ?? '';
      const cur = size.get(name) ?? 0;
      if (cur === 0) continue;
      const n = Math.min(cur, total - done);
      size.set(name, cur - n);
      done += n;
    }
  }
  for (const rs of olds) {
    const name = rs.metadata.name ?? '';
    if (size.get(name) !== rsReplicas(rs)) out.set(name, size.get(name) ?? 0);
  }
  return out;
}
