// Resource arithmetic the scheduler filters and scores with (upstream: component-helpers
// resource.PodRequests and the scheduler's NodeInfo): cpu in millicores, the rest in bytes.
import { milliValue, quantityValue, tryParseQuantity } from '../machinery/quantity';
import type { KObject } from '../machinery/types';

export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  pods: number;
}

export const zero = (): Resources => ({ milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0 });

interface ContainerView {
  resources?: { requests?: Record<string, unknown> };
  restartPolicy?: string;
}
interface PodSpecView {
  containers?: ContainerView[];
  initContainers?: ContainerView[];
  overhead?: Record<string, unknown>;
  nodeName?: string;
}

function amount(list: Record<string, unknown> | undefined, name: string, milli: boolean): number {
  const q = tryParseQuantity(list?.[name]);
  if (!q.ok) return 0;
  return Number(milli ? milliValue(q.q) : quantityValue(q.q));
}

/** Upstream's non-zero defaults, used only for scoring pods that request nothing. */
const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;

function containerRequests(c: ContainerView, nonZero: boolean): Resources {
  const r = c.resources?.requests;
  let milliCPU = amount(r, 'cpu', true);
  let memory = amount(r, 'memory', false);
  if (nonZero) {
    if (r?.cpu === undefined) milliCPU = DEFAULT_MILLI_CPU;
    if (r?.memory === undefined) memory = DEFAULT_MEMORY;
  }
  return { milliCPU, memory, ephemeralStorage: amount(r, 'ephemeral-storage', false), pods: 0 };
}

const add = (a: Resources, b: Resources): Resources => ({ milliCPU: a.milliCPU + b.milliCPU, memory: a.memory + b.memory, ephemeralStorage: a.ephemeralStorage + b.ephemeralStorage, pods: a.pods + b.pods });
const max = (a: Resources, b: Resources): Resources => ({ milliCPU: Math.max(a.milliCPU, b.milliCPU), memory: Math.max(a.memory, b.memory), ephemeralStorage: Math.max(a.ephemeralStorage, b.ephemeralStorage), pods: Math.max(a.pods, b.pods) });

/**
 * What a pod asks for: the containers' sum (plus restartable init containers, which keep
 * running), or more if an init container needs more while it runs alone with the sidecars
 * started before it; plus the pod overhead. `nonZero` applies the scoring defaults.
 */
export function podRequests(pod: KObject, nonZero = false): Resources {
  const spec = (pod.spec ?? {}) as PodSpecView;
  let sum = zero();
  for (const c of spec.containers ?? []) sum = add(sum, containerRequests(c, nonZero));
  let sidecars = zero();
  let initMax = zero();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      sum = add(sum, r);
      sidecars = add(sidecars, r);
      initMax = max(initMax, sidecars);
    } else initMax = max(initMax, add(r, sidecars));
  }
  const total = max(sum, initMax);
  const o = spec.overhead;
  return add(total, { milliCPU: amount(o, 'cpu', true), memory: amount(o, 'memory', false), ephemeralStorage: amount(o, 'ephemeral-storage', false), pods: 1 });
}

export function nodeAllocatable(node: KObject): Resources {
  const st = (node.status ?? {}) as { allocatable?: Record<string, unknown>; capacity?: Record<string, unknown> };
  const a = st.allocatable ?? st.capacity ?? {};
  return { milliCPU: amount(a, 'cpu', true), memory: amount(a, 'memory', false), ephemeralStorage: amount(a, 'ephemeral-storage', false), pods: amount(a, 'pods', false) };
}

export function sumRequests(pods: readonly KObject[], nonZero = false): Resources {
  return pods.reduce((acc, p) => add(acc, podRequests(p, nonZero)), zero());
}
