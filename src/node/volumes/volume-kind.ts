// Which plugin serves a volume, where it lives on the host, and how it is mounted.
import { join } from 'node:path';
import type { VolumeSpec } from '../types';

export type VolumeType = 'emptyDir' | 'hostPath' | 'configMap' | 'secret' | 'projected' | 'downwardAPI' | 'persistentVolumeClaim' | 'nfs';

export interface VolumeKind {
  type: VolumeType;
  /** Directory name under pods/<uid>/volumes (none for hostPath and claims: their host path is mounted as is). */
  pluginDir?: string;
  /** API data volumes are always mounted read-only into containers (as the kubelet does). */
  readOnly: boolean;
  /** Written by the atomic writer and refreshed by resync. */
  atomic: boolean;
  /** Backed by a tmpfs of its own (secrets and tokens never touch the disk). */
  tmpfs: boolean;
  /** A missing subPath is created as a directory. */
  writable: boolean;
}

const kinds: Record<VolumeType, VolumeKind> = {
  emptyDir: { type: 'emptyDir', pluginDir: 'kubernetes.io~empty-dir', readOnly: false, atomic: false, tmpfs: false, writable: true },
  hostPath: { type: 'hostPath', readOnly: false, atomic: false, tmpfs: false, writable: true },
  configMap: { type: 'configMap', pluginDir: 'kubernetes.io~configmap', readOnly: true, atomic: true, tmpfs: false, writable: false },
  secret: { type: 'secret', pluginDir: 'kubernetes.io~secret', readOnly: true, atomic: true, tmpfs: true, writable: false },
  projected: { type: 'projected', pluginDir: 'kubernetes.io~projected', readOnly: true, atomic: true, tmpfs: true, writable: false },
  downwardAPI: { type: 'downwardAPI', pluginDir: 'kubernetes.io~downward-api', readOnly: true, atomic: true, tmpfs: false, writable: false },
  // Mounted by the kernel's NFS client in the pod's volume dir (read-only when the source says so).
  nfs: { type: 'nfs', pluginDir: 'kubernetes.io~nfs', readOnly: false, atomic: false, tmpfs: false, writable: true },
  // Read-only when the pod's source or the volume's access modes say so (decided at setUp).
  persistentVolumeClaim: { type: 'persistentVolumeClaim', readOnly: false, atomic: false, tmpfs: false, writable: true },
};

/** The volume's kind; throws for sources this node does not serve. */
export function volumeKind(v: VolumeSpec): VolumeKind {
  for (const k of Object.keys(kinds) as VolumeType[]) if (v[k] !== undefined && v[k] !== null) return kinds[k];
  const src = Object.keys(v).filter((k) => k !== 'name').join(', ') || '(none)';
  throw new Error(`volume source ${src} is not supported on this node; use emptyDir, hostPath, configMap, secret, projected, downwardAPI, nfs or persistentVolumeClaim`);
}

/** Host directory of a volume, or the host path itself for hostPath (claims: see VolumeManager). */
export function volumePath(podsDir: string, podUid: string, v: VolumeSpec, kind = volumeKind(v)): string {
  if (kind.type === 'hostPath') return String((v.hostPath as { path?: unknown }).path ?? '');
  if (kind.type === 'persistentVolumeClaim') throw new Error(`volume "${v.name}" is a claim: its host path is known only once it is set up`);
  return join(podsDir, podUid, 'volumes', kind.pluginDir ?? '', v.name);
}

/** OCI propagation option for a volumeMount's mountPropagation. */
export function propagationOption(p: string | undefined): string {
  if (p === 'HostToContainer') return 'rslave';
  if (p === 'Bidirectional') return 'rshared';
  return 'rprivate';
}
