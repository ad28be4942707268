// What the three snapshot.storage.k8s.io/v1 kinds share. Upstream serves them as CRDs, so their
// validation errors have the CRD shapes: "Required value" for a missing required property,
// "Unsupported value" for an enum, and `Invalid value: "<type>": <message>` for the CEL rules.
import { type FieldError, type Path, fe } from '../field-errors';
import { age } from '../printers/age';
import { tryParseQuantity } from '../quantity';
import { type KObject, isObject } from '../types';
import { col } from './common';
import type { TableColumn } from '../resource';

export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';
export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = 'snapshot.storage.kubernetes.io/is-default-class';
export const DELETION_POLICIES = ['Delete', 'Retain'];

/** The JSON type name a CEL rule error prints as its value ("object", "string"). */
function celType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (isObject(v)) return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** An x-kubernetes-validations failure: `<path>: Invalid value: "<type>": <message>`. */
export const celError = (path: Path | string, value: unknown, message: string): FieldError => fe.invalid(path, celType(value), message);

/** deletionPolicy: required, Delete or Retain. */
export function validateDeletionPolicy(v: unknown, path: Path | string): FieldError[] {
  if (v === undefined || v === null) return [fe.required(path)];
  return DELETION_POLICIES.includes(String(v)) ? [] : [fe.notSupported(path, v, DELETION_POLICIES)];
}

/** A required string property of a structural schema. */
export function requiredString(v: unknown, path: Path | string): FieldError[] {
  return v === undefined || v === null ? [fe.required(path)] : [];
}

/**
 * `<field> is immutable` (rule self == oldSelf on the field) and `<field> is required once set`
 * (rule on the holder): the CRDs' transition rules for one optional field.
 */
export function fixedOnceSet(holder: unknown, old: unknown, field: string, path: Path): FieldError[] {
  const cur = isObject(holder) ? holder[field] : undefined;
  const was = isObject(old) ? old[field] : undefined;
  if (was === undefined) return [];
  if (cur === undefined) return [celError(path, holder, `${field} is required once set`)];
  return JSON.stringify(cur) === JSON.stringify(was) ? [] : [celError(path.child(field), cur, `${field} is immutable`)];
}

/** status.error: message string, time date-time. */
export function validateSnapshotError(e: unknown, path: Path): FieldError[] {
  if (e === undefined || e === null) return [];
  if (!isObject(e)) return [fe.invalid(path, celType(e), `${path.toString()} in body must be of type object: "${celType(e)}"`)];
  const t = e['time'];
  if (t !== undefined && (typeof t !== 'string' || Number.isNaN(Date.parse(t)))) {
    return [fe.invalid(path.child('time'), t, `${path.child('time').toString()} in body must be of type date-time: ${JSON.stringify(t)}`)];
  }
  return [];
}

/** A restoreSize that must be a quantity (int-or-string with the quantity pattern). */
export function validateQuantityField(v: unknown, path: Path): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'string' && typeof v !== 'number') return [fe.invalid(path, celType(v), `${path.toString()} in body must be of type integer,string: "${celType(v)}"`)];
  if (!tryParseQuantity(v).ok) return [fe.invalid(path, v, `${path.toString()} in body should match the quantity pattern (e.g. 1Gi, 500M, 1073741824)`)];
  return [];
}

/** A CRD printer column: priority 0, the CRD's type and description. */
export const crdColumn = (name: string, type: TableColumn['type'], description: string): TableColumn => col(name, description, { type });
export const crdAgeColumn = (): TableColumn => col('Age', '', { type: 'date' });

/** A cell for an optional value: CRD tables leave missing values empty (null). */
export const cell = (v: unknown): unknown => (v === undefined ? null : v);

/** A date cell as the CRD table converter prints it: the time since, or empty. */
export function dateCell(v: unknown, now: Date): string | null {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? age(v, now) : null;
}

/** The Age cell of a CRD: its creationTimestamp as a duration. */
export const crdAge = (o: KObject, now: Date): string | null => dateCell(o.metadata.creationTimestamp, now);
