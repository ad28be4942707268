// The garbage collector's decisions, as pure functions (upstream: garbagecollector.go
// attemptToDeleteItem, classifyReferences, processDeletingDependentsItem, orphanDependents).
import type { KObject, OwnerReference } from '../../machinery/types';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** What a lookup of one owner reference found. A present object with another UID is 'absent'. */
export type OwnerState = { state: 'absent' } | { state: 'present'; owner: KObject };

export interface Classified {
  /** Owners that exist and are not waiting for their dependents. */
  solid: OwnerReference[];
  /** Owners that are gone. */
  dangling: OwnerReference[];
  /** Owners being deleted in the foreground (waiting for dependents like this one). */
  waiting: OwnerReference[];
}

export function hasFinalizer(obj: KObject, f: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(f);
}

/** Being deleted and waiting for its dependents (foreground deletion). */
export function isDeletingDependents(obj: KObject): boolean {
  return !!obj.metadata.deletionTimestamp && hasFinalizer(obj, FINALIZER_FOREGROUND);
}

export function classifyReferences(refs: readonly OwnerReference[], lookup: (ref: OwnerReference) => OwnerState): Classified {
  const out: Classified = { solid: [], dangling: [], waiting: [] };
  for (const ref of refs) {
    const s = lookup(ref);
    if (s.state === 'absent' || s.owner.metadata.uid !== ref.uid) out.dangling.push(ref);
    else if (isDeletingDependents(s.owner)) out.waiting.push(ref);
    else out.solid.push(ref);
  }
  return out;
}

export type DeletePolicy = 'Background' | 'Foreground' | 'Orphan';

export type DependentAction =
  | { kind: 'none' }
  /** Some owner is alive: only drop the references to owners that are gone or waiting. */
  | { kind: 'removeOwnerRefs'; uids: string[] }
  /** `unblock`: first clear blockOwnerDeletion on its own references (breaks foreground cycles). */
  | { kind: 'delete'; policy: DeletePolicy; unblock: boolean };

export interface DependentContext {
  /** The item has dependents of its own. */
  hasDependents: boolean;
  /** One of those dependents is itself deleting its dependents (a possible cycle). */
  aDependentIsDeletingDependents: boolean;
}

/** What to do with an object that has owner references, given how they classify. */
export function computeDependentAction(item: KObject, c: Classified, ctx: DependentContext): DependentAction {
  // Objects already on their way out are left to their own deletion (foreground ones are
  // handled as owners).
  if (item.metadata.deletionTimestamp) return { kind: 'none' };
  if ((item.metadata.ownerReferences ?? []).length === 0) return { kind: 'none' };
  if (c.solid.length > 0) {
    if (c.dangling.length === 0 && c.waiting.length === 0) return { kind: 'none' };
    // Waiting owners must be let go too, or they would wait forever on a dependent that stays.
    return { kind: 'removeOwnerRefs', uids: [...c.dangling, ...c.waiting].map((r) => r.uid) };
  }
  if (c.waiting.length > 0 && ctx.hasDependents) {
    return { kind: 'delete', policy: 'Foreground', unblock: ctx.aDependentIsDeletingDependents };
  }
  // No solid owner: collect it, keeping the policy its own finalizers ask for.
  const policy: DeletePolicy = hasFinalizer(item, FINALIZER_ORPHAN)
    ? 'Orphan'
    : hasFinalizer(item, FINALIZER_FOREGROUND)
      ? 'Foreground'
      : 'Background';
  return { kind: 'delete', policy, unblock: false };
}

export interface DependentRef {
  /** The graph key of the dependent. */
  key: string;
  /** Its reference to the owner in question. */
  ref: OwnerReference;
  deletingDependents: boolean;
}

export type OwnerAction =
  | { kind: 'none' }
  /** Remove the owner's reference from each dependent, then the orphan finalizer. */
  | { kind: 'orphan'; dependents: string[] }
  | { kind: 'removeFinalizer'; finalizer: string }
  /** Dependents still block the owner: make sure each is being worked on. */
  | { kind: 'waitForDependents'; enqueue: string[] };

/** What a deleting owner needs (orphan first, as upstream runs the orphan queue separately). */
export function computeOwnerAction(owner: KObject, dependents: readonly DependentRef[]): OwnerAction {
  if (!owner.metadata.deletionTimestamp) return { kind: 'none' };
  if (hasFinalizer(owner, FINALIZER_ORPHAN)) return { kind: 'orphan', dependents: dependents.map((d) => d.key) };
  if (!hasFinalizer(owner, FINALIZER_FOREGROUND)) return { kind: 'none' };
  const blocking = dependents.filter((d) => d.ref.blockOwnerDeletion === true);
  if (blocking.length === 0) return { kind: 'removeFinalizer', finalizer: FINALIZER_FOREGROUND };
  return { kind: 'waitForDependents', enqueue: dependents.filter((d) => !d.deletingDependents).map((d) => d.key) };
}

/** The owner references left after dropping those to `uids`. */
export function ownerRefsWithout(refs: readonly OwnerReference[], uids: readonly string[]): OwnerReference[] {
  return refs.filter((r) => !uids.includes(r.uid));
}

/** The references with blockOwnerDeletion cleared (upstream's unblockOwnerReferences). */
export function unblockedOwnerRefs(refs: readonly OwnerReference[]): OwnerReference[] {
  return refs.map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
}

/** The finalizer list after removing `f`. */
export function finalizersWithout(obj: KObject, f: string): string[] {
  return (obj.metadata.finalizers ?? []).filter((x) => x !== f);
}

/** "apps/v1" → { group: "apps", version: "v1" }; "v1" → core. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}
