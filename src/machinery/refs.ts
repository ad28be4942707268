// Where the built-in kinds the controllers, scheduler and node watch live (group, preferred
// version, plural): one definition instead of one per component.
import type { ResourceRef } from './client';

export const podRef: ResourceRef = { group: '', version: 'v1', plural: 'pods' };
export const nodeRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };
export const pvRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumes' };
export const pvcRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumeclaims' };
export const scRef: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses' };
export const csiNodeRef: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'csinodes' };
export const csiDriverRef: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers' };
