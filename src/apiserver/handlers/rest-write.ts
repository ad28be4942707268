// create, update (PUT) and patch, including the status, scale, finalize and binding subresources.
import { type ApiError, errors } from '../../machinery/errors';
import { type FieldError, fe } from '../../machinery/field-errors';
import type { PatchType } from '../../machinery/client';
import { type KObject, isObject } from '../../machinery/types';
import { decodeBody, readBody } from '../http/body';
import { bodyFormat } from '../http/negotiate';
import type { UpdateOptions } from '../object-store';
import { type RequestContext, toRequestVersion, toStorageVersion } from './context';
import { applyPatchOfType, serverSideApply, trackUpdate } from './patching';
import { writeObject } from './output';
import { applyScale, toScale } from './scale';
import { addWarnings, checkFields } from './field-validation';
import { bindPod } from '../../machinery/resources/pod';
import { finalizeNamespace } from '../../machinery/resources/namespace';
import { apiVersionOf } from '../../machinery/resource';

/** Reads a request body that must be an object with (optional) object metadata. */
export async function readObject(rc: RequestContext): Promise<KObject> {
  const body = decodeBody(await readBody(rc.req), bodyFormat(rc.req.headers['content-type']));
  if (!isObject(body)) throw errors.badRequest(`the body of the request must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  if (body.metadata === undefined || body.metadata === null) body.metadata = {};
  if (!isObject(body.metadata)) throw errors.badRequest('metadata: must be an object (ObjectMeta)');
  return body as KObject;
}

/** The options kind a verb's query parameters are validated as (errors name it, as upstream). */
function optionsKind(rc: RequestContext): string {
  return rc.info.verb === 'patch' ? 'PatchOptions' : rc.info.verb === 'update' ? 'UpdateOptions' : 'CreateOptions';
}

function invalidOptions(rc: RequestContext, errs: FieldError[]): ApiError {
  return errors.invalid(optionsKind(rc), 'meta.k8s.io', '', errs);
}

export function dryRun(q: URLSearchParams, rc?: RequestContext): boolean {
  const v = q.getAll('dryRun');
  for (const x of v) {
    if (x !== 'All') {
      if (rc) throw invalidOptions(rc, [fe.notSupported('dryRun', x, ['All'])]);
      throw errors.badRequest(`dryRun: Unsupported value: "${x}": supported values: "All"`);
    }
  }
  return v.length > 0;
}

/**
 * The writer's name for managedFields: ?fieldManager= (validated), else the User-Agent's product
 * token, cleaned and cut to 128 characters the way upstream derives it.
 */
export function fieldManager(rc: RequestContext): string {
  const explicit = rc.url.searchParams.get('fieldManager');
  if (explicit !== null) {
    if (explicit.length > 128) throw invalidOptions(rc, [fe.tooLong('fieldManager', '', 128)]);
    if (/[^\x20-\x7e]/.test(explicit)) throw invalidOptions(rc, [fe.invalid('fieldManager', explicit, 'must only contain printable characters')]);
    return explicit;
  }
  const product = rc.userAgent.split('/')[0] ?? '';
  return product.replace(/[^\x20-\x7e]/g, '').slice(0, 128);
}

export function checkKind(rc: RequestContext, body: KObject): void {
  const { def, info } = rc;
  const want = apiVersionOf(def, info.version);
  if (body.apiVersion !== undefined && body.apiVersion !== want) {
    throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${want})`);
  }
  if (body.kind !== undefined && body.kind !== def.kind) {
    throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${def.kind})`);
  }
}

function writeOpts(rc: RequestContext, extra: UpdateOptions = {}): UpdateOptions {
  const manager = fieldManager(rc);
  const now = rc.deps.clock.now();
  return {
    dryRun: dryRun(rc.url.searchParams, rc),
    managedFields: (old, next) => trackUpdate(rc.def, rc.info.version, old, next, manager, now, extra.subresource),
    ...extra,
  };
}

export async function handleCreate(rc: RequestContext): Promise<void> {
  const { info, def } = rc;
  const body = await readObject(rc);
  if (info.subresource === 'binding') return bind(rc, body);
  checkKind(rc, body);
  checkFields(rc, body);
  if (def.namespaced && body.metadata.namespace && body.metadata.namespace !== info.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const obj = toStorageVersion(def, body, info.version);
  const created = await rc.deps.store.create(def, info.namespace, obj, writeOpts(rc));
  addWarnings(rc, def.warnings?.(created) ?? []);
  writeObject(rc, 201, toRequestVersion(def, created, info.version));
}

export async function handleUpdate(rc: RequestContext): Promise<void> {
  const { info, def } = rc;
  const name = info.name ?? '';
  const body = await readObject(rc);
  if ((body.metadata.name ?? '') !== name) {
    throw errors.badRequest(`the name of the object (${String(body.metadata.name ?? '')}) does not match the name on the URL (${name})`);
  }
  const sub = info.subresource;
  if (sub === 'scale') {
    const out = await rc.deps.store.update(def, info.namespace, name, (cur) => applyScale(def, need(cur), body), writeOpts(rc, { subresource: 'scale' }));
    return writeObject(rc, 200, toScale(def, out));
  }
  if (sub === 'finalize') {
    const out = await rc.deps.store.update(def, info.namespace, name, (cur) => finalizeNamespace(need(cur), body), writeOpts(rc, { subresource: 'finalize' }));
    return writeObject(rc, 200, toRequestVersion(def, out, info.version));
  }
  checkKind(rc, body);
  checkFields(rc, body);
  if (def.namespaced && body.metadata.namespace && body.metadata.namespace !== info.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const obj = toStorageVersion(def, body, info.version);
  const out = await rc.deps.store.update(def, info.namespace, name, () => obj, writeOpts(rc, sub ? { subresource: sub } : {}));
  if (!sub) addWarnings(rc, def.warnings?.(out) ?? []);
  writeObject(rc, 200, toRequestVersion(def, out, info.version));
}

function need(cur: KObject | undefined): KObject {
  if (!cur) throw errors.internal(new Error('object vanished during update'));
  return cur;
}

function patchType(contentType: string | undefined): PatchType {
  const t = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  switch (t) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw errors.unsupportedMediaType(t ?? '');
  }
}

export async function handlePatch(rc: RequestContext): Promise<void> {
  const { info, def } = rc;
  const name = info.name ?? '';
  const type = patchType(rc.req.headers['content-type']);
  const raw = await readBody(rc.req);
  const patch = decodeBody(raw, type === 'apply' ? 'yaml' : 'json');
  const sub = info.subresource;
  const q = rc.url.searchParams;
  const now = rc.deps.clock.now();
  if (type === 'apply') {
    if (!q.get('fieldManager')) throw invalidOptions(rc, [fe.required('fieldManager', 'is required for apply patch')]);
    if (!isObject(patch)) throw errors.badRequest('error decoding YAML: the apply configuration must be an object');
    checkFields(rc, patch as KObject);
  } else if (q.get('force') !== null) {
    throw invalidOptions(rc, [fe.forbidden('force', 'may not be specified for non-apply patch')]);
  }
  let created = false;
  const compute = (cur: KObject | undefined): KObject => {
    // A retry after a concurrent write recomputes; only the final attempt decides 201 vs 200.
    created = false;
    if (sub === 'scale') {
      const patched = applyPatchOfType(type, def, toScale(def, need(cur)), patch, 'autoscaling', 'Scale');
      return applyScale(def, need(cur), patched);
    }
    if (type === 'apply') {
      if (!cur) created = true;
      const live = cur ? toRequestVersion(def, cur, info.version) : undefined;
      const applied = serverSideApply(def, info.version, live, patch as KObject, fieldManager(rc), q.get('force') === 'true', now, sub, name, info.namespace);
      return toStorageVersion(def, applied, info.version);
    }
    const base = toRequestVersion(def, need(cur), info.version);
    const patched = applyPatchOfType(type, def, base, patch, def.group, def.kind);
    if (!isObject(patched) || !isObject(patched.metadata)) throw errors.badRequest('the patched object must be an object with metadata');
    // The result is decoded as a request body would be: wrong types are a 400, nulls become zero values.
    checkFields(rc, patched);
    const pm = patched.metadata as Record<string, unknown>;
    if (pm.name !== name) throw errors.badRequest(`the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`);
    return toStorageVersion(def, patched, info.version);
  };
  const opts: UpdateOptions = {
    ...writeOpts(rc, { retryOnConflict: true, ...(sub ? { subresource: sub } : {}), allowCreate: type === 'apply' && !sub }),
  };
  if (type === 'apply') delete opts.managedFields;
  const out = await rc.deps.store.update(def, info.namespace, name, compute, opts);
  if (sub === 'scale') return writeObject(rc, 200, toScale(def, out));
  if (!sub) addWarnings(rc, def.warnings?.(out) ?? []);
  writeObject(rc, created ? 201 : 200, toRequestVersion(def, out, info.version));
}

/** pods/binding: assigns a pending pod to a node (the scheduler's write). */
async function bind(rc: RequestContext, body: KObject): Promise<void> {
  const { info, def } = rc;
  const name = info.name ?? body.metadata.name ?? '';
  if (body.metadata.name !== undefined && body.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Binding object');
  const want = { uid: body.metadata.uid, resourceVersion: body.metadata.resourceVersion };
  const target = isObject(body.target) ? body.target : undefined;
  const node = target && typeof target.name === 'string' ? target.name : '';
  if (!node) throw errors.invalid('Binding', '', name, [{ type: 'FieldValueRequired', field: 'target.name', hasValue: false, detail: '' }]);
  const now = rc.deps.clock.now();
  await rc.deps.store.update(
    def,
    info.namespace,
    name,
    (cur) => {
      const pod = need(cur);
      // The binding's uid and resourceVersion are preconditions on the pod, as upstream.
      if (want.uid && want.uid !== pod.metadata.uid) {
        throw errors.conflict({ group: '', resource: 'pods' }, name, `Precondition failed: UID in precondition: ${want.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
      }
      if (want.resourceVersion && want.resourceVersion !== pod.metadata.resourceVersion) throw errors.modified({ group: '', resource: 'pods' }, name);
      const refused = bindPod(pod, node, body.metadata.annotations, now);
      if (refused) throw errors.conflict({ group: '', resource: 'pods' }, name, refused);
      return pod;
    },
    { subresource: 'binding', retryOnConflict: true, dryRun: dryRun(rc.url.searchParams, rc) },
  );
  writeObject(rc, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
