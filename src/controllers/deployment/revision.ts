// Which ReplicaSet is "new" (its template equals the Deployment's, ignoring the hash label), the
// revision annotations, and which old ReplicaSets revisionHistoryLimit lets go (upstream:
// deployment/util/deployment_util.go, sync.go).
import { controllerRefTo } from '../replicaset/pods';
import { semanticEqual } from '../../machinery/resources/storage-apps-util';
import type { KObject } from '../../machinery/types';
import { computeHash } from './hash';
import {
  DESIRED_REPLICAS, MAX_REPLICAS, REVISION, REVISION_HISTORY, TEMPLATE_HASH,
  byCreation, dReplicas, dSpec, dStatus, rsReplicas, rsStatusOf,
} from './model';

/** Annotations a Deployment never copies to its ReplicaSets. */
const SKIP_COPY = new Set([
  'kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, 'deprecated.deployment.rollback.to',
]);

/** Upstream's limit on the revision-history annotation's length. */
export const MAX_REV_HISTORY_CHARS = 2000;

export function revisionOf(o: KObject): number {
  const v = o.metadata.annotations?.[REVISION];
  const n = v === undefined ? 0 : Number(v);
  return Number.isInteger(n) ? n : 0;
}

export const maxRevision = (rss: readonly KObject[]): number => Math.max(0, ...rss.map(revisionOf));

function withoutHash(template: unknown): unknown {
  const t = structuredClone((template ?? {}) as { metadata?: { labels?: Record<string, string> } });
  if (t.metadata?.labels) delete t.metadata.labels[TEMPLATE_HASH];
  return t;
}

/** EqualIgnoreHash. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

const templateOf = (o: KObject): unknown => (o.spec as { template?: unknown } | undefined)?.template;

/** FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's. */
export function findNewRS(d: KObject, rss: readonly KObject[]): KObject | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(templateOf(rs), templateOf(d)));
}

export function findOldRSs(d: KObject, rss: readonly KObject[]): KObject[] {
  const newRS = findNewRS(d, rss);
  return rss.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
}

/** SetReplicasAnnotations on a copy; returns whether anything changed. */
export function setReplicasAnnotations(annotations: Record<string, string>, desired: number, max: number): boolean {
  let changed = false;
  for (const [k, v] of [[DESIRED_REPLICAS, String(desired)], [MAX_REPLICAS, String(max)]] as const) {
    if (annotations[k] !== v) {
      annotations[k] = v;
      changed = true;
    }
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations: Deployment annotations copied over, revision raised to
 * `newRevision` with the old one appended to revision-history, and (for a ReplicaSet being
 * created) the replicas annotations. Mutates `annotations`; returns whether anything changed.
 */
export function setNewRSAnnotations(
  d: KObject, annotations: Record<string, string>, newRevision: number, exists: boolean, maxSurgeValue: number,
  limitChars = MAX_REV_HISTORY_CHARS,
): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIP_COPY.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldText = annotations[REVISION];
  const old = oldText === undefined ? 0 : Number(oldText);
  if (oldText !== undefined && !Number.isInteger(old)) return false;
  if (old < newRevision) {
    annotations[REVISION] = String(newRevision);
    changed = true;
  }
  if (oldText !== undefined && old < newRevision) {
    const history = annotations[REVISION_HISTORY] ?? '';
    if (!history) annotations[REVISION_HISTORY] = oldText;
    else {
      let parts = history.split(',');
      let total = history.length + oldText.length + 1;
      let start = 0;
      while (total > limitChars && start < parts.length) total -= (parts[start++] ?? '').length + 1;
      if (total <= limitChars) {
        parts = [...parts.slice(start), oldText];
        annotations[REVISION_HISTORY] = parts.join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(annotations, dReplicas(d), dReplicas(d) + maxSurgeValue)) changed = true;
  return changed;
}

/** The ReplicaSet a Deployment creates for its current template (before sizing and annotations). */
export function newReplicaSetFor(d: KObject): { rs: KObject; hash: string } {
  const spec = dSpec(d);
  const hash = computeHash(spec.template, dStatus(d).collisionCount);
  const template = structuredClone(spec.template ?? {});
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [TEMPLATE_HASH]: hash } };
  const selector = structuredClone(spec.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [TEMPLATE_HASH]: hash };
  const rs: KObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name ?? ''}-${hash}`,
      namespace: d.metadata.namespace ?? '',
      ownerReferences: [controllerRefTo(d, 'apps/v1', 'Deployment')],
      labels: template.metadata.labels ?? {},
      annotations: {},
    },
    spec: { replicas: 0, minReadySeconds: spec.minReadySeconds ?? 0, selector, template },
  };
  return { rs, hash };
}

/**
 * cleanupDeployment: the oldest-revision old ReplicaSets beyond revisionHistoryLimit that are
 * fully scaled down and settled.
 */
export function historyToDelete(d: KObject, oldRSs: readonly KObject[]): KObject[] {
  const limit = dSpec(d).revisionHistoryLimit;
  if (limit === undefined) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  const sorted = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  return sorted.slice(0, diff).filter((rs) => (rsStatusOf(rs).replicas ?? 0) === 0 && rsReplicas(rs) === 0 && (rs.metadata.generation ?? 0) <= (rsStatusOf(rs).observedGeneration ?? 0));
}
