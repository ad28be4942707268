// The StatefulSet controller's decisions (upstream: pkg/controller/statefulset/
// stateful_set_control.go and stateful_set_utils.go), as pure functions over the set and its pods.
import type { LabelSelector } from '../../machinery/selectors';
import type { KObject, OwnerReference } from '../../machinery/types';
import { computeHash } from '../deployment/hash';
import { isPodAvailable, isPodReady, podPhase, controllerRefTo } from '../replicaset/pods';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

interface ClaimTemplate { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown }
export interface StsSpec {
  replicas?: number;
  serviceName?: string;
  selector?: LabelSelector;
  podManagementPolicy?: string;
  minReadySeconds?: number;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
  volumeClaimTemplates?: ClaimTemplate[];
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  ordinals?: { start?: number };
  revisionHistoryLimit?: number;
}
export interface StsStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
}

export const stsSpec = (s: KObject): StsSpec => (s.spec ?? {});
export const stsStatus = (s: KObject): Partial<StsStatus> => (s.status ?? {});
const setName = (s: KObject): string => s.metadata.name ?? '';
/** The first ordinal (spec.ordinals.start, default 0). */
export const startOrdinal = (s: KObject): number => Math.max(0, stsSpec(s).ordinals?.start ?? 0);

/** The revision name (upstream: the ControllerRevision's name, `<set>-<hash of the template>`). */
export function updateRevision(set: KObject): string {
  return `${setName(set)}-${computeHash(stsSpec(set).template ?? {}, stsStatus(set).collisionCount ?? 0)}`;
}

export const podName = (set: KObject, ordinal: number): string => `${setName(set)}-${ordinal}`;
export const claimName = (template: string, set: KObject, ordinal: number): string => `${template}-${podName(set, ordinal)}`;

/** The ordinal in a pod's name `<set>-<n>`, or -1 when the pod is not one of this set's. */
export function ordinalOf(set: KObject, pod: KObject): number {
  const prefix = `${setName(set)}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

export const podRevision = (p: KObject): string => p.metadata.labels?.[REVISION_LABEL] ?? '';
export const isTerminating = (p: KObject): boolean => Boolean(p.metadata.deletionTimestamp);
export const isCreated = (p: KObject): boolean => podPhase(p) !== '';
export const isFailed = (p: KObject): boolean => podPhase(p) === 'Failed' || podPhase(p) === 'Succeeded';
export const isRunningAndReady = (p: KObject): boolean => podPhase(p) === 'Running' && isPodReady(p);
/** Upstream's isHealthy: running, ready (and available after minReadySeconds), not terminating. */
export function isHealthy(p: KObject, minReadySeconds: number, now: Date): boolean {
  return isRunningAndReady(p) && !isTerminating(p) && isPodAvailable(p, minReadySeconds, now);
}

/** The pod for `ordinal`: template + identity (name, labels, hostname, subdomain) + claims. */
export function newPod(set: KObject, ordinal: number, revision: string): KObject {
  const spec = stsSpec(set);
  const t = spec.template ?? {};
  const name = podName(set, ordinal);
  const podSpec: Record<string, unknown> = structuredClone(t.spec ?? {});
  const templates = spec.volumeClaimTemplates ?? [];
  const claimVolumes = templates.map((c) => ({ name: c.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(c.metadata?.name ?? '', set, ordinal) } }));
  const taken = new Set(claimVolumes.map((v) => v.name));
  // A claim template replaces a template volume of the same name, as upstream's updateStorage.
  const kept = ((podSpec['volumes'] ?? []) as { name?: string }[]).filter((v) => !taken.has(v.name ?? ''));
  if (claimVolumes.length || kept.length) podSpec['volumes'] = [...kept, ...claimVolumes];
  podSpec['hostname'] = name;
  if (spec.serviceName) podSpec['subdomain'] = spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace ?? '',
      labels: { ...(t.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [controllerRefTo(set, 'apps/v1', 'StatefulSet')],
    },
    spec: podSpec,
  };
}

/**
 * The owner references a claim should carry (upstream's claim retention): the set when
 * whenDeleted=Delete; instead the pod when whenScaled=Delete and its ordinal is being scaled away.
 * References to anything else are kept.
 */
export function claimOwnerRefs(set: KObject, pod: KObject | undefined, ordinal: number, existing: readonly OwnerReference[] = []): OwnerReference[] {
  const policy = stsSpec(set).persistentVolumeClaimRetentionPolicy ?? {};
  const replicas = stsSpec(set).replicas ?? 1;
  const ours = new Set([set.metadata.uid, pod?.metadata.uid].filter(Boolean));
  const out = existing.filter((r) => !ours.has(r.uid) && !(r.kind === 'StatefulSet' && r.name === setName(set)));
  // A scaled-away claim goes with its pod alone: the set reference would keep it alive.
  if (policy.whenScaled === 'Delete' && pod && (ordinal >= startOrdinal(set) + replicas || ordinal < startOrdinal(set))) out.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', controller: false, blockOwnerDeletion: true });
  else if (policy.whenDeleted === 'Delete') out.push(controllerRefTo(set, 'apps/v1', 'StatefulSet'));
  return out;
}

/** The claims for `ordinal` (upstream's getPersistentVolumeClaims + retention references). */
export function newClaims(set: KObject, ordinal: number): KObject[] {
  const spec = stsSpec(set);
  return (spec.volumeClaimTemplates ?? []).map((c) => {
    const refs = claimOwnerRefs(set, undefined, ordinal);
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName(c.metadata?.name ?? '', set, ordinal),
        namespace: set.metadata.namespace ?? '',
        labels: { ...(c.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
        ...(c.metadata?.annotations ? { annotations: { ...c.metadata.annotations } } : {}),
        ...(refs.length ? { ownerReferences: refs } : {}),
      },
      spec: structuredClone(c.spec ?? {}),
    };
  });
}

export const sameRefs = (a: readonly OwnerReference[], b: readonly OwnerReference[]): boolean =>
  a.length === b.length && a.every((r) => b.some((x) => x.uid === r.uid && x.kind === r.kind && (x.controller ?? false) === (r.controller ?? false)));
