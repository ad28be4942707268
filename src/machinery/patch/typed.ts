// Schema-aware walks over JSON objects, after structured-merge-diff's typed package: the field
// set a value sets, the comparison of two values, the apply merge, and removal of a field set.
import { isObject, type JsonObject } from '../types';
import { fieldToken, FieldSet, indexToken, keyToken, type Path, tokenString, valueToken } from './fieldpath';
import { deepEqual, hasKey, setKey } from './json-util';
import { child, listTypeOf, type FieldSchema } from './schema';

const itemSchema = (s: FieldSchema): FieldSchema => (s.fields ? { fields: s.fields } : {});
const fieldSchema = (s: FieldSchema, k: string): FieldSchema => (s.map ? {} : child(s, k));
const isAtomicList = (s: FieldSchema): boolean => listTypeOf(s).type === 'atomic';

/** The path element of a list item: its key fields (with schema defaults), its value, or its index. */
export function itemToken(s: FieldSchema, item: unknown, index: number): string {
  const lt = listTypeOf(s);
  if (lt.type === 'set') return valueToken(item);
  if (lt.type === 'map' && isObject(item)) {
    const key: Record<string, unknown> = {};
    for (const k of [...lt.keys].sort()) {
      if (hasKey(item, k)) key[k] = item[k];
      else if (s.keyDefaults && hasKey(s.keyDefaults, k)) key[k] = s.keyDefaults[k];
      else return indexToken(index);
    }
    return keyToken(key);
  }
  return indexToken(index);
}

/** The fields a value sets (typed.ToFieldSet): leaves, list items, empty or null members. */
export function toFieldSet(v: unknown, s: FieldSchema): FieldSet {
  const set = new FieldSet();
  const walk = (x: unknown, sc: FieldSchema, path: Path): void => {
    if (Array.isArray(x)) {
      if (isAtomicList(sc)) return set.insert(path);
      x.forEach((item, i) => {
        const p = [...path, itemToken(sc, item, i)];
        walk(item, itemSchema(sc), p);
        set.insert(p);
      });
    } else if (isObject(x)) {
      if (sc.atomic) return set.insert(path);
      for (const k of Object.keys(x)) {
        const p = [...path, fieldToken(k)];
        const val = x[k];
        walk(val, fieldSchema(sc, k), p);
        if (val === null || (isObject(val) && Object.keys(val).length === 0) || sc.map) set.insert(p);
      }
    } else set.insert(path);
  };
  walk(v, s, []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function indexItems(list: unknown[] | undefined, s: FieldSchema): Map<string, unknown> {
  const m = new Map<string, unknown>();
  (list ?? []).forEach((item, i) => {
    const t = itemToken(s, item, i);
    if (!m.has(t)) m.set(t, item);
  });
  return m;
}

/** typed.Compare: what changed from lhs to rhs; absent (undefined) sides add or remove whole subtrees. */
export function compare(lhs: unknown, rhs: unknown, s: FieldSchema): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const walk = (l: unknown, r: unknown, sc: FieldSchema, path: Path): void => {
    // A null on one side reads as an empty map or list, as upstream's walkers treat it.
    const absent = (x: unknown, y: unknown) => x === undefined || (x === null && y !== null && y !== undefined);
    const objs = (absent(l, r) || isObject(l)) && (absent(r, l) || isObject(r)) && !sc.atomic && (isObject(l) || isObject(r));
    const lists = (absent(l, r) || Array.isArray(l)) && (absent(r, l) || Array.isArray(r)) && !isAtomicList(sc) && (Array.isArray(l) || Array.isArray(r));
    if (objs) {
      const lo = (isObject(l) ? l : {});
      const ro = (isObject(r) ? r : {});
      for (const k of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
        walk(hasKey(lo, k) ? lo[k] : undefined, hasKey(ro, k) ? ro[k] : undefined, fieldSchema(sc, k), [...path, fieldToken(k)]);
      }
    } else if (lists) {
      const li = indexItems(Array.isArray(l) ? l : undefined, sc);
      const ri = indexItems(Array.isArray(r) ? r : undefined, sc);
      for (const t of new Set([...li.keys(), ...ri.keys()])) walk(li.get(t), ri.get(t), itemSchema(sc), [...path, t]);
    } else {
      if (l === undefined) c.added.insert(path);
      else if (r === undefined) c.removed.insert(path);
      else if (!deepEqual(l, r)) c.modified.insert(path);
      return;
    }
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  };
  walk(lhs, rhs, s, []);
  return c;
}

/** typed.Merge for apply: rhs wins on leaves and atomics; maps merge by key, associative and set lists by item. */
export function merge(lhs: unknown, rhs: unknown, s: FieldSchema): unknown {
  if (isObject(lhs) && isObject(rhs) && !s.atomic) {
    const out: JsonObject = {};
    for (const k of Object.keys(lhs)) setKey(out, k, lhs[k]);
    for (const k of Object.keys(rhs)) setKey(out, k, hasKey(lhs, k) ? merge(lhs[k], rhs[k], fieldSchema(s, k)) : rhs[k]);
    return out;
  }
  if (Array.isArray(lhs) && Array.isArray(rhs) && !isAtomicList(s)) return mergeList(lhs, rhs, s);
  return rhs;
}

/** Item order as upstream's mergingWalker: live order, with applied items placed by the applied order. */
function mergeList(lhs: unknown[], rhs: unknown[], s: FieldSchema): unknown[] {
  const isc = itemSchema(s);
  const lTokens = lhs.map((v, i) => itemToken(s, v, i));
  const rTokens = rhs.map((v, i) => itemToken(s, v, i));
  const lItems = indexItems(lhs, s);
  const rItems = indexItems(rhs, s);
  const shared = rTokens.filter((t) => lItems.has(t));
  let next = shared.shift();
  const done = new Set<string>();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  const mergeItem = (t: string): unknown => {
    const l = lItems.get(t);
    const r = rItems.get(t);
    return l === undefined ? r : r === undefined ? l : merge(l, r, isc);
  };
  while (li < lTokens.length || ri < rTokens.length) {
    const lt = lTokens[li];
    const rt = rTokens[ri];
    if (lt !== undefined && rt !== undefined) {
      if (lt === rt) {
        done.add(lt);
        out.push(mergeItem(lt));
        li++;
        ri++;
        next = shared.shift();
        continue;
      }
      if (rItems.has(lt) && next !== undefined && next !== lt) {
        li++;
        continue;
      }
    }
    if (lt !== undefined) {
      if (!rItems.has(lt)) {
        out.push(lhs[li]);
        li++;
        continue;
      }
      if (done.has(lt)) {
        li++;
        continue;
      }
    }
    if (rt !== undefined) {
      done.add(rt);
      out.push(mergeItem(rt));
      ri++;
      if (next === rt) next = shared.shift();
    }
  }
  return out;
}

/** typed.RemoveItems: drops every member of `set`; a list or map left empty keeps its old value, as upstream. */
export function removeItems(v: unknown, set: FieldSet, s: FieldSchema): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0 || isAtomicList(s)) return v;
    const out: unknown[] = [];
    v.forEach((item, i) => {
      const t = itemToken(s, item, i);
      if (set.members.has(t)) return;
      const sub = set.withPrefix(t);
      out.push(sub.empty() ? item : removeItems(item, sub, itemSchema(s)));
    });
    return out.length > 0 ? out : v;
  }
  if (isObject(v)) {
    if (Object.keys(v).length === 0 || s.atomic) return v;
    const out: JsonObject = {};
    for (const k of Object.keys(v)) {
      const t = fieldToken(k);
      if (set.members.has(t)) continue;
      const sub = set.withPrefix(t);
      setKey(out, k, sub.empty() ? v[k] : removeItems(v[k], sub, fieldSchema(s, k)));
    }
    return Object.keys(out).length > 0 ? out : v;
  }
  return v;
}

/** Adds struct fields that have owned children as members themselves (EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(set: FieldSet, s: FieldSchema): FieldSet {
  const out = new FieldSet();
  for (const m of set.members) out.members.add(m);
  for (const [t, c] of set.children) {
    const isField = t.startsWith('f:');
    if (isField && !s.map) out.members.add(t);
    const cs = isField ? fieldSchema(s, t.slice(2)) : itemSchema(s);
    out.children.set(t, ensureNamedFieldsAreMembers(c, cs));
  }
  return out;
}

/**
 * What ObjectToTyped reports for an applied configuration (duplicates not allowed): associative
 * list items that repeat a key or lack a key field without a default. Without this the index
 * fallback of itemToken would let such a configuration through. Messages are upstream's.
 */
export function appliedConfigErrors(v: unknown, s: FieldSchema): string[] {
  const errs: string[] = [];
  const report = (path: string, msg: string): void => {
    errs.push(path ? `${path}: ${msg}` : msg);
  };
  const walk = (x: unknown, sc: FieldSchema, path: string): void => {
    if (Array.isArray(x)) {
      if (isAtomicList(sc)) return;
      const lt = listTypeOf(sc);
      const seen = new Set<string>();
      for (const [i, item] of x.entries()) {
        if (lt.type === 'map') {
          // Upstream stops at the first item it cannot name: nothing deeper can be reported.
          if (item === null) return report(path, `element ${i}: associative list with keys may not have a null element`);
          if (!isObject(item)) return report(path, `element ${i}: associative list with keys may not have non-map elements`);
          const missing = lt.keys.find((k) => !hasKey(item, k) && !(sc.keyDefaults && hasKey(sc.keyDefaults, k)));
          if (missing !== undefined) return report(path, `element ${i}: associative list with keys has an element that omits key field ${JSON.stringify(missing)} (and doesn't have default value)`);
        }
        const t = itemToken(sc, item, i);
        if (lt.type === 'map' || lt.type === 'set') {
          if (seen.has(t)) report(path, `duplicate entries for key ${tokenString(t)}`);
          seen.add(t);
        }
        walk(item, itemSchema(sc), path + tokenString(t));
      }
    } else if (isObject(x)) {
      if (sc.atomic) return;
      for (const k of Object.keys(x)) walk(x[k], fieldSchema(sc, k), `${path}.${k}`);
    }
  };
  walk(v, s, '');
  return errs;
}
