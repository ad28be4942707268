// ServiceAccount admission (the part that needs no token machinery): pods run as the
// namespace's "default" service account unless they name one.
import type { Admission } from './admission';

export function serviceAccount(): Admission {
  return {
    name: 'ServiceAccount',
    async admit({ op, def, obj }) {
      if (op !== 'create' || def.group !== '' || def.plural !== 'pods') return;
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      const name = (spec.serviceAccountName as string | undefined) || (spec.serviceAccount as string | undefined) || 'default';
      spec.serviceAccountName = name;
      spec.serviceAccount = name;
      obj.spec = spec;
    },
  };
}
