// core/v1 Namespace: cluster-scoped, finalizers in spec, phase in status.
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import type { KObject } from '../types';
import { age } from '../printers/age';
import { validateObjectMeta, validateNamespaceName } from '../validation/meta';
import { isQualifiedName } from '../validation/names';
import { arr, col, ensureObj, keepStatus, nameColumn, ageColumn, obj, str, clone } from './common';

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

function validateSpecFinalizers(o: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const path = new Path('spec').child('finalizers');
  for (const f of arr(obj(o.spec).finalizers).map(str)) {
    for (const m of isQualifiedName(f)) errs.push(fe.invalid(path, f, m));
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) errs.push(fe.invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

export const namespaceDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  categories: [],
  namespaced: false,
  subresources: ['status', 'finalize'],
  generation: false,
  // Upstream's namespace storage has no deletecollection, and a DELETE answers with the namespace.
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  returnDeletedObject: true,

  default(o) {
    // No spec.finalizers default: "kubernetes" is required on create only (prepareForCreate), as
    // the namespace controller finalizes it away later and defaulting runs on every update too.
    ensureObj(o, 'spec');
    const status = ensureObj(o, 'status');
    if (!status.phase) status.phase = 'Active';
    // Upstream labels every namespace with its own name.
    const meta = o.metadata;
    if (meta.name) meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
  },
  prepareForCreate(o) {
    o.status = { phase: 'Active' };
    // Upstream's PrepareForCreate: whatever finalizers the request lists ([] or only custom
    // ones included), "kubernetes" is appended, so the namespace controller always gets to
    // empty the namespace before it goes.
    const spec = ensureObj(o, 'spec');
    const finalizers = arr(spec.finalizers);
    if (!finalizers.includes('kubernetes')) spec.finalizers = [...finalizers, 'kubernetes'];
  },
  prepareForUpdate(o, old) {
    // Finalizers only change through the finalize subresource.
    const spec = ensureObj(o, 'spec');
    spec.finalizers = clone(obj(old.spec).finalizers ?? []);
    keepStatus(o, old);
  },
  prepareForStatusUpdate(o, old) {
    o.spec = clone(old.spec);
  },
  validate(o) {
    return [...validateObjectMeta(o.metadata, { namespaced: false, nameFn: validateNamespaceName }), ...validateSpecFinalizers(o)];
  },
  validateUpdate(o, _old) {
    const errs: FieldError[] = [];
    const phase = str(obj(o.status).phase);
    const p = new Path('status').child('Phase');
    if (!o.metadata.deletionTimestamp) {
      if (phase !== 'Active') errs.push(fe.invalid(p, phase, "may only be 'Active' if `deletionTimestamp` is empty"));
    } else if (phase !== 'Terminating') {
      errs.push(fe.invalid(p, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
    }
    return [...errs, ...validateSpecFinalizers(o)];
  },
  fields(o) {
    return { 'status.phase': str(obj(o.status).phase) };
  },
  // spec.finalizers ("kubernetes") keep a deleting namespace until the namespace controller
  // has removed its content and finalized it.
  blocksDeletion(o) {
    return arr(obj(o.spec).finalizers).length > 0;
  },
  markDeleting(o) {
    ensureObj(o, 'status').phase = 'Terminating';
  },
  table: {
    columns: [nameColumn(), col('Status', 'The status of the namespace'), ageColumn()],
    row(o, now) {
      return [o.metadata.name ?? '', str(obj(o.status).phase), age(o.metadata.creationTimestamp, now)];
    },
  },
};

/** The finalize subresource: only spec.finalizers comes from the request. */
export function finalizeNamespace(current: KObject, request: KObject): KObject {
  const out = clone(current);
  ensureObj(out, 'spec').finalizers = clone(arr(obj(request.spec).finalizers));
  if (request.metadata.resourceVersion) out.metadata.resourceVersion = request.metadata.resourceVersion;
  return out;
}
