// One scheduling decision as a pure function: filter every node, score the feasible ones
// (NodeResourcesFit's LeastAllocated over cpu and memory), or explain the failure the way
// upstream's FitError and DefaultPreemption word it.
import type { KObject } from '../machinery/types';
import { type FilterResult, filterNode } from './filters';
import { nodeAllocatable, sumRequests } from './resources';

export type Decision = { node: string; score: number } | { node?: undefined; message: string };

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
export function fitErrorMessage(total: number, failures: readonly FilterResult[]): string {
  let msg = `0/${total} nodes are available:`;
  const filterMsg = histogram(failures.flatMap((f) => f.reasons));
  if (filterMsg) msg += ` ${filterMsg}.`;
  const pre = histogram(failures.map((f) => (f.unresolvable ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod')));
  return `${msg} preemption: 0/${total} nodes are available: ${pre}.`;
}

/** Picks a node for `pod`. `podsOn(name)` are the pods counted on that node (bound and assumed). */
export function decide(pod: KObject, nodes: readonly KObject[], podsOn: (node: string) => readonly KObject[]): Decision {
  if (nodes.length === 0) return { message: 'no nodes available to schedule pods' };
  const failures: FilterResult[] = [];
  let best: { node: string; score: number } | undefined;
  const sorted = [...nodes].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const node of sorted) {
    const name = node.metadata.name ?? '';
    const onNode = podsOn(name);
    const fail = filterNode(pod, node, onNode);
    if (fail) {
      failures.push(fail);
      continue;
    }
    const score = leastAllocatedScore(pod, node, onNode);
    if (!best || score > best.score) best = { node: name, score };
  }
  if (best) return best;
  return { message: fitErrorMessage(nodes.length, failures) };
}
