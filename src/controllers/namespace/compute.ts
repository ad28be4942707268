// The namespace controller's decisions (upstream: deletion/namespaced_resources_deleter.go and
// status_condition_utils.go), as pure functions.
import { rfc3339 } from '../../machinery/clock';
import type { KObject } from '../../machinery/types';

export const FINALIZER_KUBERNETES = 'kubernetes';
/** Assumed time for finalizers on remaining items to finish (upstream's finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

const conditionTypes = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

// Upstream's okReasons/okMessages, [reason, message] for each type when nothing is wrong.
const ok: Record<(typeof conditionTypes)[number], [string, string]> = {
  NamespaceDeletionDiscoveryFailure: ['ResourcesDiscovered', 'All resources successfully discovered'],
  NamespaceDeletionGroupVersionParsingFailure: ['ParsedGroupVersions', 'All legacy kube types successfully parsed'],
  NamespaceDeletionContentFailure: ['ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
  NamespaceContentRemaining: ['ContentRemoved', 'All content successfully removed'],
  NamespaceFinalizersRemaining: ['ContentHasNoFinalizers', 'All content-preserving finalizers finished'],
};

/** What deleting one resource's content in the namespace left behind. */
export interface ResourceResult {
  /** "pods", "deployments.apps": upstream prints resource.group (core: "pods."). */
  resource: string;
  group: string;
  estimateSeconds: number;
  remaining: number;
  finalizers: Record<string, number>;
  error?: string;
}

export interface ContentReport {
  discoveryError?: string;
  results: ResourceResult[];
}

/** Upstream's deleteAllContentForGroupVersionResource tail: judge what a re-list still shows. */
export function judgeRemaining(gvr: { group: string; version: string; resource: string }, namespace: string, items: readonly KObject[], estimateSeconds: number): ResourceResult {
  const { group, version, resource } = gvr;
  const base = { resource, group, estimateSeconds, remaining: items.length, finalizers: {} as Record<string, number> };
  if (items.length === 0) return { ...base, estimateSeconds: 0 };
  for (const it of items) for (const f of it.metadata.finalizers ?? []) base.finalizers[f] = (base.finalizers[f] ?? 0) + 1;
  if (estimateSeconds !== 0) return base;
  if (Object.keys(base.finalizers).length > 0) return { ...base, estimateSeconds: FINALIZER_ESTIMATE_SECONDS };
  // Go's GroupVersionResource.String(): "apps/v1, Resource=deployments", "/v1, Resource=pods".
  return { ...base, error: `unexpected items still remain in namespace: ${namespace} for gvr: ${group}/${version}, Resource=${resource}` };
}

/** Longest grace period among pods still running, unless the namespace has been deleting longer. */
export function estimatePods(pods: readonly KObject[], deletedAt: string, now: Date): number {
  let estimate = 0;
  for (const p of pods) {
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const grace = (p.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds;
    if (typeof grace === 'number' && grace > estimate) estimate = grace;
  }
  const elapsed = (now.getTime() - new Date(deletedAt).getTime()) / 1000;
  return elapsed >= estimate ? 0 : estimate;
}

export function overallEstimate(report: ContentReport): number {
  return Math.max(0, ...report.results.map((r) => r.estimateSeconds));
}

/**
 * The conditions deleteAllContent sets: a failing one where something is wrong, the "ok" one
 * otherwise, in upstream's conditionTypes order (new conditions are appended in this order).
 */
export function desiredConditions(report: ContentReport): Map<string, Omit<NamespaceCondition, 'lastTransitionTime'>> {
  const out = new Map<string, Omit<NamespaceCondition, 'lastTransitionTime'>>();
  if (report.discoveryError !== undefined) {
    out.set('NamespaceDeletionDiscoveryFailure', { type: 'NamespaceDeletionDiscoveryFailure', status: 'True', reason: 'DiscoveryFailed', message: report.discoveryError });
  }
  const errs = report.results.flatMap((r) => (r.error ? [r.error] : [])).sort();
  if (errs.length) {
    out.set('NamespaceDeletionContentFailure', {
      type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${errs.length} remaining: ${errs.join(', ')}`,
    });
  }
  const remaining = report.results.filter((r) => r.remaining > 0);
  if (remaining.length) {
    const parts = remaining.map((r) => `${r.resource}.${r.group} has ${r.remaining} resource instances`).sort();
    out.set('NamespaceContentRemaining', { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${parts.join(', ')}` });
    const byFinalizer: Record<string, number> = {};
    for (const r of remaining) for (const [f, n] of Object.entries(r.finalizers)) byFinalizer[f] = (byFinalizer[f] ?? 0) + n;
    const fparts = Object.entries(byFinalizer).filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
    if (Object.keys(byFinalizer).length) {
      out.set('NamespaceFinalizersRemaining', {
        type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain',
        message: `Some content in the namespace has finalizers remaining: ${fparts.join(', ')}`,
      });
    }
  }
  return new Map(conditionTypes.map((t) => [t, out.get(t) ?? { type: t, status: 'False', reason: ok[t][0], message: ok[t][1] }]));
}

/** upstream updateConditions: new types appended; changed ones updated in place (time moves only on status change). */
export function updateConditions(existing: readonly NamespaceCondition[], report: ContentReport, now: Date): { conditions: NamespaceCondition[]; changed: boolean } {
  const conditions = existing.map((c) => ({ ...c }));
  let changed = false;
  const ts = rfc3339(now);
  for (const want of desiredConditions(report).values()) {
    const old = conditions.find((c) => c.type === want.type);
    if (!old) {
      conditions.push({ ...want, lastTransitionTime: ts });
      changed = true;
    } else if (old.status !== want.status || old.message !== want.message || old.reason !== want.reason) {
      if (old.status !== want.status) old.lastTransitionTime = ts;
      Object.assign(old, { status: want.status, reason: want.reason, message: want.message });
      changed = true;
    }
  }
  return { conditions, changed };
}

/** spec.finalizers without ours, sorted and de-duplicated as upstream's finalizeNamespace does. */
export function finalizedSpec(finalizers: readonly string[], token = FINALIZER_KUBERNETES): string[] {
  return [...new Set(finalizers.filter((f) => f !== token))].sort();
}

/** Upstream requeues a namespace with remaining content after estimate/2 + 1 seconds. */
export function requeueSeconds(estimate: number): number {
  return Math.floor(estimate / 2) + 1;
}
