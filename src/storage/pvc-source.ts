// A pod's persistentVolumeClaim volume, resolved the way the kubelet does: the claim must be
// Bound to a volume whose claimRef points back at it; the volume's source says how to mount it.
import { stat } from 'node:fs/promises';
import { type ApiClient, getIfExists } from '../machinery/client';
import type { KObject } from '../machinery/types';
import { setUpHostPath } from './host-path';
import type { NfsSource } from './nfs';
import { pvRef, pvcRef } from '../machinery/refs';
import { type CsiAccessMode, NODE_TOPOLOGY_KEY, type VolumeCapability } from './csi/types';

const HOSTNAME_KEY = 'kubernetes.io/hostname';

/** A claim whose volume is a host directory bound into containers as it is. */
export interface PathClaimMount {
  /** The PV's plugin: hostPath (checked by type, created for *OrCreate) or local (must exist). */
  plugin: 'hostPath' | 'local';
  path: string;
  /** hostPath's type ('' for local). */
  hostPathType: string;
  readOnly: boolean;
  pvName: string;
}

/** A claim whose volume a CSI driver stages and publishes on this node. */
export interface CsiClaimMount {
  plugin: 'csi';
  driver: string;
  volumeHandle: string;
  volumeContext: Record<string, string>;
  capability: VolumeCapability;
  /** volumeMode Block: published as a device file, handed to containers as volumeDevices. */
  block: boolean;
  readOnly: boolean;
  pvName: string;
  claimNamespace: string;
  claimName: string;
  /** spec.capacity.storage of the PV and status.capacity.storage of the claim ('' when unset). */
  pvCapacity: string;
  claimCapacity: string;
  /** Fields of the source this node ignores (secret refs), to be logged. */
  ignored: string[];
}

/** A claim whose volume is an NFS export, mounted with the host's kernel client. */
export interface NfsClaimMount extends NfsSource {
  plugin: 'nfs';
  pvName: string;
}

/** How a claim's volume is mounted on this node. */
export type ClaimMount = PathClaimMount | CsiClaimMount | NfsClaimMount;

const accessModes: Record<string, CsiAccessMode> = {
  ReadWriteOnce: 'SINGLE_NODE_WRITER',
  ReadOnlyMany: 'MULTI_NODE_READER_ONLY',
  ReadWriteMany: 'MULTI_NODE_MULTI_WRITER',
  ReadWriteOncePod: 'SINGLE_NODE_SINGLE_WRITER',
};

/** The CSI access mode for a PV's access modes: its first one, as the kubelet takes it (none: ReadWriteOnce). */
export function csiAccessMode(modes: string[]): CsiAccessMode {
  return accessModes[modes[0] ?? 'ReadWriteOnce'] ?? 'SINGLE_NODE_WRITER';
}

const SECRET_REFS = ['nodeStageSecretRef', 'nodePublishSecretRef', 'nodeExpandSecretRef', 'controllerPublishSecretRef'];
const strMap = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

interface Requirement { key?: string; operator?: string; values?: string[] }

/** Label keys whose value on this node is its name (the built-in CSI drivers' topology key too). */
const NAME_KEYS = new Set([HOSTNAME_KEY, NODE_TOPOLOGY_KEY]);

/**
 * Whether the PV's required node affinity admits this node. Only node names are known here, so a
 * term is judged by its node-name requirements (kubernetes.io/hostname, topology.berth.dev/node);
 * a term with other keys is not satisfiable by name alone and is skipped (the scheduler, not the
 * node, owns label matching).
 */
export function nodeAffinityAdmits(pv: KObject, nodeName: string): boolean {
  const terms = obj(obj(obj(pv.spec).nodeAffinity).required).nodeSelectorTerms;
  if (!Array.isArray(terms) || terms.length === 0) return true;
  return terms.some((t) => {
    const reqs = (obj(t).matchExpressions as Requirement[] | undefined) ?? [];
    if (reqs.length === 0 || reqs.some((r) => !NAME_KEYS.has(r.key ?? ''))) return false;
    return reqs.every((r) => {
      const vals = r.values ?? [];
      if (r.operator === 'In') return vals.includes(nodeName);
      if (r.operator === 'NotIn') return !vals.includes(nodeName);
      if (r.operator === 'Exists') return true;
      return false;
    });
  });
}

/**
 * Pure: the mount for a claim and its volume, or an Error saying what is wrong and how to fix it.
 * `nodeName` undefined skips the node-affinity check (a node that does not know its name).
 */
export function planClaimMount(claimName: string, podReadOnly: boolean, claim: KObject | undefined, pv: KObject | undefined, nodeName: string | undefined): ClaimMount | Error {
  if (!claim) return new Error(`persistentvolumeclaim "${claimName}" not found; create it or fix spec.volumes[].persistentVolumeClaim.claimName`);
  if (claim.metadata.deletionTimestamp) return new Error(`persistentvolumeclaim "${claimName}" is being deleted; create a new claim for this pod`);
  const volumeName = str(obj(claim.spec).volumeName);
  if (str(obj(claim.status).phase) !== 'Bound' || volumeName === '') return new Error(`persistentvolumeclaim "${claimName}" is not bound; the pod waits until a PersistentVolume is bound to it (kubectl describe pvc ${claimName})`);
  if (!pv) return new Error(`persistentvolume "${volumeName}" bound to claim "${claimName}" not found; recreate it or delete the claim`);
  const ref = obj(obj(pv.spec).claimRef);
  if (str(ref.uid) !== '' && str(ref.uid) !== claim.metadata.uid) return new Error(`persistentvolume "${volumeName}" is bound to another claim (claimRef uid ${str(ref.uid)}, claim "${claimName}" has uid ${claim.metadata.uid ?? ''}); fix the claim's spec.volumeName`);
  const spec = obj(pv.spec);
  const block = str(spec.volumeMode) === 'Block';
  if (block && !spec.csi) return new Error(`persistentvolume "${volumeName}" has volumeMode Block, which this node serves only for csi volumes; use volumeMode Filesystem or a CSI driver`);
  if (nodeName !== undefined && !nodeAffinityAdmits(pv, nodeName)) return new Error(`persistentvolume "${volumeName}" has node affinity that does not match this node "${nodeName}"; run the pod on the volume's node (kubernetes.io/hostname) or fix spec.nodeAffinity`);
  const modes = (spec.accessModes as string[] | undefined) ?? [];
  const readOnly = podReadOnly || (modes.length > 0 && modes.every((m) => m === 'ReadOnlyMany'));
  if (spec.csi) {
    const csi = obj(spec.csi);
    if (str(csi.driver) === '' || str(csi.volumeHandle) === '') return new Error(`persistentvolume "${volumeName}" has a csi source without driver or volumeHandle; fix spec.csi`);
    const mountFlags = Array.isArray(spec.mountOptions) ? spec.mountOptions.filter((o): o is string => typeof o === 'string') : [];
    const accessMode = csiAccessMode(modes);
    const fsType = str(csi.fsType);
    return {
      plugin: 'csi', driver: str(csi.driver), volumeHandle: str(csi.volumeHandle), volumeContext: strMap(csi.volumeAttributes),
      capability: block ? { accessType: 'block', accessMode } : { accessType: 'mount', accessMode, ...(fsType ? { fsType } : {}), ...(mountFlags.length > 0 ? { mountFlags } : {}) },
      block, readOnly: readOnly || csi.readOnly === true, pvName: volumeName,
      claimNamespace: claim.metadata.namespace ?? '', claimName, pvCapacity: str(obj(spec.capacity).storage), claimCapacity: str(obj(obj(claim.status).capacity).storage),
      ignored: SECRET_REFS.filter((k) => csi[k] !== undefined && csi[k] !== null),
    };
  }
  if (spec.hostPath) {
    const hp = obj(spec.hostPath);
    return { plugin: 'hostPath', path: str(hp.path), hostPathType: str(hp.type), readOnly, pvName: volumeName };
  }
  if (spec.local) return { plugin: 'local', path: str(obj(spec.local).path), hostPathType: '', readOnly, pvName: volumeName };
  if (spec.nfs) {
    const nfs = obj(spec.nfs);
    const mountOptions = Array.isArray(spec.mountOptions) ? spec.mountOptions.filter((o): o is string => typeof o === 'string') : [];
    return { plugin: 'nfs', server: str(nfs.server), path: str(nfs.path), readOnly: readOnly || nfs.readOnly === true, mountOptions, pvName: volumeName };
  }
  const src = Object.keys(spec).filter((k) => !['accessModes', 'capacity', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'volumeMode', 'nodeAffinity', 'mountOptions'].includes(k));
  return new Error(`persistentvolume "${volumeName}" has source ${src.join(', ') || '(none)'}, which this node cannot mount; use hostPath, local or csi`);
}


/** Resolves and checks a pod's claim volume; returns the host path to bind into containers (csi: the plan to stage and publish). */
export async function setUpClaim(client: ApiClient, namespace: string, src: { claimName?: unknown; readOnly?: unknown }, nodeName: string | undefined): Promise<ClaimMount> {
  const claimName = str(src.claimName);
  const claim = await getIfExists(client, pvcRef, namespace, claimName);
  const volumeName = str(obj(claim?.spec).volumeName);
  const pv = volumeName ? await getIfExists(client, pvRef, undefined, volumeName) : undefined;
  const plan = planClaimMount(claimName, src.readOnly === true, claim, pv, nodeName);
  if (plan instanceof Error) throw plan;
  // The node's CSI volume code stages and publishes these; nfs is mounted in the pod's volume dir.
  if (plan.plugin === 'csi' || plan.plugin === 'nfs') return plan;
  if (plan.plugin === 'hostPath') {
    await setUpHostPath({ path: plan.path, type: plan.hostPathType });
    return plan;
  }
  if (!plan.path.startsWith('/')) throw new Error(`local volume path "${plan.path}" of persistentvolume "${plan.pvName}" must be absolute`);
  const st = await stat(plan.path).catch(() => undefined);
  if (!st) throw new Error(`local volume path ${plan.path} of persistentvolume "${plan.pvName}" does not exist on this node; create the directory or fix spec.local.path`);
  if (!st.isDirectory()) throw new Error(`local volume path ${plan.path} of persistentvolume "${plan.pvName}" is not a directory; only volumeMode Filesystem on a directory is served`);
  return plan;
}
