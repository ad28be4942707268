// The directory provisioner (StorageClass provisioner berth.dev/local-dir): one directory per
// volume under <root>/<pv name>, served to pods as a hostPath volume pinned to this node.
// Capacity is recorded, not enforced: a directory shares its filesystem's free space, and this
// host has no per-directory quotas (btrfs qgroups need btrfs; XFS/ext4 project quotas are not in
// this kernel). The PV says so in an annotation rather than pretending.
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KObject } from '../../machinery/types';
import { isWithin } from '../paths';

export const DIR_PROVISIONER = 'berth.dev/local-dir';
export const PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
export const BETA_PROVISIONER_ANNOTATION = 'volume.beta.kubernetes.io/storage-provisioner';
export const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const CAPACITY_ANNOTATION = 'berth.dev/capacity-enforced';
export const CAPACITY_NOTE = 'false: a directory volume shares the free space of its filesystem; this host has no per-directory quotas (btrfs qgroups or XFS project quotas would be needed)';
const HOSTNAME_KEY = 'kubernetes.io/hostname';

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export const volumeNameFor = (claim: KObject): string => `pvc-${claim.metadata.uid ?? ''}`;

export type ClaimDecision =
  | { action: 'none'; why: string }
  | { action: 'fail'; message: string }
  | { action: 'provision'; pvName: string };

/**
 * Pure: what to do for a claim. Ours when the binder asked this provisioner (the annotation) and
 * the claim has no volume yet; `existing` is the PV we would create, if it already exists.
 */
export function decideClaim(claim: KObject | undefined, cls: KObject | undefined, existing: KObject | undefined): ClaimDecision {
  if (!claim) return { action: 'none', why: 'claim gone' };
  const ann = claim.metadata.annotations ?? {};
  if ((ann[PROVISIONER_ANNOTATION] ?? ann[BETA_PROVISIONER_ANNOTATION]) !== DIR_PROVISIONER) return { action: 'none', why: 'not asked to provision' };
  if (claim.metadata.deletionTimestamp) return { action: 'none', why: 'claim being deleted' };
  const spec = obj(claim.spec);
  if (str(spec.volumeName) !== '') return { action: 'none', why: 'claim already has a volume' };
  if (existing) return { action: 'none', why: 'volume already provisioned' };
  const className = str(spec.storageClassName);
  if (!cls) return { action: 'fail', message: `storageclass.storage.k8s.io "${className}" not found` };
  if (str(cls.provisioner) !== DIR_PROVISIONER) return { action: 'none', why: 'class has another provisioner' };
  if (spec.selector) return { action: 'fail', message: 'claim Selector is not supported; remove spec.selector or bind a pre-created volume' };
  if (str(spec.volumeMode) === 'Block') return { action: 'fail', message: `${DIR_PROVISIONER} provisions only volumeMode Filesystem; use volumeMode Filesystem` };
  if (spec.dataSource || spec.dataSourceRef) return { action: 'fail', message: `${DIR_PROVISIONER} cannot populate a volume from a dataSource; remove spec.dataSource` };
  if (!obj(obj(spec.resources).requests).storage) return { action: 'fail', message: 'claim has no spec.resources.requests.storage; set the size it needs' };
  return { action: 'provision', pvName: volumeNameFor(claim) };
}

/** Pure: the PV for a claim, pre-bound to it, backed by <root>/<pv name>. */
export function desiredVolume(claim: KObject, cls: KObject, root: string, nodeName: string | undefined): KObject {
  const pvName = volumeNameFor(claim);
  const spec = obj(claim.spec);
  const reclaim = str(cls.reclaimPolicy) || 'Delete';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pvName, annotations: { [PROVISIONED_BY]: DIR_PROVISIONER, [CAPACITY_ANNOTATION]: CAPACITY_NOTE } },
    spec: {
      capacity: { storage: obj(obj(spec.resources).requests).storage },
      accessModes: spec.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: reclaim,
      storageClassName: str(spec.storageClassName),
      volumeMode: 'Filesystem',
      ...(Array.isArray(cls.mountOptions) ? { mountOptions: cls.mountOptions } : {}),
      hostPath: { path: join(root, pvName), type: 'DirectoryOrCreate' },
      ...(nodeName ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_KEY, operator: 'In', values: [nodeName] }] }] } } } : {}),
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace ?? '', name: claim.metadata.name ?? '', uid: claim.metadata.uid ?? '', ...(claim.metadata.resourceVersion ? { resourceVersion: claim.metadata.resourceVersion } : {}) },
    },
  };
}

/** Pure: whether a PV is ours to delete now (Released, reclaim Delete, provisioned by us). */
export function shouldDelete(pv: KObject | undefined): boolean {
  if (!pv || pv.metadata.deletionTimestamp) return false;
  if (pv.metadata.annotations?.[PROVISIONED_BY] !== DIR_PROVISIONER) return false;
  return str(obj(pv.status).phase) === 'Released' && str(obj(pv.spec).persistentVolumeReclaimPolicy) === 'Delete';
}

/** The PV's directory, refused unless it is exactly <root>/<pv name> (never delete elsewhere). */
export function volumeDir(pv: KObject, root: string): string {
  const spec = obj(pv.spec);
  const path = str(obj(spec.hostPath).path) || str(obj(spec.local).path);
  const want = join(root, pv.metadata.name ?? '');
  if (path !== want || !isWithin(root, path) || path === root) throw new Error(`Cannot delete the directory of persistentvolume "${pv.metadata.name ?? ''}": its path ${path || '(none)'} is not ${want}; delete the data by hand and then the volume`);
  return path;
}

/** Creates the volume's directory, world-writable as local-path does so non-root pods can write. */
export async function createVolumeDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o777 });
  await chmod(path, 0o777); // mkdir's mode is masked by the umask
}

export async function removeVolumeDir(path: string): Promise<void> {
  if (!(await stat(path).catch(() => undefined))) return;
  await rm(path, { recursive: true, force: true });
}
