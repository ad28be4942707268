// The PV controller's decisions (upstream pv_controller.go syncClaim/syncVolume), pure: given a
// claim or volume and what the caches hold, what should be written and which event recorded.
import type { KObject } from '../../machinery/types';
import { type ClaimRef, type VolumeCandidates, claimClass, isVolumeBoundToClaim, listCandidates, phaseOf, pvSpec, pvcSpec, volumeMismatch } from './match';

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';


export interface Ev {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type ClaimDecision =
  | { action: 'bind'; volume: KObject }
  | { action: 'pending'; event?: Ev; provisioner?: string }
  | { action: 'lost'; event: Ev }
  | { action: 'none' };

const annotated = (o: KObject, key: string): boolean => o.metadata.annotations?.[key] !== undefined;

/** Whether the claim's class binds WaitForFirstConsumer (upstream IsDelayBindingMode). */
export function delaysBinding(claim: KObject, classes: ReadonlyMap<string, KObject>): boolean {
  const sc = classes.get(claimClass(claim));
  return (sc as { volumeBindingMode?: string } | undefined)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/**
 * The node a delayed claim's pod was scheduled to (the selected-node annotation). Berth has no
 * scheduler volume binder, so once a node is chosen the controller binds, checking the volume's
 * node affinity against that node. An unknown node is matched by its hostname label only.
 */
export function selectedNode(claim: KObject, nodes: ReadonlyMap<string, KObject>): KObject | undefined {
  const name = claim.metadata.annotations?.[ANN_SELECTED_NODE];
  if (!name) return undefined;
  return nodes.get(name) ?? { metadata: { name, labels: { 'kubernetes.io/hostname': name } } };
}

/** syncClaim: what to do with one claim. `volumes` is every PV the cache holds (a list, or the binder's index). */
export function decideClaim(claim: KObject, volumes: readonly KObject[] | VolumeCandidates, classes: ReadonlyMap<string, KObject>, nodes: ReadonlyMap<string, KObject> = new Map()): ClaimDecision {
  const vols = 'bestMatch' in volumes ? volumes : listCandidates(volumes);
  const volumeName = pvcSpec(claim).volumeName ?? '';
  const byName = (n: string) => vols.get(n);
  if (annotated(claim, ANN_BIND_COMPLETED)) {
    if (!volumeName) return { action: 'lost', event: { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!' } };
    const pv = byName(volumeName);
    if (!pv) return { action: 'lost', event: { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' } };
    // Unbound volume (a crash between writes, or a user edit): bind it again.
    if (!pvSpec(pv).claimRef || isVolumeBoundToClaim(pv, claim)) return { action: 'bind', volume: pv };
    return { action: 'lost', event: { type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' } };
  }
  if (volumeName) {
    const pv = byName(volumeName);
    if (!pv) return { action: 'pending' };
    if (!pvSpec(pv).claimRef) {
      const why = volumeMismatch(claim, pv);
      return why ? { action: 'pending', event: { type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${volumeName}": ${why}` } } : { action: 'bind', volume: pv };
    }
    if (isVolumeBoundToClaim(pv, claim)) return { action: 'bind', volume: pv };
    return { action: 'pending', event: { type: 'Warning', reason: 'FailedBinding', message: `volume "${volumeName}" already bound to a different claim.` } };
  }
  const delay = delaysBinding(claim, classes);
  const node = delay ? selectedNode(claim, nodes) : undefined;
  const match = vols.bestMatch(claim, { delayBinding: delay, ...(node ? { node } : {}) });
  if (match) return { action: 'bind', volume: match };
  if (delay && !node) return { action: 'pending', event: { type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' } };
  const cls = claimClass(claim);
  if (!cls) return { action: 'pending', event: { type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' } };
  const sc = classes.get(cls);
  if (!sc) return { action: 'pending', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${cls}" not found` } };
  const provisioner = (sc as { provisioner?: string }).provisioner ?? '';
  if (provisioner === 'kubernetes.io/no-provisioner') {
    return { action: 'pending', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `no volume plugin matched name: ${provisioner}` } };
  }
  return {
    action: 'pending',
    provisioner,
    event: {
      type: 'Normal',
      reason: 'ExternalProvisioning',
      message: `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    },
  };
}

export type VolumeDecision =
  | { action: 'phase'; phase: string; message?: string; event?: Ev }
  | { action: 'release' }
  | { action: 'reclaim'; event?: Ev; fail?: string }
  | { action: 'recycle' }
  | { action: 'unbind'; volume: KObject }
  | { action: 'none' };

/** The reclaim step for a Released volume (upstream reclaimVolume). */
function reclaim(pv: KObject): VolumeDecision {
  const policy = (pv.spec as { persistentVolumeReclaimPolicy?: string } | undefined)?.persistentVolumeReclaimPolicy ?? 'Retain';
  switch (policy) {
    case 'Retain':
      return { action: 'none' };
    case 'Recycle':
      // The steps (recycler pod, unbinding) are decided by recycle.ts from the pod caches.
      return { action: 'recycle' };
    case 'Delete':
      // A provisioner owns deletion of the volumes it made; a static volume has no deleter.
      if (annotated(pv, ANN_DYNAMICALLY_PROVISIONED)) return { action: 'none' };
      return { action: 'reclaim', fail: `error getting deleter volume plugin for volume "${pv.metadata.name ?? ''}": no deletable volume plugin matched`, event: { type: 'Warning', reason: 'VolumeFailedDelete', message: '' } };
    default:
      return { action: 'reclaim', fail: 'Volume has unrecognized PersistentVolumeReclaimPolicy', event: { type: 'Warning', reason: 'VolumeUnknownReclaimPolicy', message: '' } };
  }
}

/** syncVolume: what to do with one volume, given its claim (undefined when absent). */
export function decideVolume(pv: KObject, claim: KObject | undefined): VolumeDecision {
  const ref = pvSpec(pv).claimRef;
  const phase = phaseOf(pv);
  if (!ref?.uid) return phase === 'Available' ? { action: 'none' } : { action: 'phase', phase: 'Available' };
  if (!claim || claim.metadata.uid !== ref.uid) {
    if (phase !== 'Released' && phase !== 'Failed') return { action: 'release' };
    if (phase === 'Failed') return { action: 'none' };
    return reclaim(pv);
  }
  const volumeName = pvcSpec(claim).volumeName ?? '';
  // Bound on our side only: the claim's sync finishes (or undoes) the binding.
  if (!volumeName) return { action: 'none' };
  if (volumeName === pv.metadata.name) return phase === 'Bound' ? { action: 'none' } : { action: 'phase', phase: 'Bound' };
  // The claim is bound to another volume.
  const policy = (pv.spec as { persistentVolumeReclaimPolicy?: string }).persistentVolumeReclaimPolicy;
  if (annotated(pv, ANN_BOUND_BY_CONTROLLER) && policy === 'Delete' && annotated(pv, ANN_DYNAMICALLY_PROVISIONED)) {
    return phase === 'Released' ? { action: 'none' } : { action: 'release' };
  }
  return { action: 'unbind', volume: unboundVolume(pv) };
}

/** upstream unbindVolume: a controller binding goes away; a user's pre-binding stays, minus the UID. */
export function unboundVolume(pv: KObject): KObject {
  const ref = pvSpec(pv).claimRef;
  const annotations = { ...(pv.metadata.annotations ?? {}) };
  let spec: Record<string, unknown> = { ...(pv.spec as object) };
  if (annotations[ANN_BOUND_BY_CONTROLLER] !== undefined || !ref) {
    const { claimRef: _c, ...rest } = spec;
    spec = rest;
    delete annotations[ANN_BOUND_BY_CONTROLLER];
  } else {
    const { uid: _u, ...keep } = ref;
    spec.claimRef = keep;
  }
  return { ...pv, metadata: { ...pv.metadata, annotations }, spec };
}

/** The volume with its claimRef pointing at the claim (getBindVolumeToClaim); undefined if already so. */
export function volumeBoundTo(pv: KObject, claim: KObject): KObject | undefined {
  const ref = pvSpec(pv).claimRef;
  const m = claim.metadata;
  const byController = !isVolumeBoundToClaim(pv, claim);
  if (ref && ref.name === m.name && ref.namespace === m.namespace && ref.uid === m.uid && (!byController || annotated(pv, ANN_BOUND_BY_CONTROLLER))) return undefined;
  const claimRef: ClaimRef = { kind: 'PersistentVolumeClaim', namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '', apiVersion: 'v1', resourceVersion: m.resourceVersion ?? '' };
  const annotations = { ...(pv.metadata.annotations ?? {}), ...(byController ? { [ANN_BOUND_BY_CONTROLLER]: 'yes' } : {}) };
  return { ...pv, metadata: { ...pv.metadata, annotations }, spec: { ...(pv.spec as object), claimRef } };
}

/** The claim naming the volume, with bind-completed (bindClaimToVolume); undefined if already so. */
export function claimBoundTo(claim: KObject, pv: KObject): KObject | undefined {
  const name = pv.metadata.name ?? '';
  const setName = pvcSpec(claim).volumeName !== name;
  if (!setName && annotated(claim, ANN_BIND_COMPLETED)) return undefined;
  const annotations = { ...(claim.metadata.annotations ?? {}), [ANN_BIND_COMPLETED]: 'yes', ...(setName ? { [ANN_BOUND_BY_CONTROLLER]: 'yes' } : {}) };
  return { ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...(claim.spec as object), volumeName: name } };
}

/** updateClaimStatus: the phase, and the volume's modes (capacity only when becoming Bound). */
export function claimStatus(claim: KObject, phase: string, pv: KObject | undefined): Record<string, unknown> {
  const old = (claim.status ?? {}) as Record<string, unknown>;
  const { accessModes: _a, capacity: _c, ...rest } = old;
  if (!pv) return { ...rest, phase };
  const capacity = phaseOf(claim) !== phase ? pvSpec(pv).capacity : old.capacity;
  return { ...rest, phase, accessModes: pvSpec(pv).accessModes ?? [], ...(capacity ? { capacity } : {}) };
}
