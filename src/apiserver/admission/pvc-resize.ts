// PersistentVolumeClaimResize: a claim may grow only when bound and its class allows expansion.
import { admitPVCResize } from '../../machinery/resources/pvc-validation';
import type { Registry } from '../registry';
import type { Admission } from './admission';

export function pvcResize(registry: Registry): Admission {
  return {
    name: 'PersistentVolumeClaimResize',
    async admit({ op, def, obj, old, store }) {
      if (op !== 'update' || !old || def.group !== '' || def.plural !== 'persistentvolumeclaims') return;
      const scDef = registry.lookup('storage.k8s.io', 'v1', 'storageclasses');
      const className = (obj.spec as { storageClassName?: string } | undefined)?.storageClassName;
      const sc = scDef && className ? await store.tryGet(scDef, undefined, className) : undefined;
      const refused = admitPVCResize(obj, old, () => sc);
      if (refused) throw refused;
    },
  };
}
