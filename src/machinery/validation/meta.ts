// ObjectMeta validation on create and update (apimachinery api/validation/objectmeta.go).
import { type FieldError, Path, fe } from '../field-errors';
import type { ObjectMeta, OwnerReference } from '../types';
import { validateAnnotations, validateLabels } from './labels';
import { type NameFn, isDNS1123Label, isQualifiedName } from './names';

export interface MetaOptions {
  namespaced: boolean;
  nameFn: NameFn;
}

const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';
export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE = 'must be greater than or equal to 0';

function versionOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return parts[0] ?? '';
  if (parts.length === 2) return parts[1] ?? '';
  return '';
}

export function validateOwnerReferences(refs: OwnerReference[] | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    if (!versionOf(ref.apiVersion ?? '')) errs.push(fe.invalid(path.child('apiVersion'), ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(fe.invalid(path.child('kind'), ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(fe.invalid(path.child('name'), ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(fe.invalid(path.child('uid'), ref.uid ?? '', 'must not be empty'));
    if (ref.controller === true) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.push(
          fe.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      } else firstController = cur;
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: string[] | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) for (const m of isQualifiedName(f)) errs.push(fe.invalid(path, f, m));
  if (list.includes(FINALIZER_ORPHAN) && list.includes(FINALIZER_FOREGROUND)) {
    errs.push(fe.invalid(path, list, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`));
  }
  return errs;
}

export function validateNamespaceName(name: string, prefix: boolean): string[] {
  const n = prefix && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
  return isDNS1123Label(n);
}

/** Create-time checks on metadata; `path` is usually "metadata". */
export function validateObjectMeta(meta: ObjectMeta, opts: MetaOptions, path: Path = new Path('metadata')): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName) {
    for (const m of opts.nameFn(meta.generateName, true)) errs.push(fe.invalid(path.child('generateName'), meta.generateName, m));
  }
  if (!meta.name) errs.push(fe.required(path.child('name'), 'name or generateName is required'));
  else for (const m of opts.nameFn(meta.name, false)) errs.push(fe.invalid(path.child('name'), meta.name, m));
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(fe.required(path.child('namespace')));
    else for (const m of validateNamespaceName(meta.namespace, false)) errs.push(fe.invalid(path.child('namespace'), meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(fe.forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  if (meta.generation !== undefined && meta.generation < 0) errs.push(fe.invalid(path.child('generation'), meta.generation, IS_NEGATIVE));
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, path.child('finalizers')));
  return errs;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function validateImmutable(newVal: unknown, oldVal: unknown, path: Path | string): FieldError[] {
  return same(newVal, oldVal) ? [] : [fe.invalid(path, newVal ?? null, FIELD_IMMUTABLE)];
}

/**
 * Update-time checks. The apiserver must have filled metadata.resourceVersion (from the stored
 * object, for unconditional updates) before calling this, as upstream's store does.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, path: Path = new Path('metadata')): FieldError[] {
  const errs: FieldError[] = [];
  if (old.deletionTimestamp) {
    const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
    if (added.length) {
      const list = [...new Set(added)].sort().map((f) => JSON.stringify(f)).join(', ');
      errs.push(fe.forbidden(path.child('finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${list}}`));
    }
  }
  if (!meta.resourceVersion) errs.push(fe.invalid(path.child('resourceVersion'), meta.resourceVersion ?? '', 'must be specified for an update'));
  if ((meta.generation ?? 0) < (old.generation ?? 0)) errs.push(fe.invalid(path.child('generation'), meta.generation ?? 0, 'must not be decremented'));
  errs.push(...validateImmutable(meta.name ?? '', old.name ?? '', path.child('name')));
  errs.push(...validateImmutable(meta.namespace ?? '', old.namespace ?? '', path.child('namespace')));
  errs.push(...validateImmutable(meta.uid ?? '', old.uid ?? '', path.child('uid')));
  errs.push(...validateImmutable(meta.creationTimestamp, old.creationTimestamp, path.child('creationTimestamp')));
  errs.push(...validateImmutable(meta.deletionTimestamp, old.deletionTimestamp, path.child('deletionTimestamp')));
  errs.push(...validateImmutable(meta.deletionGracePeriodSeconds, old.deletionGracePeriodSeconds, path.child('deletionGracePeriodSeconds')));
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  return errs;
}
