// managedFields entries decoded into per-manager field sets and back, as k8s.io/apiserver's
// fieldmanager keeps them: one entry per manager+operation+apiVersion(Update only)+subresource,
// sorted Apply before Update, then by time, manager, apiVersion, subresource.
import { isObject, type ManagedFieldsEntry } from '../types';
import { FieldSet, FieldsDecodeError, fieldToken, type Path } from './fieldpath';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

export type Managed = Map<string, ManagerEntry>;

/** BuildManagerIdentifier: the entry minus time and fields; appliers drop apiVersion. */
export function managerId(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const id: Record<string, string> = { manager: e.manager, operation: e.operation };
  if (e.operation === 'Update' && e.apiVersion) id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

/** How a manager is named in conflict messages (printManager). */
export function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

/**
 * DecodeManagedFields: undefined when any entry is malformed, as upstream fails the whole decode
 * (callers then fall back to the live object's entries instead of answering 500).
 */
export function tryDecodeManaged(entries: readonly ManagedFieldsEntry[] | undefined): Managed | undefined {
  if (entries !== undefined && entries !== null && !Array.isArray(entries)) return undefined;
  const out: Managed = new Map();
  for (const e of entries ?? []) {
    if (!isObject(e) || (e.operation !== 'Apply' && e.operation !== 'Update')) return undefined;
    if (typeof e.apiVersion !== 'string' || e.apiVersion === '' || e.fieldsType !== 'FieldsV1') return undefined;
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1);
    } catch (err) {
      if (err instanceof FieldsDecodeError) return undefined;
      throw err;
    }
    const entry: ManagerEntry = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      set,
      ...(typeof e.subresource === 'string' && e.subresource ? { subresource: e.subresource } : {}),
      ...(typeof e.time === 'string' && e.time ? { time: e.time } : {}),
    };
    const id = managerId(entry);
    const prev = out.get(id);
    out.set(id, prev ? { ...entry, set: prev.set.union(entry.set) } : entry);
  }
  return out;
}

/** The live object's entries; ones that do not decode count as none (decodeLiveManagedFields). */
export function decodeManaged(entries: readonly ManagedFieldsEntry[] | undefined): Managed {
  return tryDecodeManaged(entries) ?? new Map();
}

const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) : 0);

export function encodeManaged(managed: Managed): ManagedFieldsEntry[] {
  const entries = [...managed.values()].filter((e) => !e.set.empty());
  entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return entries.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time ? { time: e.time } : {}),
    fieldsType: 'FieldsV1' as const,
    fieldsV1: e.set.toFieldsV1(),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** RFC 3339 at whole seconds, as metav1.Time serializes. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Fields no manager owns (StripMetaManager), removed as exact paths. */
export const stripSet = FieldSet.of(
  ...[['apiVersion'], ['kind'], ['metadata']].map((p) => p.map(fieldToken)),
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds'].map(
    (f): Path => [fieldToken('metadata'), fieldToken(f)],
  ),
);

/** Fields a write cannot change and so never owns: status on the main resource, spec on /status. */
export function resetSet(subresource: string | undefined): FieldSet {
  return FieldSet.of([fieldToken(subresource === 'status' ? 'spec' : 'status')]);
}

const MAX_UPDATE_MANAGERS = 10;

/** capManagersManager: past ten Update entries, the oldest fold into "ancient-changes" per apiVersion. */
export function capManagers(managed: Managed): void {
  const updaters = [...managed.entries()].filter(([, e]) => e.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || cmp(ia, ib));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [id, e] of updaters) {
    if (length <= MAX_UPDATE_MANAGERS) break;
    const bucket = managerId({ manager: 'ancient-changes', operation: 'Update', apiVersion: e.apiVersion });
    const first = firstByVersion.get(e.apiVersion);
    if (first === undefined) {
      firstByVersion.set(e.apiVersion, id);
      continue;
    }
    if (!managed.has(bucket)) {
      const f = managed.get(first);
      managed.delete(first);
      if (f) managed.set(bucket, { ...f, manager: 'ancient-changes', operation: 'Update' });
    }
    const b = managed.get(bucket);
    managed.set(bucket, { manager: 'ancient-changes', operation: 'Update', apiVersion: e.apiVersion, set: e.set.union(b?.set ?? new FieldSet()), ...(e.time ? { time: e.time } : {}) });
    managed.delete(id);
    length--;
  }
}
