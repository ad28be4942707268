// Objects every cluster starts with: the system namespaces, the `kubernetes` Service with
// Endpoints pointing at this API server, and the default StorageClass (the directory provisioner).
import { ApiError } from '../machinery/errors';
import type { KObject } from '../machinery/types';
import type { ObjectStore } from './object-store';
import type { Registry } from './registry';
import { BLOCK_DRIVER, LOCAL_DIR_DRIVER } from '../storage/csi/types';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export const DEFAULT_STORAGE_CLASS = 'local-dir';
/** The directory provisioner's name before the built-in CSI drivers. */
const LEGACY_DIR_PROVISIONER = 'berth.dev/local-dir';

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
      'berth.dev/capacity-enforced': 'only when the node volume pool (<data-dir>/node/volumes) is on btrfs (qgroup limits); elsewhere sizes are recorded, not enforced — use the block class for enforced sizes',
    },
  },
  provisioner: LOCAL_DIR_DRIVER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
  allowVolumeExpansion: true,
};

/** Loop-device ext4 volumes: sizes always enforced, expansion, raw block mode. */
export const blockStorageClass: KObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'block', annotations: { 'berth.dev/capacity-enforced': 'true: each volume is an ext4 filesystem of exactly its size on a loop device' } },
  provisioner: BLOCK_DRIVER,
  parameters: { 'csi.storage.k8s.io/fstype': 'ext4' },
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
  allowVolumeExpansion: true,
};

/** One default VolumeSnapshotClass per built-in driver (the default is chosen per driver). */
export const snapshotClasses: KObject[] = [LOCAL_DIR_DRIVER, BLOCK_DRIVER].map((driver) => ({
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshotClass',
  metadata: { name: driver === BLOCK_DRIVER ? 'block' : 'local-dir', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } },
  driver,
  deletionPolicy: 'Delete',
}));

/** The CSIDriver object of a built-in driver: node-local, no attach step, persistent volumes. */
export const builtinCsiDriver = (name: string): KObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIDriver',
  metadata: { name },
  spec: { attachRequired: false, podInfoOnMount: false, requiresRepublish: false, storageCapacity: false, fsGroupPolicy: name === BLOCK_DRIVER ? 'ReadWriteOnceWithFSType' : 'None', volumeLifecycleModes: ['Persistent'] },
});

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

/** Pure: the new local-dir class replacing an older Berth's, keeping the user's annotations and labels. */
export function replacementClass(old: KObject): KObject {
  const annotations = { ...(old.metadata.annotations ?? {}), 'berth.dev/capacity-enforced': defaultStorageClass.metadata.annotations?.['berth.dev/capacity-enforced'] ?? '' };
  return { ...defaultStorageClass, metadata: { name: DEFAULT_STORAGE_CLASS, annotations, ...(old.metadata.labels ? { labels: old.metadata.labels } : {}) } };
}

/** CSIDriver objects for the built-in drivers this process serves (kubectl get csidrivers). */
export async function ensureCsiDrivers(store: ObjectStore, registry: Registry, names: readonly string[]): Promise<void> {
  if (!registry.lookup('storage.k8s.io', 'v1', 'csidrivers')) return;
  for (const name of names) await ensure(store, registry, 'csidrivers', undefined, builtinCsiDriver(name), 'storage.k8s.io');
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
  const scDef = registry.lookup('storage.k8s.io', 'v1', 'storageclasses');
  if (scDef) {
    // Data dirs from before the CSI drivers hold the default class with the old provisioner name,
    // which nothing serves any more; a class's provisioner is immutable, so it is replaced.
    const old = await store.tryGet(scDef, undefined, DEFAULT_STORAGE_CLASS);
    let local = defaultStorageClass;
    if (old && old['provisioner'] === LEGACY_DIR_PROVISIONER && old.metadata.annotations?.['berth.dev/capacity-enforced'] !== undefined) {
      // The user's choices on it (default or not, labels, other annotations) carry over.
      local = replacementClass(old);
      await store.delete(scDef, undefined, DEFAULT_STORAGE_CLASS);
    }
    for (const sc of [local, blockStorageClass]) await ensure(store, registry, 'storageclasses', undefined, sc, 'storage.k8s.io');
  }
  if (registry.lookup('snapshot.storage.k8s.io', 'v1', 'volumesnapshotclasses')) {
    for (const c of snapshotClasses) await ensure(store, registry, 'volumesnapshotclasses', undefined, c, 'snapshot.storage.k8s.io');
  }
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
