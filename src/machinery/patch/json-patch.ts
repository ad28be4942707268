// RFC 6902 JSON patch with the behaviour of gopkg.in/evanphx/json-patch.v4, the library
// kube-apiserver applies it with: negative array indexes count from the end, "replace" of a
// missing object key adds it, and only the last pointer token is resolved against the target
// container (earlier tokens must name existing objects or arrays).
import { ApiError } from '../errors';
import { isObject, type JsonObject } from '../types';
import { patchBadRequest, patchNotApplied } from './errors';
import { clone, deepEqual, goJsonKind, goJsonSize, hasKey, setKey } from './json-util';

/** kube-apiserver's cap on operations in one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** JSONPatchMaxCopyBytes, json-patch's AccumulatedCopySizeLimit: else self-copies double the document each step. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

type Container = { kind: 'object'; obj: JsonObject } | { kind: 'array'; arr: unknown[] };

class OpError extends Error {}

const MISSING = 'missing value';
const BAD_INDEX = 'invalid index referenced';

function decodeToken(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Go's strconv.Atoi: optional sign, decimal digits only. */
function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw new OpError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  return Number(key);
}

function get(c: Container, key: string): unknown {
  if (c.kind === 'object') return hasKey(c.obj, key) ? c.obj[key] : undefined;
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -c.arr.length) throw new OpError(`Unable to access invalid index: ${idx}: ${BAD_INDEX}`);
    idx += c.arr.length;
  }
  if (idx >= c.arr.length) throw new OpError(`Unable to access invalid index: ${idx}: ${BAD_INDEX}`);
  return c.arr[idx];
}

function add(c: Container, key: string, val: unknown): void {
  if (c.kind === 'object') return setKey(c.obj, key, val);
  if (key === '-') {
    c.arr.push(val);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (e) {
    throw new OpError(`value was not a proper array index: '${key}': ${(e as Error).message}`);
  }
  const size = c.arr.length + 1;
  if (idx >= size) throw new OpError(`Unable to access invalid index: ${idx}: ${BAD_INDEX}`);
  if (idx < 0) {
    if (idx < -size) throw new OpError(`Unable to access invalid index: ${idx}: ${BAD_INDEX}`);
    idx += size;
  }
  c.arr.splice(idx, 0, val);
}

function set(c: Container, key: string, val: unknown): void {
  if (c.kind === 'object') return setKey(c.obj, key, val);
  let idx = atoi(key);
  if (idx < 0) idx += c.arr.length;
  c.arr[idx] = val;
}

function remove(c: Container, key: string): void {
  if (c.kind === 'object') {
    if (!hasKey(c.obj, key)) throw new OpError(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete c.obj[key];
    return;
  }
  let idx = atoi(key);
  if (idx >= c.arr.length) throw new OpError(`Unable to access invalid index: ${idx}: ${BAD_INDEX}`);
  if (idx < 0) {
    if (idx < -c.arr.length) throw new OpError(`Unable to access invalid index: ${idx}: ${BAD_INDEX}`);
    idx += c.arr.length;
  }
  c.arr.splice(idx, 1);
}

function wrap(v: unknown): Container | undefined {
  if (Array.isArray(v)) return { kind: 'array', arr: v };
  if (isObject(v)) return { kind: 'object', obj: v };
  return undefined;
}

/** The container holding the pointer's last token, or undefined where upstream reports "missing path". */
function findObject(root: Container, path: string): [Container, string] | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let doc = root;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = get(doc, decodeToken(part));
    } catch {
      return undefined;
    }
    const c = wrap(next);
    if (!c) return undefined;
    doc = c;
  }
  return [doc, decodeToken(split[split.length - 1] ?? '')];
}

type Op = Record<string, unknown>;

function readString(op: Op, field: 'path' | 'from', missing: string): string {
  const v = op[field];
  if (v === undefined || v === null) throw new OpError(missing);
  if (typeof v !== 'string') throw new OpError(`json: cannot unmarshal ${goJsonKind(v)} into Go value of type string`);
  return v;
}
const pathOf = (op: Op) => readString(op, 'path', `operation missing path field: ${MISSING}`);
const fromOf = (op: Op) => readString(op, 'from', `operation, missing from field: ${MISSING}`);
/** An absent "value" becomes JSON null, as the Go library's nil node marshals. */
const valueOf = (op: Op): unknown => (op.value === undefined ? null : clone(op.value));

/** The document, and the bytes copy operations have added so far. */
type PatchState = { root: Container; copied: number };

function applyOne(state: PatchState, op: Op): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  const withPath = (prefix: string, keepErr: boolean): string => {
    try {
      return pathOf(op);
    } catch (e) {
      throw new OpError(`${prefix}: ${keepErr ? (e as Error).message : MISSING}`);
    }
  };
  switch (kind) {
    case 'add': {
      const path = withPath('add operation failed to decode path', false);
      const found = findObject(state.root, path);
      if (!found) throw new OpError(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
      try {
        add(found[0], found[1], valueOf(op));
      } catch (e) {
        throw new OpError(`error in add for path: '${path}': ${(e as Error).message}`);
      }
      return;
    }
    case 'remove': {
      const path = withPath('remove operation failed to decode path', false);
      const found = findObject(state.root, path);
      if (!found) throw new OpError(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
      try {
        remove(found[0], found[1]);
      } catch (e) {
        throw new OpError(`error in remove for path: '${path}': ${(e as Error).message}`);
      }
      return;
    }
    case 'replace': {
      const path = withPath('replace operation failed to decode path', true);
      if (path === '') {
        const c = wrap(valueOf(op));
        // Upstream formats a nil error here, hence the odd suffix.
        if (!c) throw new OpError('replace operation value must be object or array: %!w(<nil>)');
        state.root = c;
        return;
      }
      const found = findObject(state.root, path);
      if (!found) throw new OpError(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
      try {
        get(found[0], found[1]);
      } catch {
        throw new OpError(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
      }
      set(found[0], found[1], valueOf(op));
      return;
    }
    case 'move': {
      let from: string;
      try {
        from = fromOf(op);
      } catch (e) {
        throw new OpError(`move operation failed to decode from: ${(e as Error).message}`);
      }
      const src = findObject(state.root, from);
      if (!src) throw new OpError(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
      let val: unknown;
      try {
        val = get(src[0], src[1]);
        remove(src[0], src[1]);
      } catch (e) {
        throw new OpError(`error in move for path: '${src[1]}': ${(e as Error).message}`);
      }
      const path = withPath('move operation failed to decode path', true);
      const dst = findObject(state.root, path);
      if (!dst) throw new OpError(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
      try {
        add(dst[0], dst[1], val ?? null);
      } catch (e) {
        throw new OpError(`error in move for path: '${path}': ${(e as Error).message}`);
      }
      return;
    }
    case 'test': {
      const path = withPath('test operation failed to decode path', true);
      const failed = new OpError(`testing value ${path} failed: test failed`);
      if (path === '') {
        const self = state.root.kind === 'object' ? state.root.obj : state.root.arr;
        if (!deepEqual(self, op.value)) throw failed;
        return;
      }
      const found = findObject(state.root, path);
      if (!found) throw new OpError(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
      let val: unknown;
      try {
        val = get(found[0], found[1]);
      } catch (e) {
        throw new OpError(`error in test for path: '${path}': ${(e as Error).message}`);
      }
      // A missing or null member matches an absent or null value.
      if (val === undefined || val === null) {
        if (op.value === undefined || op.value === null) return;
        throw failed;
      }
      if (op.value === undefined || !deepEqual(val, op.value)) throw failed;
      return;
    }
    case 'copy': {
      let from: string;
      try {
        from = fromOf(op);
      } catch (e) {
        throw new OpError(`copy operation failed to decode from: ${(e as Error).message}`);
      }
      const src = findObject(state.root, from);
      if (!src) throw new OpError(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
      let val: unknown;
      try {
        val = get(src[0], src[1]);
      } catch (e) {
        throw new OpError(`error in copy for from: '${from}': ${(e as Error).message}`);
      }
      const path = withPath('copy operation failed to decode path', false);
      const dst = findObject(state.root, path);
      if (!dst) throw new OpError(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
      state.copied += goJsonSize(val);
      if (state.copied > MAX_JSON_PATCH_COPY_BYTES) {
        throw new OpError(`Unable to complete the copy, the accumulated size increase of copy is ${state.copied}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
      }
      try {
        add(dst[0], dst[1], clone(val) ?? null);
      } catch (e) {
        throw new OpError(`error while adding value during copy: ${(e as Error).message}`);
      }
      return;
    }
    default:
      throw new OpError(`Unexpected kind: ${kind}`);
  }
}

/** Checks the decoded body is a patch document (an array of operation objects); 400/413 otherwise. */
export function validateJsonPatchDocument(patch: unknown): Op[] {
  if (!Array.isArray(patch)) {
    throw patchBadRequest(`json: cannot unmarshal ${goJsonKind(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (op !== null && !isObject(op)) {
      throw patchBadRequest(`json: cannot unmarshal ${goJsonKind(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError('RequestEntityTooLarge', `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
  }
  return patch.map((op) => (op === null ? {} : (op as Op)));
}

/**
 * Applies a decoded RFC 6902 patch to a copy of `doc`. A malformed document throws 400 BadRequest
 * (413 past 10000 operations); an operation that does not apply throws 422 Invalid with upstream's
 * generic message, the library's reason on `cause`.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = validateJsonPatchDocument(patch);
  const root = wrap(clone(doc));
  if (!root) throw patchNotApplied('json: document is not an object or array');
  const state: PatchState = { root, copied: 0 };
  for (const op of ops) {
    try {
      applyOne(state, op);
    } catch (e) {
      if (e instanceof OpError) throw patchNotApplied(e.message);
      throw e;
    }
  }
  return state.root.kind === 'object' ? state.root.obj : state.root.arr;
}
