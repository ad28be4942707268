// Helpers the storage and apps resource definitions share beyond ./common: optional-typed JSON
// access, container cells, and Go-style value rendering for messages that print Go values (%#v).
import type { FieldError } from '../field-errors';
import { type JsonObject, isObject } from '../types';

export const asObj = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);
export const asStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const asNum = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asStrMap = (v: unknown): Record<string, string> | undefined =>
  isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : undefined;

/** Walks a path of object keys; undefined when any step is missing. */
export function dig(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** "name1,name2" and "image1,image2" for the containers of a pod template. */
export function containerCells(template: unknown): [string, string] {
  const containers = asArr(dig(template, 'spec', 'containers'));
  const names = containers.map((c) => asStr(dig(c, 'name')) ?? '');
  const images = containers.map((c) => asStr(dig(c, 'image')) ?? '');
  return [names.join(','), images.join(',')];
}

/**
 * An Invalid error whose value is already rendered (Go %#v output such as a map or struct):
 * the value goes in front of the detail so the printed message matches upstream's.
 */
export function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value: rendered, hasValue: false, detail: detail ? `${rendered}: ${detail}` : rendered };
}

const goQuote = (s: string): string => JSON.stringify(s);

/** Go's %#v of a map[string]string (keys sorted, nil when absent). */
export function goStringMap(m: unknown): string {
  if (!isObject(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

function goStrings(v: unknown): string {
  if (!Array.isArray(v)) return '[]string(nil)';
  return `[]string{${v.map((x) => goQuote(String(x))).join(', ')}}`;
}

/** Go's %#v of a metav1.LabelSelector, as immutable-selector errors print it. */
export function goLabelSelector(sel: unknown): string {
  if (!isObject(sel)) return 'null';
  const exprs = sel['matchExpressions'];
  const renderedExprs = Array.isArray(exprs)
    ? `[]v1.LabelSelectorRequirement{${exprs
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${goQuote(asStr(dig(e, 'key')) ?? '')}, Operator:${goQuote(asStr(dig(e, 'operator')) ?? '')}, Values:${goStrings(dig(e, 'values'))}}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel['matchLabels'])}, MatchExpressions:${renderedExprs}}`;
}

const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.values(v).every((x) => x === undefined));

/** apiequality.Semantic.DeepEqual on JSON: nil and empty slices/maps are equal, key order ignored. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}
