// The built-in admission chain Berth runs, in kube-apiserver's order.
import type { Registry } from '../registry';
import type { Admission } from './admission';
import { defaultStorageClass } from './default-storage-class';
import { namespaceLifecycle } from './namespace-lifecycle';
import { pvcResize } from './pvc-resize';
import { serviceAccount } from './service-account';
import { serviceAllocator } from './service-allocator';
import { storageProtection } from './storage-protection';

export function admissionPlugins(registry: Registry): Admission[] {
  return [namespaceLifecycle(registry), serviceAccount(), defaultStorageClass(registry), pvcResize(registry), serviceAllocator(registry), storageProtection()];
}
