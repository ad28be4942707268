// DefaultStorageClass: a claim that names no class (nil, not "") gets the default one;
// with several defaults, the newest wins, as upstream.
import type { KObject } from '../../machinery/types';
import type { Registry } from '../registry';
import type { Admission } from './admission';

const defaultAnnotation = 'storageclass.kubernetes.io/is-default-class';
const betaDefaultAnnotation = 'storageclass.beta.kubernetes.io/is-default-class';

export function isDefaultClass(sc: KObject): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[defaultAnnotation] === 'true' || a[betaDefaultAnnotation] === 'true';
}

/** The default class among `classes`, newest first; ties broken by name. */
export function pickDefaultClass(classes: KObject[]): KObject | undefined {
  return classes
    .filter(isDefaultClass)
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

export function defaultStorageClass(registry: Registry): Admission {
  return {
    name: 'DefaultStorageClass',
    async admit({ op, def, obj, store }) {
      if (op !== 'create' || def.group !== '' || def.plural !== 'persistentvolumeclaims') return;
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      const annotated = obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
      if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
      if (annotated !== undefined) return;
      const scDef = registry.lookup('storage.k8s.io', 'v1', 'storageclasses');
      if (!scDef) return;
      const chosen = pickDefaultClass((await store.list(scDef, undefined)).items);
      if (chosen?.metadata.name) {
        spec.storageClassName = chosen.metadata.name;
        obj.spec = spec;
      }
    },
  };
}
