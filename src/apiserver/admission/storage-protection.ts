// StorageObjectInUseProtection: every new claim gets kubernetes.io/pvc-protection and every new
// volume kubernetes.io/pv-protection, so neither disappears while in use (the protection
// controllers remove them once it is safe).
import type { Admission } from './admission';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export function storageProtection(): Admission {
  return {
    name: 'StorageObjectInUseProtection',
    async admit({ op, def, obj }) {
      if (op !== 'create' || def.group !== '') return;
      const finalizer = def.plural === 'persistentvolumeclaims' ? PVC_PROTECTION_FINALIZER : def.plural === 'persistentvolumes' ? PV_PROTECTION_FINALIZER : undefined;
      if (!finalizer) return;
      const fins = obj.metadata.finalizers ?? [];
      if (!fins.includes(finalizer)) obj.metadata.finalizers = [...fins, finalizer];
    },
  };
}
