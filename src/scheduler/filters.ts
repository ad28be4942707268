// The scheduler's Filter plugins, in upstream's order: NodeUnschedulable, NodeName,
// TaintToleration, NodeAffinity (nodeSelector + required node affinity), NodePorts,
// NodeResourcesFit. Each failure carries upstream's reason text and whether preemption could help.
import type { KObject } from '../machinery/types';
import { type Resources, nodeAllocatable, podRequests, sumRequests } from './resources';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface FilterResult {
  reasons: string[];
  /** UnschedulableAndUnresolvable: evicting pods would not help. */
  unresolvable: boolean;
}

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

interface PodSpecView {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } };
  containers?: { ports?: { hostPort?: number; protocol?: string; hostIP?: string }[] }[];
  initContainers?: { ports?: { hostPort?: number; protocol?: string; hostIP?: string }[] }[];
}
interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

const podSpec = (p: KObject): PodSpecView => (p.spec ?? {});

/** toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/**
 * The node's taints as the scheduler should see them: a node whose Ready condition is not True
 * counts as tainted not-ready (False) or unreachable (Unknown) even before the node lifecycle
 * controller has written the taint.
 */
export function effectiveTaints(node: KObject): Taint[] {
  const taints = [...(((node.spec ?? {}) as { taints?: Taint[] }).taints ?? [])];
  const ready = (((node.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? []).find((c) => c.type === 'Ready');
  const implied = ready && ready.status !== 'True' ? (ready.status === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE) : undefined;
  if (implied && !taints.some((t) => t.key === implied && t.effect === 'NoSchedule')) taints.push({ key: implied, effect: 'NoSchedule' });
  return taints;
}

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && vals.includes(value);
    case 'NotIn': return value === undefined || !vals.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && Number.isInteger(Number(value)) && Number(value) > Number(vals[0]);
    case 'Lt': return value !== undefined && Number.isInteger(Number(value)) && Number(value) < Number(vals[0]);
    default: return false;
  }
}

function matchTerm(term: NodeSelectorTerm, node: KObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return exprs.every((r) => matchRequirement(r, labels[r.key])) && fields.every((r) => r.key === 'metadata.name' && matchRequirement(r, node.metadata.name));
}

export function matchesNodeAffinity(pod: KObject, node: KObject): boolean {
  const spec = podSpec(pod);
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms === undefined || terms.some((t) => matchTerm(t, node));
}

function hostPorts(pod: KObject): { port: number; protocol: string; ip: string }[] {
  const spec = podSpec(pod);
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].flatMap((c) =>
    (c.ports ?? []).filter((p) => (p.hostPort ?? 0) > 0).map((p) => ({ port: p.hostPort ?? 0, protocol: p.protocol ?? 'TCP', ip: p.hostIP || '0.0.0.0' })),
  );
}

function portsConflict(pod: KObject, others: readonly KObject[]): boolean {
  const used = others.flatMap(hostPorts);
  return hostPorts(pod).some((w) => used.some((u) => u.port === w.port && u.protocol === w.protocol && (u.ip === w.ip || u.ip === '0.0.0.0' || w.ip === '0.0.0.0')));
}

function insufficient(want: Resources, used: Resources, alloc: Resources): string[] {
  const out: string[] = [];
  if (used.pods + 1 > alloc.pods) out.push('Too many pods');
  if (want.milliCPU > 0 && want.milliCPU > alloc.milliCPU - used.milliCPU) out.push('Insufficient cpu');
  if (want.memory > 0 && want.memory > alloc.memory - used.memory) out.push('Insufficient memory');
  if (want.ephemeralStorage > 0 && want.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) out.push('Insufficient ephemeral-storage');
  return out;
}

/** Runs the filters for one node; undefined when the pod fits. `onNode` are the pods already there. */
export function filterNode(pod: KObject, node: KObject, onNode: readonly KObject[]): FilterResult | undefined {
  const spec = podSpec(pod);
  const tolerations = spec.tolerations ?? [];
  const unresolvable = (reason: string): FilterResult => ({ reasons: [reason], unresolvable: true });
  if ((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true) {
    const taint = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };
    if (!tolerations.some((t) => tolerates(t, taint))) return unresolvable('node(s) were unschedulable');
  }
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return unresolvable("node(s) didn't match the requested node name");
  const untolerated = effectiveTaints(node).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((x) => tolerates(x, t)));
  if (untolerated) return unresolvable(`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`);
  if (!matchesNodeAffinity(pod, node)) return unresolvable("node(s) didn't match Pod's node affinity/selector");
  if (portsConflict(pod, onNode)) return { reasons: ["node(s) didn't have free ports for the requested pod ports"], unresolvable: false };
  const reasons = insufficient(podRequests(pod), sumRequests(onNode), nodeAllocatable(node));
  return reasons.length ? { reasons, unresolvable: false } : undefined;
}
