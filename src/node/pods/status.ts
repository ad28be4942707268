// The pod status as the kubelet reports it, computed from what the worker observed. Pure.
import { rfc3339 } from '../../machinery/clock';
import { milliValue, parseQuantity } from '../../machinery/quantity';
import type { ContainerSpec, Pod } from '../types';

/** One container instance as observed (from the runtime). */
export interface ObservedInstance {
  id: string;
  attempt: number;
  state: 'created' | 'running' | 'exited';
  exitCode?: number;
  oom?: boolean;
  startError?: string;
  startedAt?: string;
  finishedAt?: string;
  imageName: string;
  imageRef: string;
  /** Contents of the termination log, when the container wrote one. */
  message?: string;
}

export interface ContainerView {
  name: string;
  /** Newest instance first: [current, previous]. */
  current?: ObservedInstance;
  previous?: ObservedInstance;
  /** Set by the worker when the container is waiting (ContainerCreating, CrashLoopBackOff, ...). */
  waiting?: { reason: string; message?: string };
  ready: boolean;
  started: boolean;
  /** Image name for containers that never ran (as written in the spec). */
  specImage: string;
}

export interface StatusInput {
  pod: Pod;
  init: ContainerView[];
  app: ContainerView[];
  hostIP: string;
  podIP?: string;
  sandboxReady: boolean;
  now: Date;
  /** Set when the node evicted the pod. */
  evicted?: string;
  /** True once the pod is being torn down and its containers will not restart. */
  terminal?: boolean;
}

type Obj = Record<string, unknown>;

export const containerIdPrefix = 'berth://';

function terminated(i: ObservedInstance): Obj {
  const code = i.exitCode ?? 0;
  const reason = i.startError ? 'StartError' : i.oom ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error';
  return {
    terminated: {
      exitCode: code,
      reason,
      ...(i.startError || i.message ? { message: i.startError ?? i.message } : {}),
      startedAt: i.startedAt ?? null,
      finishedAt: i.finishedAt ?? null,
      containerID: containerIdPrefix + i.id,
    },
  };
}

export function containerStatus(v: ContainerView): Obj {
  const cur = v.current;
  let state: Obj;
  let last: Obj = {};
  if (v.waiting) {
    state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message ? { message: v.waiting.message } : {}) } };
    if (cur?.state === 'exited') last = terminated(cur);
    else if (v.previous) last = terminated(v.previous);
  } else if (cur?.state === 'running') {
    state = { running: { startedAt: cur.startedAt ?? null } };
    if (v.previous) last = terminated(v.previous);
  } else if (cur?.state === 'exited') {
    state = terminated(cur);
    if (v.previous) last = terminated(v.previous);
  } else state = { waiting: { reason: 'ContainerCreating' } };
  const ran = cur && cur.state !== 'created' ? cur : v.previous;
  return {
    name: v.name,
    state,
    lastState: last,
    ready: v.ready,
    restartCount: cur?.attempt ?? 0,
    image: ran?.imageName ?? v.specImage,
    imageID: ran?.imageRef ?? '',
    ...(ran ? { containerID: containerIdPrefix + ran.id } : {}),
    started: v.started,
  };
}

/** The kubelet's getPhase. */
export function podPhase(input: StatusInput): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  if (input.evicted !== undefined) return 'Failed';
  const policy = input.pod.spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = false;
  for (const v of input.init) {
    const c = v.current;
    if (c?.state === 'exited' && c.exitCode === 0 && !v.waiting) continue;
    if (c?.state === 'exited' || (v.waiting && v.previous)) failedInit = true;
    pendingInit++;
  }
  if (failedInit && policy === 'Never') return 'Failed';
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const v of input.app) {
    const c = v.current;
    if (v.waiting) {
      if (c?.state === 'exited' || v.previous) stopped++;
      else waiting++;
    } else if (c?.state === 'running') running++;
    else if (c?.state === 'exited') {
      stopped++;
      if (c.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (input.terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** BestEffort / Burstable / Guaranteed, as the apiserver computes qosClass. */
export function qosClass(containers: ContainerSpec[]): string {
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (q !== undefined || l !== undefined) any = true;
      if (l === undefined || q === undefined || milliValue(parseQuantity(l)) !== milliValue(parseQuantity(q))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function condition(old: Obj[], type: string, ok: boolean, now: string, reason?: string, message?: string): Obj {
  const prev = old.find((c) => c['type'] === type);
  const status = ok ? 'True' : 'False';
  const since = prev && prev['status'] === status ? prev['lastTransitionTime'] : now;
  return { type, status, lastProbeTime: null, lastTransitionTime: since ?? now, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

export function computePodStatus(input: StatusInput): Obj {
  const { pod } = input;
  const old = (pod.status ?? {}) as Obj;
  const oldConds = Array.isArray(old['conditions']) ? (old['conditions'] as Obj[]) : [];
  const now = rfc3339(input.now);
  const phase = podPhase(input);
  const initStatuses = input.init.map(containerStatus);
  const appStatuses = input.app.map(containerStatus).sort((a, b) => String(a['name']).localeCompare(String(b['name'])));
  const notInit = input.init.filter((v) => !(v.current?.state === 'exited' && v.current.exitCode === 0 && !v.waiting)).map((v) => v.name);
  const unready = input.app.filter((v) => !v.ready).map((v) => v.name);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const initialized = notInit.length === 0 || done;
  const readyReason = done ? 'PodCompleted' : 'ContainersNotReady';
  const ready = unready.length === 0 && !done;
  const conds = [
    condition(oldConds, 'PodReadyToStartContainers', input.sandboxReady && !done, now),
    initialized
      ? condition(oldConds, 'Initialized', true, now, done && input.init.length ? 'PodCompleted' : undefined)
      : condition(oldConds, 'Initialized', false, now, 'ContainersNotInitialized', `containers with incomplete status: [${notInit.join(' ')}]`),
    ready ? condition(oldConds, 'Ready', true, now) : condition(oldConds, 'Ready', false, now, readyReason, done ? undefined : `containers with unready status: [${unready.join(' ')}]`),
    ready ? condition(oldConds, 'ContainersReady', true, now) : condition(oldConds, 'ContainersReady', false, now, readyReason, done ? undefined : `containers with unready status: [${unready.join(' ')}]`),
    condition(oldConds, 'PodScheduled', true, now),
  ];
  const out: Obj = {
    phase,
    conditions: conds,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    startTime: typeof old['startTime'] === 'string' ? old['startTime'] : now,
    ...(input.init.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: appStatuses,
    qosClass: typeof old['qosClass'] === 'string' ? old['qosClass'] : qosClass([...pod.spec.containers, ...(pod.spec.initContainers ?? [])]),
  };
  if (input.evicted !== undefined) {
    out['reason'] = 'Evicted';
    out['message'] = input.evicted;
  }
  return out;
}
