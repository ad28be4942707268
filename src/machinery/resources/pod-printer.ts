// The pod table row as kube-apiserver's printPod builds it (Ready, Status, Restarts, wide columns).
import type { KObject } from '../types';
import { age } from '../printers/age';
import { arr, obj, str } from './common';

const isRestartable = (c: unknown): boolean => str(obj(c).restartPolicy) === 'Always';
const ts = (v: unknown): number => {
  const t = Date.parse(str(v));
  return Number.isNaN(t) ? 0 : t;
};
const conditions = (status: Record<string, unknown>) => arr(status.conditions).map(obj);

/** The aggregate Status cell. Exported for tests and for `describe`-like callers. */
export function podRow(pod: KObject, now: Date): unknown[] {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  let restarts = 0;
  let sidecarRestarts = 0;
  let ready = 0;
  let total = arr(spec.containers).length;
  let lastRestart = 0;
  let lastSidecarRestart = 0;

  for (const c of conditions(status)) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initSpecs = new Map<string, unknown>();
  for (const c of arr(spec.initContainers)) {
    initSpecs.set(str(obj(c).name), c);
    if (isRestartable(c)) total++;
  }

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses).map(obj);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i] ?? {};
    const state = obj(cs.state);
    const term = state.terminated === undefined ? undefined : obj(state.terminated);
    const wait = state.waiting === undefined ? undefined : obj(state.waiting);
    const rc = Number(cs.restartCount ?? 0);
    restarts += rc;
    const lastTerm = obj(obj(cs.lastState).terminated);
    if (obj(cs.lastState).terminated !== undefined) lastRestart = Math.max(lastRestart, ts(lastTerm.finishedAt));
    const sidecar = isRestartable(initSpecs.get(str(cs.name)));
    if (sidecar) {
      sidecarRestarts += rc;
      if (obj(cs.lastState).terminated !== undefined) lastSidecarRestart = Math.max(lastSidecarRestart, ts(lastTerm.finishedAt));
    }
    if (term && Number(term.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (term) {
      if (!str(term.reason)) reason = Number(term.signal ?? 0) !== 0 ? `Init:Signal:${term.signal}` : `Init:ExitCode:${Number(term.exitCode ?? 0)}`;
      else reason = `Init:${str(term.reason)}`;
    } else if (wait && str(wait.reason) && wait.reason !== 'PodInitializing') {
      reason = `Init:${str(wait.reason)}`;
    } else {
      reason = `Init:${i}/${arr(spec.initContainers).length}`;
    }
    initializing = true;
    break;
  }

  const initialized = conditions(status).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses).map(obj);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      restarts += Number(cs.restartCount ?? 0);
      if (obj(cs.lastState).terminated !== undefined) lastRestart = Math.max(lastRestart, ts(obj(obj(cs.lastState).terminated).finishedAt));
      const state = obj(cs.state);
      const wait = state.waiting === undefined ? undefined : obj(state.waiting);
      const term = state.terminated === undefined ? undefined : obj(state.terminated);
      if (wait && str(wait.reason)) reason = str(wait.reason);
      else if (term && str(term.reason)) reason = str(term.reason);
      else if (term) reason = Number(term.signal ?? 0) !== 0 ? `Signal:${term.signal}` : `ExitCode:${Number(term.exitCode ?? 0)}`;
      else if (cs.ready === true && state.running !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions(status).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && str(status.reason) === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsCell = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);

  const podIP = str(obj(arr(status.podIPs)[0]).ip) || '<none>';
  const gates = arr(spec.readinessGates).map(obj);
  let readinessGates = '<none>';
  if (gates.length) {
    let ok = 0;
    for (const g of gates) {
      const c = conditions(status).find((x) => x.type === g.conditionType);
      if (c && c.status === 'True') ok++;
    }
    readinessGates = `${ok}/${gates.length}`;
  }
  return [
    pod.metadata.name ?? '',
    `${ready}/${total}`,
    reason,
    restartsCell,
    age(pod.metadata.creationTimestamp, now),
    podIP,
    str(spec.nodeName) || '<none>',
    str(status.nominatedNodeName) || '<none>',
    readinessGates,
  ];
}
