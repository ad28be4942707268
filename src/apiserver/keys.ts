// Storage keys, laid out like kube-apiserver's: /registry/<group>/<resource>/<namespace>/<name>.
import type { ResourceDef } from '../machinery/resource';

function base(def: ResourceDef): string {
  return `/registry/${def.group === '' ? 'core' : def.group}/${def.plural}/`;
}

export function objectKey(def: ResourceDef, ns: string | undefined, name: string): string {
  return def.namespaced ? `${base(def)}${ns ?? ''}/${name}` : `${base(def)}${name}`;
}

/** All objects of the resource, or those of one namespace. */
export function prefixKey(def: ResourceDef, ns: string | undefined): string {
  return def.namespaced && ns ? `${base(def)}${ns}/` : base(def);
}
