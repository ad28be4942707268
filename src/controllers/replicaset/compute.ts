// The ReplicaSet controller's decisions (upstream: pkg/controller/replicaset/replica_set.go,
// replica_set_utils.go and controller_utils.go), as pure functions.
import { type LabelSelector, matchLabelSelector } from '../../machinery/selectors';
import type { KObject } from '../../machinery/types';
import { controllerRefOf, isPodActive, isPodAvailable, isPodReady, podNodeName, podPhase, podStatus, readyCondition, controllerRefTo } from './pods';

/** Upstream's burstReplicas: at most this many creates/deletes per sync. */
export const BURST_REPLICAS = 500;

export interface RsCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface RsStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: RsCondition[];
}

interface RsSpecView {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelector;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: unknown };
}
export const rsSpec = (rs: KObject): RsSpecView => (rs.spec ?? {});
export const rsStatus = (rs: KObject): RsStatus => (rs.status ?? { replicas: 0 }) as RsStatus;
export const specReplicas = (o: KObject): number => (o.spec as { replicas?: number } | undefined)?.replicas ?? 1;

/** Sizes of slowStartBatch's rounds: 1, 2, 4, … until `count` is covered. */
export function slowStartBatches(count: number, initial = 1): number[] {
  const out: number[] = [];
  let remaining = count;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    out.push(size);
    remaining -= size;
  }
  return out;
}

/** What claiming pods decides: which to adopt (orphans that match) and which to release. */
export function claimPods(rs: KObject, pods: readonly KObject[]): { owned: KObject[]; adopt: KObject[]; release: KObject[] } {
  const sel = rsSpec(rs).selector;
  const uid = rs.metadata.uid;
  const owned: KObject[] = [];
  const adopt: KObject[] = [];
  const release: KObject[] = [];
  for (const p of pods) {
    const ref = controllerRefOf(p);
    const matches = matchLabelSelector(sel ?? null, p.metadata.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) owned.push(p);
      // A pod whose labels stopped matching is let go (unless either is on the way out).
      else if (!p.metadata.deletionTimestamp && !rs.metadata.deletionTimestamp) release.push(p);
      continue;
    }
    // Orphans are adopted only when active and while the owner isn't being deleted.
    if (matches && !p.metadata.deletionTimestamp && !rs.metadata.deletionTimestamp && isPodActive(p)) adopt.push(p);
  }
  return { owned, adopt, release };
}

/** A new pod from the ReplicaSet's template (upstream's GetPodFromTemplate). */
export function podFromTemplate(rs: KObject, apiVersion = 'apps/v1', kind = 'ReplicaSet'): KObject {
  const t = rsSpec(rs).template ?? {};
  const meta = t.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name ?? ''}-`,
      namespace: rs.metadata.namespace ?? '',
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRefTo(rs, apiVersion, kind)],
    },
    spec: structuredClone(t.spec ?? {}),
  };
}

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function tsNs(ts: string | undefined): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** afterOrZero: a missing time sorts first, otherwise the later one does. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

/** Difference of log2(age) buckets (ages in ns as upstream), for LogarithmicScaleDown. */
function logRankDiff(a: number, b: number, now: number): number {
  const rank = (t: number) => {
    const d = (now - t) * 1e6;
    return d > 0 ? Math.floor(Math.log2(d)) : -1;
  };
  return rank(a) - rank(b);
}

function compareTimes(a: number | undefined, b: number | undefined, now: number, uidA: string, uidB: string): boolean {
  if (a === undefined || b === undefined) return afterOrZero(a, b);
  const diff = logRankDiff(a, b, now);
  return diff === 0 ? uidA < uidB : diff < 0;
}

const deletionCost = (p: KObject): number => {
  const v = Number(p.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0);
  return Number.isInteger(v) ? v : 0;
};
const maxRestarts = (p: KObject): number => Math.max(0, ...(podStatus(p).containerStatuses ?? []).map((c) => c.restartCount ?? 0));

/** Upstream's ActivePodsWithRanks.Less: true when pod a should be deleted before pod b. */
export function deleteBefore(a: KObject, rankA: number, b: KObject, rankB: number, now: Date): boolean {
  const na = podNodeName(a);
  const nb = podNodeName(b);
  if (na !== nb && (!na || !nb)) return !na;
  const oa = phaseOrdinal[podPhase(a)] ?? 0;
  const ob = phaseOrdinal[podPhase(b)] ?? 0;
  if (oa !== ob) return oa < ob;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca < cb;
  if (rankA !== rankB) return rankA > rankB;
  const uidA = a.metadata.uid ?? '';
  const uidB = b.metadata.uid ?? '';
  if (ra && rb) {
    const ta = tsNs(readyCondition(a)?.lastTransitionTime);
    const tb = tsNs(readyCondition(b)?.lastTransitionTime);
    if (ta !== tb) return compareTimes(ta, tb, now.getTime(), uidA, uidB);
  }
  const xa = maxRestarts(a);
  const xb = maxRestarts(b);
  if (xa !== xb) return xa > xb;
  const ka = tsNs(a.metadata.creationTimestamp);
  const kb = tsNs(b.metadata.creationTimestamp);
  if (ka !== kb) return compareTimes(ka, kb, now.getTime(), uidA, uidB);
  return false;
}

/**
 * The `diff` pods to delete: ranked by upstream's preference, where a pod's rank is how many
 * active related pods (of this ReplicaSet and its siblings under the same owner) share its node.
 */
export function podsToDelete(pods: readonly KObject[], related: readonly KObject[], diff: number, now: Date): KObject[] {
  if (diff >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(podNodeName(p), (onNode.get(podNodeName(p)) ?? 0) + 1);
  const ranked = pods.map((p) => ({ p, rank: onNode.get(podNodeName(p)) ?? 0 }));
  ranked.sort((x, y) => (deleteBefore(x.p, x.rank, y.p, y.rank, now) ? -1 : deleteBefore(y.p, y.rank, x.p, x.rank, now) ? 1 : 0));
  return ranked.slice(0, diff).map((r) => r.p);
}

/** Every template label is on the pod with the same value. */
function fullyLabeled(p: KObject, templateLabels: Record<string, string>): boolean {
  return Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v);
}

/** Upstream's calculateStatus; `manageError` sets or clears the ReplicaFailure condition. */
export function calculateStatus(rs: KObject, pods: readonly KObject[], manageError: { diffWasCreate: boolean; message: string } | undefined, now: Date): RsStatus {
  const spec = rsSpec(rs);
  const labels = spec.template?.metadata?.labels ?? {};
  const minReady = spec.minReadySeconds ?? 0;
  const old = rsStatus(rs);
  let conditions = [...(old.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    conditions.push({
      type: 'ReplicaFailure', status: 'True', lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reason: manageError.diffWasCreate ? 'FailedCreate' : 'FailedDelete', message: manageError.message,
    });
  } else if (!manageError && failure) conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  const out: RsStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((p) => fullyLabeled(p, labels)).length,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (conditions.length) out.conditions = conditions;
  return out;
}

/** Whether the stored status already says this (then no write). */
export function statusUnchanged(rs: KObject, next: RsStatus): boolean {
  const cur = rsStatus(rs);
  return (
    cur.replicas === next.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (cur.observedGeneration ?? 0) === (next.observedGeneration ?? 0) &&
    JSON.stringify(cur.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}
