// Strategic merge patch as kube-apiserver applies it to built-in kinds
// (k8s.io/apimachinery/pkg/util/strategicpatch, StrategicMergeMapPatch: parallel deletion lists
// are honoured and nulls that match nothing are dropped). Directives: $patch (replace|delete|merge),
// $retainKeys, $setElementOrder/<field>, $deleteFromPrimitiveList/<field>; null deletes a key.
import { isObject, type JsonObject } from '../types';
import { patchBadRequest, patchInternal } from './errors';
import { goType, goValue } from './go-format';
import { clone, hasKey, setKey } from './json-util';
import { child, schemaFor, type FieldSchema } from './schema';
import { sliceElementType, normalizeElementOrder, partition } from './strategic-order';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList';

/** Upstream's mergepatch errors, split by the status interpretStrategicMergePatchError gives them. */
export const smpErrors = {
  badRetainKeys: () => patchBadRequest('invalid patch format of retainKeys'),
  badPrimitiveList: () => patchBadRequest('invalid patch format of primitive list'),
  badSetOrder: () => patchBadRequest('invalid patch format of setElementOrder list'),
  badArgType: (expected: string, actual: unknown) => patchInternal(`expected a ${expected}, but received a ${goType(actual)}`),
  noMergeKey: (m: unknown, key: string) => patchInternal(`map: ${goValue(m)} does not contain declared merge key: ${key}`),
  badPatchType: (t: unknown, m: unknown) => patchInternal(`unknown patch type: ${goValue(t)} in map: ${goValue(m)}`),
};

function strategyOf(s: FieldSchema): string {
  // retainKeys only guides patch generation; application uses the other strategy.
  return (s.patchStrategy ?? '').split(',').find((x) => x !== 'retainKeys') ?? '';
}

function extractKey(key: string, prefix: string): string {
  const i = key.indexOf('/');
  if (i < 0 || key.slice(0, i) !== prefix) throw prefix === SET_ORDER ? smpErrors.badSetOrder() : smpErrors.badPrimitiveList();
  return key.slice(i + 1);
}

function discardNulls(v: unknown): void {
  if (Array.isArray(v)) v.forEach(discardNulls);
  else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]);
    }
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'slice';
  return typeof v;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasKey(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw smpErrors.badRetainKeys();
  const keep = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
    // 1.32 answers a key outside the list with the same error as a malformed list (400).
    if (!keep.has(k)) throw smpErrors.badRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function validateWithSetOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((v) => !(isObject(v) && v[DIRECTIVE] === 'delete')) : patchList;
  const keyOf = (v: unknown): unknown => {
    if (!mergeKey) return v;
    if (!isObject(v)) throw smpErrors.badArgType('map[string]interface {}', v);
    if (!hasKey(v, mergeKey)) throw smpErrors.noMergeKey(v, mergeKey);
    return v[mergeKey];
  };
  let pi = 0;
  let oi = 0;
  while (pi < items.length && oi < order.length) {
    const item = items[pi];
    if (isObject(item) && hasKey(item, DIRECTIVE)) {
      pi++;
      continue;
    }
    if (keyOf(item) === keyOf(order[oi])) pi++;
    oi++;
  }
  if (pi < items.length && oi >= order.length) {
    throw patchInternal(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ORDER} list:\n${goValue(order)}\n`);
  }
}

/** Handles every $setElementOrder/<field> in `patch`, merging and ordering that field's list. */
function mergeWithSetOrder(original: JsonObject, patch: JsonObject, schema: FieldSchema): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw smpErrors.badArgType('[]interface {}', order);
    const field = extractKey(key, SET_ORDER);
    const foundOriginal = hasKey(original, field);
    const foundPatch = hasKey(patch, field);
    const origList = original[field];
    const patchList = patch[field];
    if (foundOriginal && !Array.isArray(origList)) throw smpErrors.badArgType('[]interface {}', origList);
    if (foundPatch && !Array.isArray(patchList)) throw smpErrors.badArgType('[]interface {}', patchList);
    const fs = child(schema, field);
    const mergeKey = fs.patchMergeKey ?? '';
    const o = (foundOriginal ? origList : []) as unknown[];
    const p = (foundPatch ? patchList : []) as unknown[];
    validateWithSetOrder(p, order, mergeKey);
    let merged: unknown[];
    if (foundOriginal && foundPatch) merged = mergeSliceHandler(o, p, fs, false);
    else if (foundOriginal) merged = o;
    else if (foundPatch) merged = removeDirectives(p) as unknown[];
    else continue;
    const [patchItems, serverOnly] = partition(merged, order, mergeKey);
    const kind = sliceElementType(o, p);
    setKey(original, field, normalizeElementOrder(patchItems, serverOnly, order, o, mergeKey, kind));
    delete patch[field];
  }
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: FieldSchema): JsonObject {
  if (hasKey(patch, DIRECTIVE)) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') {
      delete patch[DIRECTIVE];
      return patch;
    }
    if (d === 'delete') return {};
    throw smpErrors.badPatchType(d, patch);
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  mergeWithSetOrder(out, patch, schema);
  for (const k of Object.keys(patch)) {
    const patchV = patch[k];
    let key = k;
    let isDeleteList = false;
    if (k.startsWith(DELETE_PRIMITIVE)) {
      key = extractKey(k, DELETE_PRIMITIVE);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete out[key];
      continue;
    }
    const cur = hasKey(out, key) ? out[key] : undefined;
    if (cur === undefined || kindOf(cur) !== kindOf(patchV)) {
      if (!isDeleteList) {
        discardNulls(patchV);
        const v = removeDirectives(patchV);
        if (v === DROP) delete out[key];
        else setKey(out, key, v);
      }
      continue;
    }
    const fs = child(schema, key);
    if (isObject(cur) && isObject(patchV)) {
      setKey(out, key, strategyOf(fs) === 'replace' ? patchV : mergeMap(cur, patchV, fs));
    } else if (Array.isArray(cur) && Array.isArray(patchV)) {
      setKey(out, key, mergeSliceHandler(cur, patchV, fs, isDeleteList));
    } else {
      setKey(out, key, patchV);
    }
  }
  return out;
}

function mergeSliceHandler(original: unknown[], patch: unknown[], fs: FieldSchema, isDeleteList: boolean): unknown[] {
  // A $deleteFromPrimitiveList applies whatever the list's strategy, as upstream.
  return strategyOf(fs) === 'merge' || isDeleteList ? mergeSlice(original, patch, fs, isDeleteList) : patch;
}

/** Marks a value removeDirectives drops: its key is removed, its list item skipped. */
const DROP = Symbol('drop');

/**
 * removeDirectives: a value the patch adds where the live object has none (or one of another
 * type) is taken whole, minus every map carrying $patch. Otherwise a `{"$patch":"delete",...}`
 * item kubectl sends for a list the live object lacks would come back as a real item.
 */
function removeDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(removeDirectives).filter((x) => x !== DROP);
  if (!isObject(v)) return v;
  if (hasKey(v, DIRECTIVE)) return DROP;
  for (const k of Object.keys(v)) {
    const x = removeDirectives(v[k]);
    if (x === DROP) delete v[k];
    else setKey(v, k, x);
  }
  return v;
}

function mergeSlice(original: unknown[], patch: unknown[], fs: FieldSchema, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementType(original, patch);
  const mergeKey = fs.patchMergeKey ?? '';
  let merged: unknown[];
  let orig = original;
  let items = patch;
  if (kind !== 'map') {
    if (isDeleteList) {
      const gone = new Set(patch);
      return original.filter((v) => !gone.has(v));
    }
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw patchInternal('cannot merge lists without merge key for type map');
    // Special elements first: $patch: delete removes by key, $patch: replace makes the rest the list.
    const plain: unknown[] = [];
    const deleted = new Set<unknown>();
    let replace = false;
    for (const v of patch as JsonObject[]) {
      if (!hasKey(v, DIRECTIVE)) {
        plain.push(v);
        continue;
      }
      const d = v[DIRECTIVE];
      if (d === 'delete') {
        if (!hasKey(v, mergeKey)) throw smpErrors.noMergeKey(v, mergeKey);
        deleted.add(v[mergeKey]);
      } else if (d === 'replace') replace = true;
      else if (d === 'merge') throw patchInternal('merging lists cannot yet be specified in the patch');
      else throw smpErrors.badPatchType(d, v);
    }
    if (deleted.size > 0) orig = orig.filter((o) => !(isObject(o) && hasKey(o, mergeKey) && deleted.has(o[mergeKey])));
    if (replace) {
      orig = plain;
      items = [];
    } else items = plain;
    merged = [...orig];
    // Index by merge key once: a linear search per patch item is quadratic on long lists.
    const at = new Map<unknown, number>();
    merged.forEach((m, i) => {
      if (isObject(m) && hasKey(m, mergeKey) && !at.has(m[mergeKey])) at.set(m[mergeKey], i);
    });
    for (const v of items as JsonObject[]) {
      if (!hasKey(v, mergeKey)) throw smpErrors.noMergeKey(v, mergeKey);
      const i = at.get(v[mergeKey]);
      if (i !== undefined) merged[i] = mergeMap(merged[i] as JsonObject, v, fs);
      else {
        at.set(v[mergeKey], merged.length);
        merged.push(v);
      }
    }
  }
  const [patchItems, serverOnly] = partition(merged, items, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, items, orig, mergeKey, kind);
}

/** Directive keys left in values the patch added whole; the typed decode upstream drops them. */
function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) v.forEach(stripDirectives);
  else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (k.startsWith('$')) delete v[k];
      else stripDirectives(v[k]);
    }
  }
  return v;
}

/**
 * Applies a decoded strategic merge patch to a copy of `original` using the kind's patch
 * metadata. Errors carry upstream's status: 400 for malformed directives (content outside
 * $retainKeys included), 422 for lists of lists; what upstream leaves a 500 is a 400 here.
 */
export function strategicMergePatch(gvk: { group: string; kind: string }, original: unknown, patch: unknown): unknown {
  if (patch === null) return clone(original);
  if (!isObject(patch)) throw patchBadRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`);
  const base = isObject(original) ? clone(original) : {};
  return stripDirectives(mergeMap(base, clone(patch), schemaFor(gvk)));
}
