// One scheduling decision as a pure function: filter every node, score the feasible ones
// (NodeResourcesFit's LeastAllocated over cpu and memory), or explain the failure the way
// upstream's FitError and DefaultPreemption word it.
import type { KObject } from '../machinery/types';
import { type FilterResult, filterNode } from './filters';
import { nodeAllocatable, sumRequests } from './resources';
import { type PodClaims, type VolumeWorld, filterVolumes, isPreFilterFailure, preFilterVolumes } from './volumes';

/** `claims`: the pod's WaitForFirstConsumer claims that PreBind must point at the node. */
export type Decision = { node: string; score: number; claims?: PodClaims } | { node?: undefined; message: string };

/** Storage as the volume plugins see it; `placed` are the pods bound or assumed anywhere. */
export interface VolumeView {
  world: VolumeWorld;
  placed: readonly KObject[];
}

/** LeastAllocated: the mean over cpu and memory of free capacity (0-100) after placing the pod. */
export function leastAllocatedScore(pod: KObject, node: KObject, onNode: readonly KObject[]): number {
  const alloc = nodeAllocatable(node);
  const used = sumRequests([...onNode, pod], true);
  const one = (req: number, cap: number) => (cap === 0 || req > cap ? 0 : Math.floor(((cap - req) * 100) / cap));
  return Math.floor((one(used.milliCPU, alloc.milliCPU) + one(used.memory, alloc.memory)) / 2);
}

/** "1 Insufficient cpu, 2 node(s) were unschedulable" — counts per reason, sorted as strings. */
function histogram(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}

/** FitError.Error() plus DefaultPreemption's post-filter message (no pod priorities: no victims). */
export function fitErrorMessage(total: number, failures: readonly FilterResult[], preFilterMsg?: string): string {
  let msg = `0/${total} nodes are available:`;
  // A PreFilter rejection stands for every node, so it replaces the per-reason counts.
  const filterMsg = preFilterMsg ?? histogram(failures.flatMap((f) => f.reasons));
  if (filterMsg) msg += ` ${filterMsg}.`;
  const pre = histogram(failures.map((f) => (f.unresolvable ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod')));
  return `${msg} preemption: 0/${total} nodes are available: ${pre}.`;
}

/** Picks a node for `pod`. `podsOn(name)` are the pods counted on that node (bound and assumed). */
export function decide(pod: KObject, nodes: readonly KObject[], podsOn: (node: string) => readonly KObject[], volumes?: VolumeView): Decision {
  if (nodes.length === 0) return { message: 'no nodes available to schedule pods' };
  let claims: PodClaims | undefined;
  if (volumes) {
    const pre = preFilterVolumes(pod, volumes.world, volumes.placed);
    if (isPreFilterFailure(pre)) return { message: fitErrorMessage(nodes.length, nodes.map(() => ({ reasons: [], unresolvable: pre.unresolvable })), pre.reason) };
    claims = pre;
  }
  const failures: FilterResult[] = [];
  let best: { node: string; score: number } | undefined;
  const sorted = [...nodes].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const node of sorted) {
    const name = node.metadata.name ?? '';
    const onNode = podsOn(name);
    const fail = filterNode(pod, node, onNode) ?? (claims && volumes ? filterVolumes(claims, node, volumes.world) : undefined);
    if (fail) {
      failures.push(fail);
      continue;
    }
    const score = leastAllocatedScore(pod, node, onNode);
    if (!best || score > best.score) best = { node: name, score };
  }
  if (best) return claims ? { ...best, claims } : best;
  return { message: fitErrorMessage(nodes.length, failures) };
}
