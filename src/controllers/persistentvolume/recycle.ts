// The Recycle reclaim policy (upstream recycleVolumeOperation with the hostPath and nfs plugins'
// recycler pod), as pure decisions: given a Released volume, the pods of its claim's namespace and
// the recycler pod as cached, what to do next. Upstream blocks one goroutine on a watch of the pod;
// here each change of the pod brings the volume back, so every step is decided from the caches.
import { posix } from 'node:path';
import { quantityValue, tryParseQuantity } from '../../machinery/quantity';
import type { KObject } from '../../machinery/types';
import { claimsOfPod } from '../pvcprotection/compute';
import type { Ev } from './compute';
import { pvSpec, volumeFitsNode } from './match';

/** Upstream's recycler pods live in the default namespace, one per volume. */
export const RECYCLER_NAMESPACE = 'default';
export const recyclerPodName = (pv: string): string => `recycler-for-${pv}`;
/** Which release a recycler pod scrubs for: "<volume uid>/<released claim uid>". */
export const ANN_RECYCLE_OF = 'berth.dev/recycle-of';
export const RECYCLER_IMAGE = 'busybox';
// Upstream's busybox-era scrub (today's `find -mindepth 1 -delete` needs GNU find; busybox's has no -delete).
const SCRUB = 'test -e /scrub && rm -rf /scrub/..?* /scrub/.[!.]* /scrub/* && test -z "$(ls -A /scrub)" || exit 1';

/** kube-controller-manager's defaults: --pv-recycler-minimum-timeout-{hostpath,nfs}, --pv-recycler-increment-timeout-nfs (also used for hostPath). */
const TIMEOUTS = { hostPath: { minimum: 60, increment: 30 }, nfs: { minimum: 300, increment: 30 } } as const;
const GI = 1024n ** 3n;

export const NO_RECYCLER = 'No recycler plugin found for the volume!';
/** The kubelet's status when activeDeadlineSeconds passed (the controller enforces it too: Berth's node does not). */
export const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';

type Source = { hostPath: Record<string, unknown> } | { nfs: Record<string, unknown> };

/** The pod volume source a recycler mounts, for the sources upstream recycles (hostPath, nfs). */
export function recyclerSource(pv: KObject): Source | undefined {
  const spec = (pv.spec ?? {}) as { hostPath?: { path?: string; type?: string }; nfs?: { server?: string; path?: string } };
  // Never the host's root, whatever the stored object says (validation refuses it on new PVs).
  if (spec.hostPath?.path && posix.normalize(spec.hostPath.path).replace(/\/+$/, '') === '') return undefined;
  if (spec.hostPath?.path) return { hostPath: { path: spec.hostPath.path, ...(spec.hostPath.type ? { type: spec.hostPath.type } : {}) } };
  if (spec.nfs?.server && spec.nfs.path) return { nfs: { server: spec.nfs.server, path: spec.nfs.path, readOnly: false } };
  return undefined;
}

/** upstream CalculateTimeoutForVolume: the minimum, or the increment per whole Gi, whichever is larger. */
export function recyclerTimeout(pv: KObject): number {
  const t = 'nfs' in (recyclerSource(pv) ?? {}) ? TIMEOUTS.nfs : TIMEOUTS.hostPath;
  const q = tryParseQuantity(pvSpec(pv).capacity?.['storage']);
  const perGi = q.ok ? Number(quantityValue(q.q) / GI) * t.increment : 0;
  return Math.max(t.minimum, perGi);
}

const recycleOf = (pv: KObject): string => `${pv.metadata.uid ?? ''}/${pvSpec(pv).claimRef?.uid ?? ''}`;

/** The recycler pod for the volume (upstream NewPersistentVolumeRecyclerPodTemplate + the plugin's overrides). */
export function recyclerPod(pv: KObject, source: Source, nodeName: string | undefined): KObject {
  const name = pv.metadata.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: recyclerPodName(name),
      namespace: RECYCLER_NAMESPACE,
      annotations: { [ANN_RECYCLE_OF]: recycleOf(pv) },
      // Garbage-collected with its volume.
      ownerReferences: [{ apiVersion: 'v1', kind: 'PersistentVolume', name, uid: pv.metadata.uid ?? '' }],
    },
    spec: {
      activeDeadlineSeconds: recyclerTimeout(pv),
      restartPolicy: 'Never',
      // A hostPath is on one node: the one the volume's node affinity names.
      ...(nodeName ? { nodeName } : {}),
      volumes: [{ name: 'vol', ...source }],
      containers: [{ name: 'pv-recycler', image: RECYCLER_IMAGE, command: ['/bin/sh'], args: ['-c', SCRUB], volumeMounts: [{ name: 'vol', mountPath: '/scrub' }] }],
    },
  };
}

interface PodStatus {
  phase?: string;
  message?: string;
  reason?: string;
  startTime?: string;
  containerStatuses?: { name?: string; state?: { running?: unknown; terminated?: { exitCode?: number; reason?: string; message?: string } } }[];
}
const podStatus = (pod: KObject): PodStatus => (pod.status ?? {});

/** upstream IsPodTerminated: finished, or being deleted with no container running. */
export function isPodTerminated(pod: KObject): boolean {
  const s = podStatus(pod);
  if (s.phase === 'Succeeded' || s.phase === 'Failed') return true;
  return pod.metadata.deletionTimestamp !== undefined && !(s.containerStatuses ?? []).some((c) => c.state?.running !== undefined);
}

/** upstream isVolumeUsed: "ns/name" of the pods not terminated that name the volume's claim. */
export function podsUsingVolume(pv: KObject, pods: readonly KObject[]): string[] {
  const ref = pvSpec(pv).claimRef;
  if (!ref?.name) return [];
  const users = pods.filter((p) => p.metadata.namespace === ref.namespace && !isPodTerminated(p) && claimsOfPod(p).includes(ref.name ?? ''));
  return users.map((p) => `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`).sort();
}

/** Why a finished recycler pod failed: its status message, else its container's exit. */
export function failureOf(pod: KObject): string {
  const s = podStatus(pod);
  if (s.message) return s.message;
  const t = s.containerStatuses?.find((c) => c.name === 'pv-recycler')?.state?.terminated;
  if (t) return `container pv-recycler exited with code ${t.exitCode ?? 'unknown'}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}`;
  return 'pod failed, pod.Status.Message unknown.';
}

export interface RecycleInput {
  /** Pods of the claim's namespace. */
  pods: readonly KObject[];
  /** A claim of the claimRef's name is in the cache (a new claim: its pods don't use this volume). */
  claimCached: boolean;
  /** The cached pod default/recycler-for-<volume>. */
  recycler: KObject | undefined;
  /**
   * The uid of the recycler pod this process created for the volume. Only that pod is trusted
   * (anyone who can create pods in `default` could make one of that name that exits 0 without
   * scrubbing); another — forged, or left by an earlier process — is replaced, as upstream does.
   */
  ownUid?: string | undefined;
  nodes: readonly KObject[];
  now: Date;
}

export type RecycleDecision =
  /** No recycler for this source (or no node for it): the volume is Failed. */
  | { action: 'fail'; event: Ev }
  | { action: 'wait'; event?: Ev; retryAfterMs?: number }
  | { action: 'create'; pod: KObject }
  /** A recycler pod of another release or a forged one: upstream deletes it and tries again. */
  | { action: 'replace'; pod: KObject }
  | { action: 'recycled'; pod: KObject; event: Ev }
  | { action: 'failed'; pod: KObject; event: Ev };

const warn = (message: string): Ev => ({ type: 'Warning', reason: 'VolumeFailedRecycle', message });

/** The node to run a recycler on: none needed without node affinity; else a cached node that fits. */
function pinnedNode(pv: KObject, nodes: readonly KObject[]): { node?: string } | undefined {
  if (!pvSpec(pv).nodeAffinity?.required) return {};
  const fit = nodes.find((n) => volumeFitsNode(pv, n));
  return fit ? { node: fit.metadata.name ?? '' } : undefined;
}

/** One step of recycling a Released volume whose policy is Recycle. */
export function decideRecycle(pv: KObject, input: RecycleInput): RecycleDecision {
  const source = recyclerSource(pv);
  if (!source) return { action: 'fail', event: warn(NO_RECYCLER) };
  const pod = input.recycler;
  if (pod && (pod.metadata.uid !== input.ownUid || pod.metadata.annotations?.[ANN_RECYCLE_OF] !== recycleOf(pv))) return { action: 'replace', pod };
  if (!pod) {
    const users = podsUsingVolume(pv, input.pods);
    // upstream records this as a Normal event with the VolumeFailedRecycle reason, and waits.
    if (users.length > 0 && !input.claimCached) return { action: 'wait', event: { type: 'Normal', reason: 'VolumeFailedRecycle', message: `Volume is used by pods: ${users.join(',')}` } };
    const pin = pinnedNode(pv, input.nodes);
    if (!pin) return { action: 'wait', event: warn(`Cannot recycle volume "${pv.metadata.name ?? ''}": no node matches its node affinity; add the node or fix spec.nodeAffinity`) };
    return { action: 'create', pod: recyclerPod(pv, source, pin.node) };
  }
  const s = podStatus(pod);
  if (s.phase === 'Succeeded') return { action: 'recycled', pod, event: { type: 'Normal', reason: 'VolumeRecycled', message: 'Volume recycled' } };
  if (s.phase === 'Failed') return { action: 'failed', pod, event: warn(`Recycle failed: failed to recycle volume: ${failureOf(pod)}`) };
  if (pod.metadata.deletionTimestamp) return { action: 'wait' };
  // The deadline counts from the node's start, or from creation while no node took the pod.
  const since = Date.parse(s.startTime ?? pod.metadata.creationTimestamp ?? '');
  const deadline = Number((pod.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds ?? recyclerTimeout(pv)) * 1000;
  if (Number.isNaN(since)) return { action: 'wait' };
  const left = since + deadline - input.now.getTime();
  if (left <= 0) return { action: 'failed', pod, event: warn(`Recycle failed: failed to recycle volume: ${DEADLINE_MESSAGE}`) };
  return { action: 'wait', retryAfterMs: left };
}
