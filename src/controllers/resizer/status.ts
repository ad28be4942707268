// The claim status the resizer writes at each step, pure (external-resizer's resize_status.go
// and MergeResizeConditionsOfPVC): Resizing while the controller works, FileSystemResizePending
// with NodeResizePending when the node must grow the filesystem, capacity when done, and
// ControllerResizeError (Infeasible) on failures.
import type { KObject } from '../../machinery/types';
import { ANN_NODE_EXPANSION_NOT_REQUIRED, type ResizeStatus } from './decide';

export const FS_RESIZE_PENDING_MESSAGE = 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.';
const RESIZE_CONDITIONS = new Set(['Resizing', 'FileSystemResizePending', 'ControllerResizeError', 'NodeResizeError']);

export interface Condition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  message?: string;
  reason?: string;
}

type Status = Record<string, unknown>;
const o = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

const condition = (type: string, now: string, message?: string): Condition => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now, ...(message ? { message } : {}) });

/** Non-resize conditions stay; a resize condition is replaced by a new one of its type, else kept only if asked. */
export function mergeResizeConditions(old: readonly Condition[], next: readonly Condition[], keepOld: boolean): Condition[] {
  const pending = new Map(next.map((c) => [c.type, c]));
  const out: Condition[] = [];
  for (const c of old) {
    if (!RESIZE_CONDITIONS.has(c.type)) out.push(c);
    else if (pending.has(c.type)) {
      out.push(pending.get(c.type)!);
      pending.delete(c.type);
    } else if (keepOld) out.push(c);
  }
  return [...out, ...pending.values()];
}

const conditionsOf = (claim: KObject): Condition[] => {
  const c = o(claim.status).conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
};

function withConditions(status: Status, conditions: Condition[]): Status {
  const { conditions: _c, ...rest } = status;
  return conditions.length ? { ...rest, conditions } : rest;
}

function withResourceStatus(status: Status, value: ResizeStatus | undefined): Status {
  const { allocatedResourceStatuses: old, ...rest } = status;
  const { storage: _s, ...others } = o(old);
  const next = value ? { ...others, storage: value } : others;
  return Object.keys(next).length ? { ...rest, allocatedResourceStatuses: next } : rest;
}

/** markControllerResizeInProgress. */
export function inProgressStatus(claim: KObject, size: string, updateStatus: boolean, now: string): Status {
  let s = withConditions(o(claim.status), mergeResizeConditions(conditionsOf(claim), [condition('Resizing', now)], !updateStatus));
  if (updateStatus) s = withResourceStatus(s, 'ControllerResizeInProgress');
  return { ...s, allocatedResources: { ...o(s.allocatedResources), storage: size } };
}

/** markForPendingNodeExpansion (external-resizer: the controller's Resizing gives way to FileSystemResizePending). */
export function nodePendingStatus(claim: KObject, now: string): Status {
  const s = withConditions(o(claim.status), mergeResizeConditions(conditionsOf(claim), [condition('FileSystemResizePending', now, FS_RESIZE_PENDING_MESSAGE)], false));
  return withResourceStatus(s, 'NodeResizePending');
}

/** markOverallExpansionAsFinished. */
export function finishedStatus(claim: KObject, size: string): Status {
  const s = withConditions(o(claim.status), mergeResizeConditions(conditionsOf(claim), [], false));
  return withResourceStatus({ ...s, capacity: { ...o(s.capacity), storage: size } }, undefined);
}

/** markControllerExpansionInfeasible / markControllerExpansionFailedCondition. */
export function failedStatus(claim: KObject, error: string, infeasible: boolean, now: string): Status {
  const s = withConditions(o(claim.status), mergeResizeConditions(conditionsOf(claim), [condition('ControllerResizeError', now, `failed to expand pvc with ${error}`)], true));
  return infeasible ? withResourceStatus(s, 'ControllerResizeInfeasible') : s;
}

/** The claim's annotations with node-expansion-not-required set or cleared; undefined if unchanged. */
export function nodeExpansionAnnotation(claim: KObject, required: boolean): Record<string, string> | undefined {
  const a = claim.metadata.annotations ?? {};
  const has = a[ANN_NODE_EXPANSION_NOT_REQUIRED] !== undefined;
  if (required === !has) return undefined;
  const { [ANN_NODE_EXPANSION_NOT_REQUIRED]: _x, ...rest } = a;
  return required ? rest : { ...a, [ANN_NODE_EXPANSION_NOT_REQUIRED]: 'true' };
}
