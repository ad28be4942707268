// A StatefulSet's ControllerRevisions (upstream: pkg/controller/history and the set's
// getStatefulSetRevisions/truncateHistory): each distinct template is stored once as a revision
// `<set>-<hash>` whose data is the template patch; the newest is the update revision, and
// pods below the partition are re-created from the current one. Pure functions over the lists.
import { controllerRefTo } from '../replicaset/pods';
import { deepEqual } from '../../machinery/deep-equal';
import type { KObject } from '../../machinery/types';
import { podRevision, stsSpec, stsStatus, updateRevision } from './compute';

/** The hash label a ControllerRevision carries (the pods carry the whole name). */
export const HASH_LABEL = 'controller.kubernetes.io/hash';

export interface Revision extends KObject {
  data?: { spec?: { template?: Record<string, unknown> } };
  revision?: number;
}

/** The revision's data: the template as a replacing patch, as upstream stores it. */
export function revisionData(set: KObject): NonNullable<Revision['data']> {
  return { spec: { template: { ...structuredClone(stsSpec(set).template ?? {}), $patch: 'replace' } } };
}

/** The template a revision holds (the patch directive removed). */
export function revisionTemplate(rev: Revision): Record<string, unknown> {
  const t = { ...(rev.data?.spec?.template ?? {}) };
  delete t['$patch'];
  return t;
}

export const revisionNumber = (r: Revision): number => (typeof r.revision === 'number' ? r.revision : 0);
const byNumber = (a: Revision, b: Revision) => revisionNumber(a) - revisionNumber(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** A new revision object for the set's template, numbered `n`. */
export function newRevision(set: KObject, n: number): Revision {
  const name = updateRevision(set);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: set.metadata.namespace ?? '',
      labels: { ...(stsSpec(set).template?.metadata?.labels ?? {}), [HASH_LABEL]: name.slice((set.metadata.name ?? '').length + 1) },
      ownerReferences: [controllerRefTo(set, 'apps/v1', 'StatefulSet')],
    },
    data: revisionData(set),
    revision: n,
  };
}

export type HistoryStep =
  | { op: 'none' }
  | { op: 'create'; revision: Revision }
  | { op: 'renumber'; name: string; revision: number }
  | { op: 'collision' };

/**
 * What to do so the set's current template has a revision (upstream's order): an existing
 * revision with equal data that is already the newest is reused; an older equal one (a rollback)
 * is renumbered to be the newest; otherwise a new one is created — unless its name is taken by
 * different data (a hash collision: bump status.collisionCount and try again).
 */
export function historyStep(set: KObject, revisions: readonly Revision[]): HistoryStep {
  const sorted = [...revisions].sort(byNumber);
  const next = (sorted.length ? revisionNumber(sorted[sorted.length - 1] as Revision) : 0) + 1;
  const want = newRevision(set, next);
  const equal = sorted.filter((r) => deepEqual(r.data, want.data));
  const newest = sorted[sorted.length - 1];
  const lastEqual = equal[equal.length - 1];
  if (lastEqual && lastEqual === newest) return { op: 'none' };
  if (lastEqual) return { op: 'renumber', name: lastEqual.metadata.name ?? '', revision: next };
  if (sorted.some((r) => r.metadata.name === want.metadata.name)) return { op: 'collision' };
  return { op: 'create', revision: want };
}

/** The revision named by status.currentRevision, else the update revision. */
export function currentRevisionOf(set: KObject, revisions: readonly Revision[], update: Revision | undefined): Revision | undefined {
  const name = stsStatus(set).currentRevision;
  return revisions.find((r) => r.metadata.name === name) ?? update;
}

/**
 * Revisions to delete: those no pod uses and that are neither current nor update, oldest first,
 * beyond spec.revisionHistoryLimit (default 10).
 */
export function revisionsToPrune(set: KObject, revisions: readonly Revision[], pods: readonly KObject[], live: readonly string[]): string[] {
  const limit = Math.max(0, (stsSpec(set) as { revisionHistoryLimit?: number }).revisionHistoryLimit ?? 10);
  const used = new Set([...live, ...pods.map(podRevision)]);
  const history = [...revisions].filter((r) => !used.has(r.metadata.name ?? '')).sort(byNumber);
  return history.slice(0, Math.max(0, history.length - limit)).map((r) => r.metadata.name ?? '');
}

/**
 * Whether ordinal index `i` is (re)created at the current revision rather than the update one
 * (upstream's newVersionedStatefulSetPod): under RollingUpdate, below the partition.
 */
export function usesCurrentRevision(set: KObject, index: number): boolean {
  const strategy = stsSpec(set).updateStrategy ?? {};
  if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return false;
  const partition = strategy.rollingUpdate?.partition;
  if (partition === undefined) return index < (stsStatus(set).currentReplicas ?? 0);
  return index < partition;
}

/** The set as it was at `rev` (its template replaced), for creating pods of that revision. */
export function setAtRevision(set: KObject, rev: Revision): KObject {
  return { ...set, spec: { ...(set.spec ?? {}), template: revisionTemplate(rev) } };
}
