// Label, annotation and metav1.LabelSelector validation (apimachinery meta/v1/validation).
import { type FieldError, Path, fe } from '../field-errors';
import type { LabelSelector } from '../selectors';
import { isQualifiedName, isValidLabelValue } from './names';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

type P = Path | string;
const str = (p: P): string => p.toString();

export function validateLabelName(name: string, path: P): FieldError[] {
  return isQualifiedName(name).map((m) => fe.invalid(str(path), name, m));
}

/** Errors point at the labels map itself, as upstream's do. */
export function validateLabels(labels: Record<string, string> | undefined, path: P): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    if (typeof v !== 'string') {
      errs.push(fe.typeInvalid(str(path), v, 'must be a string'));
      continue;
    }
    for (const m of isValidLabelValue(v)) errs.push(fe.invalid(str(path), v, m));
  }
  return errs;
}

export function annotationsSize(a: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(a)) n += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  return n;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: P): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  // Keys are qualified names, case-insensitively.
  for (const k of Object.keys(annotations)) for (const m of isQualifiedName(k.toLowerCase())) errs.push(fe.invalid(str(path), k, m));
  if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fe.tooLong(str(path), '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** metav1validation.ValidateLabelSelector. */
export function validateLabelSelector(sel: LabelSelector | undefined | null, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  if (!sel) return errs;
  errs.push(...validateLabels(sel.matchLabels, path.child('matchLabels')));
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const p = path.child('matchExpressions').index(i);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fe.required(p.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fe.forbidden(p.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fe.invalid(p.child('operator'), e.operator, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(e.key ?? '', p.child('key')));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v)) errs.push(fe.invalid(p.child('values').index(j), v, m));
    });
  });
  return errs;
}
