// List ordering for strategic merge patch: upstream keeps patch items in the patch's (or
// $setElementOrder's) order, server-only items in the live order, and interleaves the two by the
// live order where both are known (normalizeElementOrder / mergeSortedSlice).
import { isObject } from '../types';
import { patchInternal, patchNotApplied } from './errors';
import { goValue } from './go-format';
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

function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: ElemKind): number {
  const want = keyValue(item, mergeKey, kind);
  return list.findIndex((v) => keyValue(v, mergeKey, kind) === want);
}

function requireKey(item: unknown, mergeKey: string): void {
  if (!isObject(item)) throw patchInternal(`expected a map[string]interface {}, but received a ${typeof item}`);
  if (!hasKey(item, mergeKey)) throw patchInternal(`map: ${goValue(item)} does not contain declared merge key: ${mergeKey}`);
}

/** Splits `merged` into items present in `by` (compared by merge key for maps) and the rest. */
export function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of merged) {
    let found: boolean;
    if (mergeKey) {
      requireKey(v, mergeKey);
      const want = (v as Record<string, unknown>)[mergeKey];
      found = by.some((b) => {
        if (!isObject(b)) throw patchInternal('value for key is not a map.');
        return hasKey(b, mergeKey) && b[mergeKey] === want;
      });
    } else found = by.includes(v);
    (found ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/**
 * Orders `toSort` by `order`. Upstream uses a stable sort whose comparator answers "less" whenever
 * either item is missing from `order`; for the short lists seen here Go runs insertion sort, which
 * this reproduces step for step.
 */
function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElemKind): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    for (const v of [...toSort, ...order]) requireKey(v, mergeKey);
    items = toSort.filter((v) => !(isObject(v) && v.$patch === 'delete'));
    toDelete = toSort.filter((v) => isObject(v) && v.$patch === 'delete');
  }
  const a = [...items];
  const less = (x: unknown, y: unknown): boolean => {
    const ix = indexIn(order, x, mergeKey, kind);
    const iy = indexIn(order, y, mergeKey, kind);
    return ix >= 0 && iy >= 0 ? ix < iy : true;
  };
  for (let i = 1; i < a.length; i++) {
    for (let j = i; j > 0 && less(a[j], a[j - 1]); j--) [a[j], a[j - 1]] = [a[j - 1], a[j]];
  }
  return [...a, ...toDelete];
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
  // Interleave: a server-only item goes before a patch item only when the live list says so.
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
