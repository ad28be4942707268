// What PersistentVolume, PersistentVolumeClaim and StatefulSet claim templates share: access
// and volume modes, storage class lookup, quantity decoding, and the go-cmp style diff that
// upstream appends to "immutable after creation" messages.
import { errors } from '../errors';
import { type FieldError, type Path, fe } from '../field-errors';
import { compareQuantity, formatQuantity, signQuantity, tryParseQuantity } from '../quantity';
import { validateLabelName } from '../validation/labels';
import { isDNS1123Subdomain } from '../validation/names';
import { type JsonObject, type KObject, isObject } from '../types';
import { asArr, asStr, dig } from './storage-apps-util';

/** Sorted as upstream's sets.List prints them in "supported values". */
export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** helper.GetAccessModesAsString: fixed order, duplicates removed. */
export function accessModesString(modes: unknown): string {
  const set = new Set(asArr(modes).map(String));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** Unsupported modes, and ReadWriteOncePod mixed with others. */
export function validateAccessModeValues(modes: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  let rwop = false;
  let other = false;
  for (const m of asArr(modes)) {
    // As upstream, an unsupported mode also counts as "another mode" next to ReadWriteOncePod.
    if (!ACCESS_MODES.includes(String(m))) errs.push(fe.notSupported(path, m, ACCESS_MODES));
    if (m === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other) errs.push(fe.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

export function validateVolumeModeValue(mode: unknown, path: Path): FieldError[] {
  return mode !== undefined && !VOLUME_MODES.includes(String(mode)) ? [fe.notSupported(path, mode, VOLUME_MODES)] : [];
}

/** helper.GetPersistentVolumeClass: the beta annotation wins over spec.storageClassName. */
export function pvClass(pv: KObject): string {
  const ann = pv.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (ann !== undefined) return ann;
  return asStr(dig(pv, 'spec', 'storageClassName')) ?? '';
}

export const pvcClass = pvClass;

/** ValidatePositiveQuantityValue and friends; `q` is already canonical text. */
export function positiveQuantity(q: unknown, path: Path | string): FieldError[] {
  const r = tryParseQuantity(q);
  if (!r.ok || signQuantity(r.q) <= 0) return [fe.invalid(path, String(q), 'must be greater than zero')];
  return [];
}

/**
 * Rewrites a map of quantities to upstream's canonical text. An unparseable value fails as
 * upstream's decoder does: a 400 before defaulting or validation ever run.
 */
export function canonicalizeQuantities(m: unknown, kind: string, version = 'v1'): void {
  if (!isObject(m)) return;
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    const r = tryParseQuantity(v);
    if (!r.ok) throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${r.error}`);
    m[k] = formatQuantity(r.q);
  }
}

/** Compares two quantity texts; unparseable or missing ones count as zero. */
export function compareQuantityText(a: unknown, b: unknown): number {
  const x = tryParseQuantity(a ?? '0');
  const y = tryParseQuantity(b ?? '0');
  const zero = { mant: 0n, scale: 0, format: 'DecimalSI' as const };
  return compareQuantity(x.ok ? x.q : zero, y.ok ? y.q : zero);
}

// ---- go-cmp style diffs ----

const capital = (k: string): string => (k === '' ? k : `${k[0]?.toUpperCase() ?? ''}${k.slice(1)}`);

/** A compact Go-like rendering of a JSON value, as go-cmp's reporter shows values. */
export function goish(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `{${v.map(goish).join(', ')}}`;
  const o = v as JsonObject;
  return `{${Object.keys(o)
    .map((k) => `${capital(k)}: ${goish(o[k])}`)
    .join(', ')}}`;
}

/**
 * Renders `cmp.Diff(old, new)` for a struct whose fields are listed in Go order; fields equal on
 * both sides collapse into one "identical fields" line. go-cmp randomises its own spacing, so
 * clients cannot depend on the exact text; this keeps its shape.
 */
export function goCmpDiff(typeName: string, fields: readonly string[], oldV: JsonObject, newV: JsonObject): string {
  const lines = [`  ${typeName}{`];
  let same = 0;
  for (const f of fields) {
    const a = goish(oldV[f]);
    const b = goish(newV[f]);
    if (a === b) {
      same++;
      continue;
    }
    if (oldV[f] !== undefined) lines.push(`- \t${capital(f)}: ${a},`);
    if (newV[f] !== undefined) lines.push(`+ \t${capital(f)}: ${b},`);
    if (oldV[f] === undefined) lines.splice(lines.length - 1, 0, `- \t${capital(f)}: nil,`);
    if (newV[f] === undefined) lines.push(`+ \t${capital(f)}: nil,`);
  }
  if (same > 0) lines.push(`  \t... // ${same} identical field${same === 1 ? '' : 's'}`);
  lines.push('  }');
  return lines.join('\n') + '\n';
}

// ---- node affinity (core ValidateNodeSelector) ----

function validateExpression(r: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const op = asStr(dig(r, 'operator')) ?? '';
  const values = asArr(dig(r, 'values'));
  if (op === 'In' || op === 'NotIn') {
    if (values.length === 0) errs.push(fe.required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (op === 'Exists' || op === 'DoesNotExist') {
    if (values.length > 0) errs.push(fe.forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (op === 'Gt' || op === 'Lt') {
    if (values.length !== 1) errs.push(fe.required(path.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else errs.push(fe.invalid(path.child('operator'), op, 'not a valid selector operator'));
  errs.push(...validateLabelName(asStr(dig(r, 'key')) ?? '', path.child('key')));
  return errs;
}

function validateFieldRequirement(r: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const op = asStr(dig(r, 'operator')) ?? '';
  const values = asArr(dig(r, 'values'));
  if (op === 'In' || op === 'NotIn') {
    if (values.length !== 1) errs.push(fe.required(path.child('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else errs.push(fe.invalid(path.child('operator'), op, 'not a valid selector operator'));
  const key = asStr(dig(r, 'key')) ?? '';
  if (key !== 'metadata.name') errs.push(fe.invalid(path.child('key'), key, 'not a valid field selector key'));
  else if (values.length > 0) {
    const v = String(values[0]);
    for (const m of isDNS1123Subdomain(v)) errs.push(fe.invalid(path.child('values').index(0), v, m));
  }
  return errs;
}

/** PersistentVolume spec.nodeAffinity: required.nodeSelectorTerms must be present and sane. */
export function validateVolumeNodeAffinity(na: unknown, path: Path): FieldError[] {
  const required = dig(na, 'required');
  if (!isObject(required)) return [fe.required(path.child('required'), 'must specify required node constraints')];
  const termsPath = path.child('required', 'nodeSelectorTerms');
  const terms = asArr(required['nodeSelectorTerms']);
  if (terms.length === 0) return [fe.required(termsPath, 'must have at least one node selector term')];
  const errs: FieldError[] = [];
  terms.forEach((t, i) => {
    asArr(dig(t, 'matchExpressions')).forEach((r, j) => errs.push(...validateExpression(r, termsPath.index(i).child('matchExpressions').index(j))));
    asArr(dig(t, 'matchFields')).forEach((r, j) => errs.push(...validateFieldRequirement(r, termsPath.index(i).child('matchFields').index(j))));
  });
  return errs;
}
