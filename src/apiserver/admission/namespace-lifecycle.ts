// NamespaceLifecycle: no new content in a missing or terminating namespace; the system
// namespaces can't be deleted.
import { ApiError, errors } from '../../machinery/errors';
import { grString } from '../../machinery/types';
import type { Registry } from '../registry';
import type { Admission } from './admission';

const immortal = new Set(['default', 'kube-system', 'kube-public']);

export function namespaceLifecycle(registry: Registry): Admission {
  return {
    name: 'NamespaceLifecycle',
    async admit({ op, def, obj, store }) {
      const nsDef = registry.lookup('', 'v1', 'namespaces');
      if (!nsDef) return;
      if (def === nsDef) {
        if (op === 'delete' && immortal.has(obj.metadata.name ?? '')) {
          throw new ApiError('Forbidden', `namespaces "${obj.metadata.name ?? ''}" is forbidden: this namespace may not be deleted`, {
            name: obj.metadata.name ?? '',
            kind: 'namespaces',
          });
        }
        return;
      }
      if (op !== 'create' || !def.namespaced) return;
      const name = obj.metadata.namespace ?? '';
      const ns = await store.tryGet(nsDef, undefined, name);
      if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, name);
      const terminating = ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating';
      // Events about the namespace's own teardown are still welcome, as upstream allows.
      if (terminating && !(def.group === '' && def.plural === 'events')) {
        const subject = `${grString({ group: def.group, resource: def.plural })} "${obj.metadata.name ?? obj.metadata.generateName ?? ''}"`;
        throw new ApiError('Forbidden', `${subject} is forbidden: unable to create new content in namespace ${name} because it is being terminated`, {
          name: obj.metadata.name ?? '',
          ...(def.group ? { group: def.group } : {}),
          kind: def.plural,
          causes: [{ reason: 'NamespaceTerminating', message: `namespace ${name} is being terminated`, field: 'metadata.namespace' }],
        });
      }
    },
  };
}
