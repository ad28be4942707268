// The scale subresource: an autoscaling/v1 Scale view of a workload's replicas.
import { errors } from '../../machinery/errors';
import type { ResourceDef } from '../../machinery/resource';
import { isObject, type KObject } from '../../machinery/types';

function getPath(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    const next = cur[p];
    if (!isObject(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) cur[last] = value;
}

export function toScale(def: ResourceDef, obj: KObject): KObject {
  const s = def.scale;
  if (!s) throw errors.pathNotFound();
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name ?? '',
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    spec: { replicas: Number(getPath(obj, s.specReplicasPath) ?? 0) },
    status: { replicas: Number(getPath(obj, s.statusReplicasPath) ?? 0), selector: s.selector(obj) },
  };
}

/** Writes a Scale's spec.replicas into the workload; validates it like upstream. */
export function applyScale(def: ResourceDef, obj: KObject, scale: unknown): KObject {
  const s = def.scale;
  if (!s) throw errors.pathNotFound();
  const replicas = isObject(scale) && isObject(scale.spec) ? scale.spec.replicas : undefined;
  const name = obj.metadata.name ?? '';
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas))) {
    throw errors.badRequest(`Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeof replicas} into Go struct field ScaleSpec.spec.replicas of type int32`);
  }
  if (typeof replicas === 'number' && replicas < 0) {
    throw errors.invalid('Scale', 'autoscaling', name, [
      { type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, hasValue: true, detail: 'must be greater than or equal to 0' },
    ]);
  }
  const rv = isObject(scale) && isObject(scale.metadata) ? scale.metadata.resourceVersion : undefined;
  const out = structuredClone(obj);
  setPath(out, s.specReplicasPath, replicas ?? 0);
  if (typeof rv === 'string' && rv !== '') out.metadata.resourceVersion = rv;
  return out;
}
