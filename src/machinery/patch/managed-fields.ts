// managedFields tracking for non-apply writes (operation "Update"), after k8s.io/apiserver's
// fieldmanager: the writer gains the fields it added or changed, every other manager loses them,
// and removed fields leave every owner. Objects nobody tracked before stay untracked.
import { isObject, type KObject, type ManagedFieldsEntry } from '../types';
import { capManagers, decodeManaged, encodeManaged, tryDecodeManaged, managerId, resetSet, rfc3339, stripSet, type Managed } from './managers';
import { schemaFor } from './schema';
import { compare } from './typed';

export interface UpdateOpts {
  manager: string;
  now: Date;
  apiVersion: string;
  subresource?: string;
  gvk: { group: string; version?: string; kind: string };
}

/** The object as the field manager compares it: without its managedFields. */
export function comparable(obj: KObject | undefined): KObject | undefined {
  if (!obj) return undefined;
  const { managedFields: _mf, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

/**
 * What upstream's freshly created Go struct already holds: non-pointer structs such as metadata,
 * spec, status and a pod template's metadata and spec exist empty, so creating them is not a change
 * of their own (FieldsV1 shows no "." for them).
 */
function zeroObject(updated: KObject): KObject {
  const zero: KObject = { metadata: {} };
  for (const k of ['spec', 'status']) if (isObject(updated[k])) zero[k] = {};
  const spec = updated.spec;
  // A PodSpec's containers has no omitempty, so it starts as null.
  if (updated.kind === 'Pod' && isObject(spec)) zero.spec = { containers: null };
  if (isObject(spec) && isObject(spec.template)) zero.spec = { template: { metadata: {}, spec: { containers: null } } };
  return zero;
}

/**
 * Records one Update by `opts.manager` into `managed` (mutated): the change from old to updated,
 * minus reset fields, moves to the manager's entry, whose time becomes `now`.
 */
export function trackUpdate(managed: Managed, old: KObject | undefined, updated: KObject, opts: UpdateOpts): void {
  const schema = schemaFor(opts.gvk);
  const reset = resetSet(opts.subresource);
  const c = compare(comparable(old) ?? zeroObject(updated), comparable(updated), schema);
  const added = c.added.recursiveDifference(reset);
  const modified = c.modified.recursiveDifference(reset);
  const removed = c.removed.recursiveDifference(reset);
  const changed = added.union(modified);
  for (const [id, e] of managed) {
    const set = e.set.difference(changed).difference(removed);
    if (set.empty()) managed.delete(id);
    else managed.set(id, { ...e, set });
  }
  const own = changed.difference(stripSet);
  if (own.empty()) return;
  const entry = { manager: opts.manager, operation: 'Update' as const, apiVersion: opts.apiVersion, ...(opts.subresource ? { subresource: opts.subresource } : {}) };
  const id = managerId(entry);
  const prev = managed.get(id);
  managed.set(id, { ...entry, set: prev ? own.union(prev.set) : own, time: rfc3339(opts.now) });
}

/**
 * isResetManagedFields: `managedFields: []` or `[{}]` asks the server to forget every owner
 * (an entry whose fields all hold zero values counts as `{}`, as Go compares it).
 */
export function isResetManagedFields(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  const [only] = mf as unknown[];
  return mf.length === 1 && isObject(only) && Object.values(only).every((v) => v === '' || v === null || v === undefined);
}

/**
 * The managedFields to store after a non-apply write of `updated` over `old` (undefined on
 * create); undefined means the object carries none. Entries sent in the request win over the live
 * ones (clients may rewrite them) unless they do not decode, except on subresources. A reset
 * request, like an existing object without managedFields, leaves the object untracked.
 */
export function recordUpdate(old: KObject | undefined, updated: KObject, opts: UpdateOpts): ManagedFieldsEntry[] | undefined {
  const sent: unknown = updated.metadata?.managedFields;
  const live = (): Managed => decodeManaged(old?.metadata?.managedFields);
  let managed: Managed;
  if (opts.subresource) managed = live();
  else if (isResetManagedFields(sent)) managed = new Map();
  else {
    const decoded = tryDecodeManaged(sent as ManagedFieldsEntry[] | undefined);
    managed = decoded && decoded.size > 0 ? decoded : live();
  }
  if (managed.size === 0 && old?.metadata?.uid) return undefined;
  trackUpdate(managed, old, updated, opts);
  capManagers(managed);
  const out = encodeManaged(managed);
  return out.length > 0 ? out : undefined;
}
