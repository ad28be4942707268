// Server-side apply (operation "Apply"), after structured-merge-diff's Updater.Apply and
// k8s.io/apiserver's fieldmanager: merge the applied configuration into the live object, own
// exactly the fields it sets, prune fields this manager stopped applying (unless someone else
// owns them), and refuse to take fields other managers own unless forced.
import { ApiError } from '../errors';
import type { KObject } from '../types';
import { pathString, type FieldSet } from './fieldpath';
import { comparable, trackUpdate, type UpdateOpts } from './managed-fields';
import { capManagers, decodeManaged, encodeManaged, managerId, printManager, resetSet, rfc3339, stripSet, type Managed, type ManagerEntry } from './managers';
import { schemaFor, type FieldSchema } from './schema';
import { appliedConfigErrors, compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet } from './typed';
import { deepEqual } from './json-util';
import { allowedByLastApplied, MIGRATING_MANAGER, syncLastApplied, unexcused } from './last-applied';

export interface ApplyOpts {
  manager: string;
  force: boolean;
  now: Date;
  apiVersion: string;
  subresource?: string;
  gvk: { group: string; version?: string; kind: string };
}

interface Conflict {
  entry: ManagerEntry;
  path: readonly string[];
}

/** NewConflictError: one cause per conflicting field, message grouped by manager. */
function conflictError(conflicts: Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.entry)}`, field: pathString(c.path) }));
  let message: string;
  const first = conflicts[0];
  if (conflicts.length === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(first.entry)}: ${pathString(first.path)}`;
  } else {
    const byManager = new Map<string, Conflict[]>();
    for (const c of conflicts) byManager.set(printManager(c.entry), [...(byManager.get(printManager(c.entry)) ?? []), c]);
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${m}:`);
      for (const c of byManager.get(m) ?? []) lines.push(`- ${pathString(c.path)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError('Conflict', message, { causes });
}

/**
 * ObjectToTyped's failure on the configuration, worded as upstream ("failed to create typed patch
 * object (<ns>/<name>; <gvk>): <errors>"). Upstream lets it surface as a 500; it is the client's
 * input, so Berth answers 400.
 */
function typedPatchError(applied: KObject, opts: ApplyOpts, errs: string[]): ApiError {
  const [group, version] = typeof applied.apiVersion === 'string' && applied.apiVersion.includes('/') ? applied.apiVersion.split('/', 2) : ['', applied.apiVersion ?? opts.gvk.version ?? ''];
  const kind = typeof applied.kind === 'string' ? applied.kind : opts.gvk.kind;
  const where = `${applied.metadata?.namespace ?? ''}/${applied.metadata?.name ?? ''}; ${group ?? ''}/${version ?? ''}, Kind=${kind}`;
  const detail = errs.length === 1 ? (errs[0] ?? '') : ['errors:', ...errs.map((e) => `  ${e}`)].join('\n');
  return new ApiError('BadRequest', `failed to create typed patch object (${where}): ${detail}`);
}

/** Updater.prune: drop what this manager applied last time and no longer does, unless still owned. */
function prune(merged: unknown, managed: Managed, lastSet: FieldSet | undefined, s: FieldSchema): unknown {
  if (!lastSet || lastSet.empty()) return merged;
  const named = (set: FieldSet) => ensureNamedFieldsAreMembers(set, s);
  const last = named(lastSet);
  const mergedSet = named(toFieldSet(merged, s));
  let owned = [...managed.values()].reduce((acc, e) => acc.union(e.set), lastSet.difference(lastSet));
  owned = named(owned);
  const pruned0 = removeItems(merged, last, s);
  const pruned1 = removeItems(merged, mergedSet.difference(named(toFieldSet(pruned0, s)).union(owned)), s);
  return removeItems(merged, mergedSet.difference(named(toFieldSet(pruned1, s))).intersection(last), s);
}

/**
 * Applies `applied` for `opts.manager` over `live` (undefined to create) and returns the merged
 * object carrying updated metadata.managedFields. Throws 409 Conflict, shaped as kube-apiserver's,
 * when the configuration changes fields other managers own and `force` is false; with force the
 * applier takes them over.
 */
export function applyPatch(live: KObject | undefined, applied: KObject, opts: ApplyOpts): KObject {
  if (applied.metadata?.managedFields !== undefined && applied.metadata.managedFields !== null) {
    throw new ApiError('BadRequest', 'metadata.managedFields must be nil');
  }
  if (applied.apiVersion !== undefined && applied.apiVersion !== opts.apiVersion) {
    throw new ApiError('BadRequest', `Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion}, expected: ${opts.apiVersion}`);
  }
  const s = schemaFor(opts.gvk);
  const invalid = appliedConfigErrors(comparable(applied), s);
  if (invalid.length > 0) throw typedPatchError(applied, opts, invalid);
  const reset = resetSet(opts.subresource);
  const managed = decodeManaged(live?.metadata?.managedFields);
  const liveObj = comparable(live) ?? { metadata: {} };
  if (managed.size === 0 && live?.metadata?.uid) {
    // Fields set before anyone applied belong to a stand-in manager, so the first apply can conflict.
    const updateOpts: UpdateOpts = { manager: 'before-first-apply', now: opts.now, apiVersion: opts.apiVersion, gvk: opts.gvk, ...(opts.subresource ? { subresource: opts.subresource } : {}) };
    trackUpdate(managed, undefined, liveObj, updateOpts);
  }
  const entry = { manager: opts.manager, operation: 'Apply' as const, apiVersion: opts.apiVersion, ...(opts.subresource ? { subresource: opts.subresource } : {}) };
  const id = managerId(entry);
  const previous = managed.get(id);
  const config = comparable(applied) ?? { metadata: {} };
  const mergedObj = merge(liveObj, config, s);
  const set = toFieldSet(config, s).recursiveDifference(reset);
  managed.set(id, { ...entry, set, ...(previous?.time ? { time: previous.time } : {}) });
  const result = prune(mergedObj, managed, previous?.set, s) as KObject;

  const c = compare(liveObj, result, s);
  const changed = c.added.union(c.modified).recursiveDifference(reset);
  const removed = c.removed.recursiveDifference(reset);
  const conflicts: Conflict[] = [];
  for (const [mid, e] of managed) {
    if (mid === id) continue;
    const hit = e.set.intersection(changed);
    for (const path of hit.paths()) conflicts.push({ entry: e, path });
  }
  if (conflicts.length > 0 && !opts.force) {
    // lastAppliedManager: kubectl's own client-side applies do not stand in the way of its first
    // server-side apply; what remains is reported alone, and if nothing does the apply proceeds forced.
    const allowed = opts.manager === MIGRATING_MANAGER ? allowedByLastApplied(live, opts, s) : undefined;
    const remaining = unexcused(conflicts, allowed);
    if (remaining.length > 0) throw conflictError(remaining);
  }
  for (const [mid, e] of managed) {
    if (mid === id) continue;
    const next = e.set.difference(changed).difference(removed);
    if (next.empty()) managed.delete(mid);
    else managed.set(mid, { ...e, set: next });
  }
  const own = managed.get(id);
  if (own) {
    const stripped = own.set.difference(stripSet);
    if (stripped.empty()) managed.delete(id);
    else managed.set(id, { ...own, set: stripped });
  }
  const noop = live !== undefined && deepEqual(liveObj, result);
  const mine = managed.get(id);
  if (mine && !noop) mine.time = rfc3339(opts.now);
  capManagers(managed);
  const out = (noop ? structuredClone(liveObj) : result);
  const entries = encodeManaged(managed);
  out.metadata = { ...(out.metadata ?? {}) };
  if (entries.length > 0) out.metadata.managedFields = entries;
  else delete out.metadata.managedFields;
  return syncLastApplied(out, applied, opts.manager);
}
