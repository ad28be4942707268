// Applies the four patch types and keeps managedFields, on objects in the request version.
import type { PatchType } from '../../machinery/client';
import { applyPatch } from '../../machinery/patch/apply';
import { applyJsonPatch } from '../../machinery/patch/json-patch';
import { recordUpdate } from '../../machinery/patch/managed-fields';
import { applyMergePatch } from '../../machinery/patch/merge-patch';
import { strategicMergePatch } from '../../machinery/patch/strategic';
import { apiVersionOf, type ResourceDef } from '../../machinery/resource';
import type { KObject, ManagedFieldsEntry } from '../../machinery/types';
import { toRequestVersion } from './context';


/** json, merge or strategic patch of `base` (apply is serverSideApply). */
export function applyPatchOfType(type: PatchType, _def: ResourceDef, base: unknown, patch: unknown, group: string, kind: string): KObject {
  switch (type) {
    case 'json':
      return applyJsonPatch(base, patch) as KObject;
    case 'merge':
      return applyMergePatch(base, patch) as KObject;
    case 'strategic':
    case 'apply':
      return strategicMergePatch({ group, kind }, base, patch) as KObject;
  }
}

export function serverSideApply(
  def: ResourceDef,
  version: string,
  live: KObject | undefined,
  applied: KObject,
  manager: string,
  force: boolean,
  now: Date,
  subresource: string | undefined,
  name: string,
  namespace: string | undefined,
): KObject {
  const cfg: KObject = { ...applied, metadata: { ...(applied.metadata ?? {}) } };
  if (cfg.metadata.name === undefined) cfg.metadata.name = name;
  if (def.namespaced && cfg.metadata.namespace === undefined && namespace !== undefined) cfg.metadata.namespace = namespace;
  return applyPatch(live, cfg, {
    manager,
    force,
    now,
    apiVersion: apiVersionOf(def, version),
    gvk: { group: def.group, version, kind: def.kind },
    ...(subresource ? { subresource } : {}),
  });
}

export function trackUpdate(
  def: ResourceDef,
  version: string,
  old: KObject | undefined,
  next: KObject,
  manager: string,
  now: Date,
  subresource: string | undefined,
): ManagedFieldsEntry[] | undefined {
  // Field sets are tracked in the version the writer used (HPA v1 vs v2 name fields differently).
  const inVersion = (o: KObject) => toRequestVersion(def, o, version);
  const mf = recordUpdate(old && inVersion(old), inVersion(next), {
    manager,
    now,
    apiVersion: apiVersionOf(def, version),
    gvk: { group: def.group, version, kind: def.kind },
    ...(subresource ? { subresource } : {}),
  });
  // The store keeps whatever the request carried when told nothing: a reset ([] or [{}]) or
  // entries that did not decode must not be stored as they came.
  if (!mf) delete next.metadata.managedFields;
  return mf;
}
