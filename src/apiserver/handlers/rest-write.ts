// create, update (PUT) and patch, including the status, scale, finalize and binding subresources.
import { errors } from '../../machinery/errors';
import type { PatchType } from '../../machinery/client';
import { type KObject, isObject } from '../../machinery/types';
import { decodeBody, readBody } from '../http/body';
import { bodyFormat } from '../http/negotiate';
import type { UpdateOptions } from '../object-store';
import { type RequestContext, toRequestVersion, toStorageVersion } from './context';
import { applyPatchOfType, serverSideApply, trackUpdate } from './patching';
import { writeObject } from './output';
import { applyScale, toScale } from './scale';
import { checkFields } from './field-validation';
import { bindPod } from '../../machinery/resources/pod';
import { finalizeNamespace } from '../../machinery/resources/namespace';

/** Reads a request body that must be an object with (optional) object metadata. */
export async function readObject(rc: RequestContext): Promise<KObject> {
  const body = decodeBody(await readBody(rc.req), bodyFormat(rc.req.headers['content-type']));
  if (!isObject(body)) throw errors.badRequest(`the body of the request must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  if (body.metadata === undefined || body.metadata === null) body.metadata = {};
  if (!isObject(body.metadata)) throw errors.badRequest('metadata: must be an object (ObjectMeta)');
  return body as KObject;
}

export function dryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  for (const x of v) if (x !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${x}": supported values: "All"`);
  return v.length > 0;
}

export function fieldManager(rc: RequestContext): string {
  const explicit = rc.url.searchParams.get('fieldManager');
  const m = explicit ?? rc.userAgent.split('/')[0] ?? '';
  if (m.length > 128) throw errors.badRequest(`fieldManager: Too long: may not be longer than 128`);
  return m;
}

export function checkKind(rc: RequestContext, body: KObject): void {
  const { def, info } = rc;
  const want = def.group === '' ? info.version : `${def.group}/${info.version}`;
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
    dryRun: dryRun(rc.url.searchParams),
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
  writeObject(rc, 201, toRequestVersion(def, created, info.version));
}

export async function handleUpdate(rc: RequestContext): Promise<void> {
  const { info, def } = rc;
  const name = info.name ?? '';
  const body = await readObject(rc);
  if (body.metadata.name !== undefined && body.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`);
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
    if (!q.get('fieldManager')) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    if (!isObject(patch)) throw errors.badRequest('error decoding YAML: the apply configuration must be an object');
    checkFields(rc, patch as KObject);
  } else if (q.get('force') !== null) {
    throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  }
  let created = false;
  const compute = (cur: KObject | undefined): KObject => {
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
  writeObject(rc, created ? 201 : 200, toRequestVersion(def, out, info.version));
}

/** pods/binding: assigns a pending pod to a node (the scheduler's write). */
async function bind(rc: RequestContext, body: KObject): Promise<void> {
  const { info, def } = rc;
  const name = info.name ?? body.metadata.name ?? '';
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
      const refused = bindPod(pod, node, body.metadata.annotations, now);
      if (refused) throw errors.conflict({ group: '', resource: 'pods' }, name, refused);
      return pod;
    },
    { subresource: 'binding', retryOnConflict: true },
  );
  writeObject(rc, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
