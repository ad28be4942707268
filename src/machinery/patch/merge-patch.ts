// RFC 7386 JSON merge patch, as gopkg.in/evanphx/json-patch.v4's MergePatch applies it for
// kube-apiserver: objects merge key by key, null deletes, anything else replaces; nulls inside
// values that are newly added are pruned.
import { isObject, type JsonObject } from '../types';
import { patchBadRequest } from './errors';
import { clone, hasKey, setKey } from './json-util';

function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === null ? x : pruneNulls(x)));
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else pruneNulls(v[k]);
    }
  }
  return v;
}

function mergeDocs(doc: JsonObject, patch: JsonObject): void {
  for (const k of Object.keys(patch)) {
    const pv = patch[k];
    if (pv === null) {
      delete doc[k];
      continue;
    }
    const cur = hasKey(doc, k) ? doc[k] : null;
    if (cur === null || cur === undefined) {
      setKey(doc, k, pruneNulls(pv));
    } else if (isObject(cur) && isObject(pv)) {
      mergeDocs(cur, pv);
    } else if (isObject(cur)) {
      // Upstream prunes nulls only when the current value is not an object; replacing an object
      // with a non-object keeps the patch value as sent.
      setKey(doc, k, pv);
    } else {
      setKey(doc, k, pruneNulls(pv));
    }
  }
}

/**
 * Applies a decoded merge patch to a copy of `doc`. A null patch is upstream's ErrBadJSONPatch
 * (400 "Invalid JSON Patch"); a non-object patch replaces the document (nulls pruned from arrays).
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (patch === null || (!isObject(patch) && !Array.isArray(patch))) throw patchBadRequest('Invalid JSON Patch');
  const p = clone(patch);
  if (Array.isArray(p)) return pruneNulls(p);
  if (!isObject(doc)) return pruneNulls(p);
  const out = clone(doc);
  mergeDocs(out, p);
  return out;
}
