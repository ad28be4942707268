// Objects every cluster starts with: the system namespaces, the `kubernetes` Service with
// Endpoints pointing at this API server, and the default StorageClass (the directory provisioner).
import { ApiError } from '../machinery/errors';
import type { KObject } from '../machinery/types';
import type { ObjectStore } from './object-store';
import type { Registry } from './registry';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export const DEFAULT_STORAGE_CLASS = 'local-dir';

/**
 * The class claims without storageClassName get (DefaultStorageClass admission). Its capacity
 * note is said where users look (kubectl describe sc), as the directory provisioner cannot
 * enforce sizes on this filesystem.
 */
export const defaultStorageClass: KObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: {
    name: DEFAULT_STORAGE_CLASS,
    annotations: {
      'storageclass.kubernetes.io/is-default-class': 'true',
      'berth.dev/capacity-enforced': 'false: one directory per volume on the node; sizes are recorded, not enforced (no per-directory quotas on this filesystem)',
    },
  },
  provisioner: 'berth.dev/local-dir',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
  allowVolumeExpansion: false,
};

async function ensure(store: ObjectStore, registry: Registry, plural: string, ns: string | undefined, obj: KObject, group = ''): Promise<void> {
  const def = registry.lookup(group, 'v1', plural);
  if (!def) throw new Error(`${plural} are not served: the registry is incomplete`);
  if (await store.tryGet(def, ns, obj.metadata.name ?? '')) return;
  try {
    await store.create(def, ns, obj);
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

export async function bootstrap(store: ObjectStore, registry: Registry, api: { ip: string; port: number }): Promise<void> {
  for (const name of systemNamespaces) {
    await ensure(store, registry, 'namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  await ensure(store, registry, 'services', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: api.port }] },
  });
  // Created only when missing: a user's edits (another default, other annotations) are kept.
  if (registry.lookup('storage.k8s.io', 'v1', 'storageclasses')) await ensure(store, registry, 'storageclasses', undefined, defaultStorageClass, 'storage.k8s.io');
  const epDef = registry.lookup('', 'v1', 'endpoints');
  if (!epDef) return;
  const subsets = [{ addresses: [{ ip: api.ip }], ports: [{ name: 'https', port: api.port, protocol: 'TCP' }] }];
  const current = await store.tryGet(epDef, 'default', 'kubernetes');
  if (!current) {
    await ensure(store, registry, 'endpoints', 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets });
  } else {
    // The port can change between starts (--listen 127.0.0.1:0).
    await store.update(epDef, 'default', 'kubernetes', (cur) => ({ ...(cur ?? current), subsets }), { retryOnConflict: true });
  }
}
