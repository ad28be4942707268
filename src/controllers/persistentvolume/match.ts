// Claim ↔ volume matching, as upstream's findBestMatchForClaim (index.go) and
// FindMatchingVolume (component-helpers pv_helpers.go). Pure: no API calls.
import { compareQuantity, type Quantity, tryParseQuantity } from '../../machinery/quantity';
import { type LabelSelector, matchLabelSelector } from '../../machinery/selectors';
import type { KObject } from '../../machinery/types';
import { matchesNodeAffinity } from '../../scheduler/filters';

export interface ClaimRef {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

interface PVSpec {
  claimRef?: ClaimRef | null;
  capacity?: Record<string, unknown>;
  accessModes?: string[];
  volumeMode?: string;
  storageClassName?: string;
  volumeAttributesClassName?: string;
  nodeAffinity?: { required?: unknown };
}
interface PVCSpec {
  accessModes?: string[];
  resources?: { requests?: Record<string, unknown> };
  selector?: LabelSelector | null;
  volumeMode?: string;
  storageClassName?: string | null;
  volumeName?: string;
  volumeAttributesClassName?: string;
}

export const ANN_STORAGE_CLASS_BETA = 'volume.beta.kubernetes.io/storage-class';

export const pvSpec = (pv: KObject): PVSpec => (pv.spec ?? {});
export const pvcSpec = (pvc: KObject): PVCSpec => (pvc.spec ?? {});
export const phaseOf = (o: KObject): string | undefined => (o.status as { phase?: string } | undefined)?.phase;

/** The class a volume belongs to: the beta annotation first, then spec (upstream's GetPersistentVolumeClass). */
export function volumeClass(pv: KObject): string {
  return pv.metadata.annotations?.[ANN_STORAGE_CLASS_BETA] ?? pvSpec(pv).storageClassName ?? '';
}

/** The class a claim asks for (upstream's GetPersistentVolumeClaimClass). */
export function claimClass(pvc: KObject): string {
  return pvc.metadata.annotations?.[ANN_STORAGE_CLASS_BETA] ?? pvcSpec(pvc).storageClassName ?? '';
}

function quantity(v: unknown): Quantity | undefined {
  const r = tryParseQuantity(v);
  return r.ok ? r.q : undefined;
}
export const volumeSize = (pv: KObject): Quantity | undefined => quantity(pvSpec(pv).capacity?.['storage']);
export const claimRequest = (pvc: KObject): Quantity | undefined => quantity(pvcSpec(pvc).resources?.requests?.['storage']);

const modeOf = (m: string | undefined): string => m ?? 'Filesystem';

/** Whether the volume's claimRef names this claim (name, namespace, and UID when set). */
export function isVolumeBoundToClaim(pv: KObject, pvc: KObject): boolean {
  const ref = pvSpec(pv).claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

const containsModes = (have: readonly string[], want: readonly string[]): boolean => want.every((m) => have.includes(m));

export interface MatchOptions {
  /** The claim's class binds WaitForFirstConsumer and no node is chosen yet: only pre-bound volumes match. */
  delayBinding?: boolean;
  /** The node the claim's pod goes to (selected-node): volumes whose node affinity excludes it don't match. */
  node?: KObject;
}

/** Whether the volume may be used on `node` (upstream CheckNodeAffinity: the required terms). */
export function volumeFitsNode(pv: KObject, node: KObject | undefined): boolean {
  const required = pvSpec(pv).nodeAffinity?.required;
  if (!node || !required) return true;
  // The scheduler's matcher takes a pod; a volume's required selector has the same shape.
  return matchesNodeAffinity({ metadata: {}, spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } } } }, node);
}

/** FindMatchingVolume: the pre-bound volume at once, else the smallest volume that fits. */
export function findMatchingVolume(claim: KObject, volumes: readonly KObject[], opts: MatchOptions = {}): KObject | undefined {
  const request = claimRequest(claim);
  const spec = pvcSpec(claim);
  const wantClass = claimClass(claim);
  let best: { pv: KObject; size: Quantity } | undefined;
  for (const pv of volumes) {
    const vs = pvSpec(pv);
    if (vs.claimRef && !isVolumeBoundToClaim(pv, claim)) continue;
    const size = volumeSize(pv);
    if (!size || !request || compareQuantity(size, request) < 0) continue;
    if (modeOf(vs.volumeMode) !== modeOf(spec.volumeMode)) continue;
    if ((vs.volumeAttributesClassName ?? '') !== (spec.volumeAttributesClassName ?? '')) continue;
    if (pv.metadata.deletionTimestamp) continue;
    const fitsNode = volumeFitsNode(pv, opts.node);
    // A volume pre-bound to this claim but unusable on the node: no match at all, as upstream.
    if (isVolumeBoundToClaim(pv, claim)) return fitsNode ? pv : undefined;
    if (opts.delayBinding && !opts.node) continue;
    if (!fitsNode) continue;
    if (phaseOf(pv) !== 'Available') continue;
    if (spec.selector && !matchLabelSelector(spec.selector, pv.metadata.labels)) continue;
    if (volumeClass(pv) !== wantClass) continue;
    if (!best || compareQuantity(best.size, size) > 0) best = { pv, size };
  }
  return best?.pv;
}

/**
 * findBestMatchForClaim: volumes grouped by their access-mode set; the sets that contain all the
 * claim's modes are tried fewest modes first, and the first set with a match wins (so an RWO
 * claim prefers an RWO volume over a larger-capacity-fit RWO+RWX one).
 */
export function findBestMatchForClaim(claim: KObject, volumes: readonly KObject[], opts: MatchOptions = {}): KObject | undefined {
  const want = pvcSpec(claim).accessModes ?? [];
  const groups = new Map<string, { modes: string[]; pvs: KObject[] }>();
  for (const pv of volumes) {
    const modes = [...new Set(pvSpec(pv).accessModes ?? [])].sort();
    const key = modes.join(',');
    const g = groups.get(key) ?? { modes, pvs: [] };
    g.pvs.push(pv);
    groups.set(key, g);
  }
  const candidates = [...groups.values()].filter((g) => containsModes(g.modes, want)).sort((a, b) => a.modes.length - b.modes.length);
  for (const g of candidates) {
    const found = findMatchingVolume(claim, g.pvs, opts);
    if (found) return found;
  }
  return undefined;
}

/** The volumes a claim may bind: by name, and the best match (a list scan, or an index). */
export interface VolumeCandidates {
  get(name: string): KObject | undefined;
  bestMatch(claim: KObject, opts?: MatchOptions): KObject | undefined;
}

/** VolumeCandidates over a plain list (tests, small callers). */
export function listCandidates(volumes: readonly KObject[]): VolumeCandidates {
  return { get: (name) => volumes.find((v) => v.metadata.name === name), bestMatch: (claim, opts) => findBestMatchForClaim(claim, volumes, opts) };
}

/**
 * checkVolumeSatisfyClaim: for a claim naming its volume (spec.volumeName). Returns upstream's
 * mismatch message, or undefined when the volume fits.
 */
export function volumeMismatch(claim: KObject, pv: KObject): string | undefined {
  const request = claimRequest(claim);
  const size = volumeSize(pv);
  if (!request || !size || compareQuantity(size, request) < 0) return 'requested PV is too small';
  if ((pvSpec(pv).volumeAttributesClassName ?? '') !== (pvcSpec(claim).volumeAttributesClassName ?? '')) return 'volumeAttributesClassName does not match';
  if (volumeClass(pv) !== claimClass(claim)) return 'storageClassName does not match';
  if (modeOf(pvSpec(pv).volumeMode) !== modeOf(pvcSpec(claim).volumeMode)) return 'incompatible volumeMode';
  if (!containsModes(pvSpec(pv).accessModes ?? [], pvcSpec(claim).accessModes ?? [])) return 'incompatible accessMode';
  return undefined;
}
