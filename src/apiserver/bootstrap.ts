// Objects every cluster starts with: the system namespaces.
import { ApiError } from '../machinery/errors';
import type { ObjectStore } from './object-store';
import type { Registry } from './registry';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function bootstrap(store: ObjectStore, registry: Registry): Promise<void> {
  const nsDef = registry.lookup('', 'v1', 'namespaces');
  if (!nsDef) throw new Error('namespaces are not served: the registry is incomplete');
  for (const name of systemNamespaces) {
    if (await store.tryGet(nsDef, undefined, name)) continue;
    try {
      await store.create(nsDef, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
}
