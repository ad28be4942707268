// Runs the resource's validation (which covers its ObjectMeta rules, e.g. its name format) and,
// on update, the generic ObjectMeta update rules; any error becomes a 422 Invalid.
import { errors } from '../machinery/errors';
import type { FieldError } from '../machinery/field-errors';
import type { ResourceDef } from '../machinery/resource';
import type { KObject } from '../machinery/types';
import { validateObjectMetaUpdate } from '../machinery/validation/meta';

function fail(def: ResourceDef, obj: KObject, errs: FieldError[]): void {
  if (errs.length) throw errors.invalid(def.kind, def.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
}

export function validateForCreate(def: ResourceDef, obj: KObject): void {
  fail(def, obj, def.validate?.(obj) ?? []);
}

/** `binding` writes skip the kind's update rules (the subresource has its own). */
export function validateForUpdate(def: ResourceDef, obj: KObject, old: KObject, subresource?: string): void {
  const errs = [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...(def.validate?.(obj) ?? []),
    ...(subresource === 'binding' ? [] : (def.validateUpdate?.(obj, old) ?? [])),
  ];
  fail(def, obj, errs);
}
