// The scheduler's volume plugins, pure: PreFilter (claims exist and are not being deleted,
// immediate claims are bound) and Filter (VolumeRestrictions' ReadWriteOncePod check, then
// VolumeBinding: bound volumes' node affinity, WaitForFirstConsumer claims can be met on the node).
// Reasons are upstream's texts. One Berth rule has no upstream filter: a ReadWriteOnce volume
// in use by a pod on one node keeps other pods using it on that node (upstream gets there through
// attach/detach, a Multi-Attach error at the kubelet; Berth refuses the node up front).
import { ANN_BIND_COMPLETED, ANN_SELECTED_NODE } from '../controllers/persistentvolume/compute';
import { claimClass, findBestMatchForClaim, pvcSpec, volumeFitsNode } from '../controllers/persistentvolume/match';
import type { KObject } from '../machinery/types';
import type { FilterResult } from './filters';

export const REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';
export const REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** What the scheduler's caches hold about storage. */
export interface VolumeWorld {
  claim(namespace: string, name: string): KObject | undefined;
  volume(name: string): KObject | undefined;
  volumes(): readonly KObject[];
  storageClass(name: string): KObject | undefined;
  /** The CSI drivers a node's CSINode lists (undefined: the node has no CSINode yet). */
  csiDriversOn?(node: string): string[] | undefined;
  /** Whether a CSIDriver object names this provisioner (it is a CSI driver). */
  isCsiDriver?(name: string): boolean;
}

/** The pod's claims, resolved and split as upstream's GetPodVolumeClaims does. */
export interface PodClaims {
  bound: KObject[];
  /** Unbound claims of a WaitForFirstConsumer class: bound once a node is chosen. */
  delayed: KObject[];
  /** A ReadWriteOncePod claim of the pod is already used by a placed pod. */
  rwopConflict: boolean;
  /** ReadWriteOnce claims of the pod in use by other placed pods, with those pods' nodes (sorted). */
  rwoInUse?: { claim: string; nodes: string[] }[];
}

/** A pod-wide rejection (PreFilter): every node fails for the same reason. */
export interface PreFilterFailure {
  reason: string;
  unresolvable: boolean;
}

interface PodVolume {
  name: string;
  persistentVolumeClaim?: { claimName?: string };
  ephemeral?: unknown;
}

/** The claim names the pod uses, with whether each comes from a generic ephemeral volume. */
export function podClaimNames(pod: KObject): { name: string; ephemeral: boolean }[] {
  const vols = ((pod.spec ?? {}) as { volumes?: PodVolume[] }).volumes ?? [];
  return vols.flatMap((v): { name: string; ephemeral: boolean }[] => {
    if (v.persistentVolumeClaim?.claimName) return [{ name: v.persistentVolumeClaim.claimName, ephemeral: false }];
    if (v.ephemeral) return [{ name: `${pod.metadata.name ?? ''}-${v.name}`, ephemeral: true }];
    return [];
  });
}

/** The pod cannot go to `node`: the claim's single-node volume is in use on another node. */
export const rwoConflictReason = (claim: string, node: string) => `persistentvolumeclaim "${claim}" is ReadWriteOnce and in use on node "${node}"`;

/**
 * Whether the claim's volume attaches to one node at a time: upstream's !isMultiAttachAllowed —
 * the bound volume's access modes (the claim's own while unbound) are set and name neither
 * ReadWriteMany nor ReadOnlyMany.
 */
export function singleNode(claim: KObject, world: VolumeWorld): boolean {
  const pv = pvcSpec(claim).volumeName ? world.volume(pvcSpec(claim).volumeName ?? '') : undefined;
  const modes = (pv ? (pv.spec as { accessModes?: string[] } | undefined)?.accessModes : pvcSpec(claim).accessModes) ?? [];
  return modes.length > 0 && !modes.includes('ReadWriteMany') && !modes.includes('ReadOnlyMany');
}

/** The nodes where other placed pods (nodeName set) use each single-node claim of the pod. */
function rwoInUse(pod: KObject, claims: readonly KObject[], world: VolumeWorld, placed: readonly KObject[]): { claim: string; nodes: string[] }[] {
  const ns = pod.metadata.namespace ?? '';
  const out: { claim: string; nodes: string[] }[] = [];
  for (const claim of claims) {
    if (!singleNode(claim, world)) continue;
    const name = claim.metadata.name ?? '';
    const nodes = new Set<string>();
    for (const p of placed) {
      const node = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      if (!node || p.metadata.uid === pod.metadata.uid || (p.metadata.namespace ?? '') !== ns) continue;
      if (podClaimNames(p).some((n) => n.name === name)) nodes.add(node);
    }
    if (nodes.size > 0) out.push({ claim: name, nodes: [...nodes].sort() });
  }
  return out;
}

/** isPVCFullyBound: the claim names its volume and the binder finished. */
function fullyBound(claim: KObject): boolean {
  return !!pvcSpec(claim).volumeName && claim.metadata.annotations?.[ANN_BIND_COMPLETED] !== undefined;
}

function delayedClass(claim: KObject, world: VolumeWorld): boolean {
  const name = claimClass(claim);
  const sc = name ? world.storageClass(name) : undefined;
  return (sc as { volumeBindingMode?: string } | undefined)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/**
 * VolumeRestrictions and VolumeBinding PreFilter. `placed` are the pods already bound (or
 * assumed) to nodes; a ReadWriteOncePod claim one of them uses blocks this pod on every node.
 */
export function preFilterVolumes(pod: KObject, world: VolumeWorld, placed: readonly KObject[]): PodClaims | PreFilterFailure {
  const ns = pod.metadata.namespace ?? '';
  const names = podClaimNames(pod);
  const rwop = names.map((n) => world.claim(ns, n.name)).filter((c): c is KObject => !!c && (pvcSpec(c).accessModes ?? []).includes('ReadWriteOncePod'));
  const rwopConflict = rwop.some((claim) =>
    placed.some((p) => p.metadata.uid !== pod.metadata.uid && (p.metadata.namespace ?? '') === ns && podClaimNames(p).some((n) => n.name === claim.metadata.name)));
  const out: PodClaims = { bound: [], delayed: [], rwopConflict };
  let immediate = false;
  const resolved: KObject[] = [];
  for (const n of names) {
    const claim = world.claim(ns, n.name);
    if (!claim) {
      const reason = n.ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${n.name}"` : `persistentvolumeclaim "${n.name}" not found`;
      return { reason, unresolvable: true };
    }
    if (claim.metadata.deletionTimestamp) return { reason: `persistentvolumeclaim "${n.name}" is being deleted`, unresolvable: true };
    resolved.push(claim);
    if (fullyBound(claim)) out.bound.push(claim);
    else if (delayedClass(claim, world)) out.delayed.push(claim);
    else immediate = true;
  }
  if (immediate) return { reason: REASON_UNBOUND_IMMEDIATE, unresolvable: true };
  const inUse = rwoInUse(pod, resolved, world, placed);
  return inUse.length ? { ...out, rwoInUse: inUse } : out;
}

export const isPreFilterFailure = (r: PodClaims | PreFilterFailure): r is PreFilterFailure => 'reason' in r;

/**
 * Whether a delayed claim could be provisioned for `node`: its class names a real provisioner,
 * and a CSI driver is one the node runs (its CSINode lists it) — a volume of a node-local driver
 * cannot be made for a node without it, and asking would only bounce the pod between nodes.
 */
function provisionable(claim: KObject, world: VolumeWorld, node: string): boolean {
  const sc = world.storageClass(claimClass(claim)) as { provisioner?: string } | undefined;
  if (!sc?.provisioner || sc.provisioner === NO_PROVISIONER) return false;
  if (!world.isCsiDriver?.(sc.provisioner)) return true;
  const drivers = world.csiDriversOn?.(node);
  return drivers === undefined || drivers.includes(sc.provisioner);
}

/** VolumeBinding Filter for one node; undefined when the node can serve every claim. */
export function filterVolumes(claims: PodClaims, node: KObject, world: VolumeWorld): FilterResult | undefined {
  // Unschedulable, not unresolvable: evicting the other pod would free the claim.
  if (claims.rwopConflict) return { reasons: [REASON_RWOP_CONFLICT], unresolvable: false };
  const name = node.metadata.name ?? '';
  // Also not unresolvable: the other pods going away frees the volume.
  const elsewhere = claims.rwoInUse?.find((u) => !u.nodes.includes(name));
  if (elsewhere) return { reasons: [rwoConflictReason(elsewhere.claim, elsewhere.nodes[0] ?? '')], unresolvable: false };
  const reasons: string[] = [];
  for (const claim of claims.bound) {
    const pv = world.volume(pvcSpec(claim).volumeName ?? '');
    if (!pv) return { reasons: [REASON_PV_NOT_EXIST], unresolvable: true };
    if (!volumeFitsNode(pv, node)) {
      reasons.push(REASON_NODE_CONFLICT);
      break;
    }
  }
  // Each delayed claim needs its own volume: a volume chosen for one is not offered to the next.
  const chosen = new Set<string>();
  // findMatchingVolume itself keeps to Available volumes and ones pre-bound to the claim.
  const available = world.volumes();
  for (const claim of claims.delayed) {
    const free = available.filter((pv) => !chosen.has(pv.metadata.name ?? ''));
    const pv = findBestMatchForClaim(claim, free, { delayBinding: true, node });
    if (pv) chosen.add(pv.metadata.name ?? '');
    else if (!provisionable(claim, world, name)) {
      reasons.push(REASON_BIND_CONFLICT);
      break;
    }
  }
  return reasons.length ? { reasons, unresolvable: true } : undefined;
}

/** PreBind: the annotation patch each delayed claim needs so its binder or provisioner acts for `node`. */
export function selectedNodePatches(delayed: readonly KObject[], node: string): { claim: KObject; patch: Record<string, unknown> }[] {
  return delayed
    .filter((c) => c.metadata.annotations?.[ANN_SELECTED_NODE] !== node)
    .map((claim) => ({ claim, patch: { metadata: { annotations: { [ANN_SELECTED_NODE]: node } } } }));
}
