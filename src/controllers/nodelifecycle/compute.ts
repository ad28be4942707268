// The node lifecycle controller's decisions (upstream: pkg/controller/nodelifecycle): when a
// node has been silent past the grace period, and which NoSchedule taints its conditions imply.
import type { KObject } from '../../machinery/types';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Condition → taint (TaintNodesByCondition), plus the cordon taint. */
const CONDITION_TAINTS: [string, string, string][] = [
  ['MemoryPressure', 'True', 'node.kubernetes.io/memory-pressure'],
  ['DiskPressure', 'True', 'node.kubernetes.io/disk-pressure'],
  ['PIDPressure', 'True', 'node.kubernetes.io/pid-pressure'],
  ['NetworkUnavailable', 'True', 'node.kubernetes.io/network-unavailable'],
];
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
const MANAGED = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, ...CONDITION_TAINTS.map(([, , k]) => k)]);

/** The conditions the controller marks Unknown on a silent node. */
const WATCHED = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface Condition {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

/** What the controller last saw from a node, and when (on its own monotonic clock). */
export interface Health {
  probeAt: number;
  heartbeat: string;
  renewTime: string;
}

const conditionsOf = (n: KObject): Condition[] => ((n.status ?? {}) as { conditions?: Condition[] }).conditions ?? [];
export const readyOf = (n: KObject): Condition | undefined => conditionsOf(n).find((c) => c.type === 'Ready');
const renewTimeOf = (lease: KObject | undefined): string => ((lease?.spec ?? {}) as { renewTime?: string }).renewTime ?? '';

/**
 * tryUpdateNodeHealth's bookkeeping: the probe time moves to `now` whenever the Ready
 * heartbeat or the Lease renewTime changes (times from the node are never compared with ours).
 */
export function observe(prev: Health | undefined, node: KObject, lease: KObject | undefined, now: number): Health {
  const heartbeat = readyOf(node)?.lastHeartbeatTime ?? '';
  const renewTime = renewTimeOf(lease);
  if (!prev || prev.heartbeat !== heartbeat || prev.renewTime !== renewTime) return { probeAt: now, heartbeat, renewTime };
  return prev;
}

/**
 * Conditions after a silence past the grace period: each watched condition Unknown, upstream's
 * reasons. Undefined when the node is healthy or already marked.
 */
export function silentConditions(node: KObject, health: Health, now: number, graceMs: number, wallNow: string): Condition[] | undefined {
  if (now - health.probeAt <= graceMs) return undefined;
  const conds = conditionsOf(node);
  if (readyOf(node)?.status === 'Unknown' && WATCHED.every((t) => conds.some((c) => c.type === t && c.status === 'Unknown'))) return undefined;
  const out = conds.filter((c) => !WATCHED.includes(c.type));
  const byType = new Map(conds.map((c) => [c.type, c]));
  for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']) {
    const cur = byType.get(type);
    if (!cur) {
      out.push({ type, status: 'Unknown', lastHeartbeatTime: wallNow, lastTransitionTime: wallNow, reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
    } else if (cur.status !== 'Unknown') {
      out.push({ ...cur, status: 'Unknown', lastTransitionTime: wallNow, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    } else out.push(cur);
  }
  return out;
}

/** The NoSchedule taints the node's conditions and spec.unschedulable call for. */
function wantedKeys(node: KObject): Set<string> {
  const want = new Set<string>();
  const ready = readyOf(node);
  if (ready?.status === 'False') want.add(TAINT_NOT_READY);
  else if (ready?.status === 'Unknown') want.add(TAINT_UNREACHABLE);
  for (const [type, status, key] of CONDITION_TAINTS) if (conditionsOf(node).some((c) => c.type === type && c.status === status)) want.add(key);
  if ((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true) want.add(TAINT_UNSCHEDULABLE);
  return want;
}

/** The node's taints with managed NoSchedule ones added/removed; undefined when nothing changes. */
export function desiredTaints(node: KObject): Taint[] | undefined {
  const cur = ((node.spec ?? {}) as { taints?: Taint[] }).taints ?? [];
  const want = wantedKeys(node);
  const kept = cur.filter((t) => !(t.effect === 'NoSchedule' && MANAGED.has(t.key) && !want.has(t.key)));
  const missing = [...want].filter((k) => !cur.some((t) => t.key === k && t.effect === 'NoSchedule'));
  if (kept.length === cur.length && missing.length === 0) return undefined;
  return [...kept, ...missing.map((key) => ({ key, effect: 'NoSchedule' }))];
}
