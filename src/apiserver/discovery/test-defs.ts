// Small hand-made ResourceDefs for discovery and OpenAPI tests (the real ones live in machinery).
import type { ResourceDef } from '../../machinery/resource';

function def(partial: Partial<ResourceDef> & Pick<ResourceDef, 'kind' | 'plural' | 'singular'>): ResourceDef {
  return {
    group: '', versions: ['v1'], shortNames: [], categories: [], namespaced: true, subresources: [],
    generation: false, table: { columns: [], row: () => [] }, ...partial,
  };
}

export const testDefs: ResourceDef[] = [
  def({ kind: 'Pod', plural: 'pods', singular: 'pod', shortNames: ['po'], categories: ['all'],
    subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'proxy', 'eviction', 'ephemeralcontainers'] }),
  def({ kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim',
    shortNames: ['pvc'], subresources: ['status'] }),
  def({ kind: 'Namespace', plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], namespaced: false,
    subresources: ['status', 'finalize'] }),
  def({ group: 'apps', kind: 'Deployment', plural: 'deployments', singular: 'deployment', shortNames: ['deploy'],
    categories: ['all'], subresources: ['status', 'scale'], generation: true }),
  def({ group: 'autoscaling', versions: ['v2', 'v1'], kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler', shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  def({ group: 'storage.k8s.io', kind: 'StorageClass', plural: 'storageclasses', singular: 'storageclass',
    shortNames: ['sc'], namespaced: false }),
];
