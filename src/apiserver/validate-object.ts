// Runs metadata validation and the resource's own validation; any error becomes a 422 Invalid.
import { errors } from '../machinery/errors';
import type { FieldError } from '../machinery/field-errors';
import type { ResourceDef } from '../machinery/resource';
import type { KObject } from '../machinery/types';
import { validateObjectMeta, validateObjectMetaUpdate } from '../machinery/validation/meta';
import { nameIsDNSSubdomain } from '../machinery/validation/names';

function fail(def: ResourceDef, obj: KObject, errs: FieldError[]): void {
  if (errs.length) throw errors.invalid(def.kind, def.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
}

const metaOpts = (def: ResourceDef) => ({ namespaced: def.namespaced, nameFn: def.nameFn ?? nameIsDNSSubdomain });

export function validateForCreate(def: ResourceDef, obj: KObject): void {
  fail(def, obj, [...validateObjectMeta(obj.metadata, metaOpts(def)), ...(def.validate?.(obj) ?? [])]);
}

/** `binding`-style internal writes skip the kind's update rules (the subresource has its own). */
export function validateForUpdate(def: ResourceDef, obj: KObject, old: KObject, subresource?: string): void {
  const errs = [
    ...validateObjectMeta(obj.metadata, metaOpts(def)),
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...(def.validate?.(obj) ?? []),
    ...(subresource === 'binding' ? [] : (def.validateUpdate?.(obj, old) ?? [])),
  ];
  fail(def, obj, errs);
}
