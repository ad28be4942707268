// List ordering for strategic merge patch: upstream keeps patch items in the patch's (or
// $setElementOrder's) order, server-only items in the live order, and interleaves the two by the
// live order where both are known (normalizeElementOrder / mergeSortedSlice).
import { isObject } from '../types';
import { patchInternal, patchNotApplied } from './errors';
import { goValue } from './go-format';
import { sliceStable } from './go-sort';
import { hasKey } from './json-util';

export type ElemKind = 'map' | 'string' | 'number' | 'boolean' | 'null';

/** The one element kind shared by the lists; lists of lists are rejected as upstream does (422). */
export function sliceElementType(...lists: unknown[][]): ElemKind {
  let prev: ElemKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (Array.isArray(v)) {
        if (prev === undefined) throw patchNotApplied('lists of lists are not supported');
        throw patchInternal(`list element types are not identical: ${goValue(lists)}`);
      }
      const k: ElemKind = v === null ? 'null' : isObject(v) ? 'map' : (typeof v as ElemKind);
      if (prev !== undefined && prev !== k) throw patchInternal(`list element types are not identical: ${goValue(lists)}`);
      prev = k;
    }
  }
  if (prev === undefined) throw patchInternal('no elements in any of the given slices');
  return prev;
}

function keyValue(item: unknown, mergeKey: string, kind: ElemKind): unknown {
  if (kind !== 'map') return item;
  return isObject(item) ? item[mergeKey] : undefined;
}

/**
 * Position of each key in `list` (first occurrence), so lookups are O(1): upstream's index() scans
 * the list on every comparison, which is quadratic or worse on long lists. Map keys compare like
 * Go's interface equality for JSON scalars (+0 and -0 are one key).
 */
function positions(list: unknown[], mergeKey: string, kind: ElemKind): Map<unknown, number> {
  const at = new Map<unknown, number>();
  list.forEach((v, i) => {
    const k = keyValue(v, mergeKey, kind);
    if (!at.has(k)) at.set(k, i);
  });
  return at;
}

function requireKey(item: unknown, mergeKey: string): void {
  if (!isObject(item)) throw patchInternal(`expected a map[string]interface {}, but received a ${typeof item}`);
  if (!hasKey(item, mergeKey)) throw patchInternal(`map: ${goValue(item)} does not contain declared merge key: ${mergeKey}`);
}

/** Splits `merged` into items present in `by` (compared by merge key for maps) and the rest. */
export function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  if (!mergeKey) {
    const present = new Set(by);
    for (const v of merged) (present.has(v) ? inPatch : serverOnly).push(v);
    return [inPatch, serverOnly];
  }
  // Upstream scans `by` for each item and fails at a non-map met before a match.
  const badAt = by.findIndex((b) => !isObject(b));
  const at = new Map<unknown, number>();
  by.forEach((b, i) => {
    if (isObject(b) && hasKey(b, mergeKey) && !at.has(b[mergeKey])) at.set(b[mergeKey], i);
  });
  for (const v of merged) {
    requireKey(v, mergeKey);
    const i = at.get((v as Record<string, unknown>)[mergeKey]);
    const found = i !== undefined && (badAt < 0 || i < badAt);
    if (!found && badAt >= 0) throw patchInternal('value for key is not a map.');
    (found ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/**
 * Orders `toSort` by `order` as normalizeSliceOrder does: sort.SliceStable with a comparator that
 * answers "less" whenever either item is missing from `order`; $patch: delete items go last.
 */
function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElemKind): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    for (const v of toSort) requireKey(v, mergeKey);
    for (const v of order) requireKey(v, mergeKey);
    items = toSort.filter((v) => !(isObject(v) && v.$patch === 'delete'));
    toDelete = toSort.filter((v) => isObject(v) && v.$patch === 'delete');
  }
  const at = positions(order, mergeKey, kind);
  const ranked = items.map((v) => ({ v, i: at.get(keyValue(v, mergeKey, kind)) ?? -1 }));
  sliceStable(ranked, (x, y) => (x.i >= 0 && y.i >= 0 ? x.i < y.i : true));
  return [...ranked.map((r) => r.v), ...toDelete];
}

export function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElemKind,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  // mergeSortedSlice: a server-only item goes before a patch item only when the live list says so.
  const at = positions(serverOrder, mergeKey, kind);
  const pos = (v: unknown): number => at.get(keyValue(v, mergeKey, kind)) ?? -1;
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = pos(left[i]);
      const ri = pos(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
