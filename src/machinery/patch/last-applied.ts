// Compatibility with client-side `kubectl apply`, after k8s.io/apimachinery's managedfields
// lastAppliedManager and lastAppliedUpdater. Objects kubectl applied client-side carry the
// last-applied-configuration annotation and are owned by the "kubectl-client-side-apply" Update
// manager, so a first `kubectl apply --server-side` would conflict with kubectl's own earlier
// applies. Upstream lets that applier take every field the annotation still describes truthfully,
// and keeps the annotation in step with server-side applies so a later client-side apply computes
// its three-way merge from what was really applied last.
import { isObject, type JsonObject, type KObject } from '../types';
import { goJson, type FieldSet, type Path } from './fieldpath';
import { comparable } from './managed-fields';
import { listTypeOf, type FieldSchema } from './schema';
import { compare, toFieldSet } from './typed';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Both layers act only for this applier name, the one `kubectl apply --server-side` uses by default:
 * upstream lets users opt out of the migration by choosing another --field-manager.
 */
export const MIGRATING_MANAGER = 'kubectl';

/** apimachinery's TotalAnnotationSizeLimitB: keys plus values, in bytes. */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

function lastAppliedOf(obj: KObject | undefined): string | undefined {
  const annotations = obj?.metadata?.annotations;
  const v = isObject(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

const isListSchema = (s: FieldSchema): boolean => s.listType !== undefined || s.patchMergeKey !== undefined || (s.patchStrategy?.startsWith('merge') ?? false);

/**
 * Whether `v` has the shape the schema expects where Berth knows it (objects for structs and maps,
 * arrays for lists). Upstream refuses an annotation it cannot convert to the typed object; this is
 * the part of that conversion Berth's partial schemas can check.
 */
function fitsSchema(v: unknown, s: FieldSchema): boolean {
  if (v === null) return true;
  if (isListSchema(s)) {
    if (!Array.isArray(v)) return false;
    const item: FieldSchema = s.fields ? { fields: s.fields } : {};
    return listTypeOf(s).type === 'atomic' || v.every((x) => fitsSchema(x, item));
  }
  if (s.fields || s.map || s.atomic) {
    if (!isObject(v)) return false;
    if (s.map || s.atomic || !s.fields) return true;
    const fields = s.fields;
    return Object.keys(v).every((k) => {
      const f = fields[k];
      return f === undefined || fitsSchema(v[k], f);
    });
  }
  return true;
}

export interface Target {
  apiVersion: string;
  gvk: { kind: string };
}

/**
 * The fields the applier may take from other managers without forcing: those the annotation sets
 * whose live values still equal it (added, changed or missing fields no longer reflect what kubectl
 * applied). Empty when the annotation is absent, empty, not a JSON object, of another version or
 * kind, or malformed for the schema: the conflicts then stand, as upstream.
 */
export function allowedByLastApplied(live: KObject | undefined, target: Target, s: FieldSchema): FieldSet | undefined {
  const raw = lastAppliedOf(live);
  if (raw === undefined) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
  if (!isObject(last) || last.apiVersion !== target.apiVersion || last.kind !== target.gvk.kind || !fitsSchema(last, s)) return undefined;
  const c = compare(last, comparable(live), s);
  return toFieldSet(last, s).difference(c.modified).difference(c.added).difference(c.removed);
}

/** The conflicts the annotation does not excuse (conflictsDifference: exact path membership). */
export function unexcused<T extends { path: Path }>(conflicts: readonly T[], allowed: FieldSet | undefined): T[] {
  return allowed ? conflicts.filter((c) => !allowed.has(c.path)) : [...conflicts];
}

/**
 * The annotation value upstream's buildLastApplied produces: the applied configuration without
 * the annotation itself, as Go's encoding/json writes an unstructured object (sorted keys,
 * HTML-safe escapes, trailing newline). An annotations map left empty stays as `{}`, as there.
 */
export function encodeLastApplied(applied: KObject): string {
  const copy = structuredClone(applied) as JsonObject;
  const meta = copy.metadata;
  if (isObject(meta) && isObject(meta.annotations)) {
    const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = meta.annotations;
    meta.annotations = rest;
  }
  return `${goJson(copy)}\n`;
}

const byteLength = (s: string): number => new TextEncoder().encode(s).length;

/** ValidateAnnotationsSize: the sum of key and value lengths must stay within the limit. */
export function annotationsFit(annotations: Record<string, unknown>): boolean {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += byteLength(k) + (typeof v === 'string' ? byteLength(v) : 0);
  return total <= ANNOTATIONS_SIZE_LIMIT;
}

/**
 * lastAppliedUpdater: after a successful apply by `manager`, an object that still carries a
 * non-empty annotation gets it rewritten to `applied`; one that never had it stays without (only
 * client-side apply introduces it). When the new value would push the annotations past the size
 * limit the annotation is dropped instead of failing the apply, as SetLastApplied does.
 */
export function syncLastApplied(result: KObject, applied: KObject, manager: string): KObject {
  if (manager !== MIGRATING_MANAGER || lastAppliedOf(result) === undefined) return result;
  const annotations: Record<string, unknown> = { ...(result.metadata.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: encodeLastApplied(applied) };
  if (!annotationsFit(annotations)) delete annotations[LAST_APPLIED_ANNOTATION];
  return { ...result, metadata: { ...result.metadata, annotations: annotations as Record<string, string> } };
}
