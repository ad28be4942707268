// Typed views of the Deployment and ReplicaSet fields the deployment controller reads.
import type { LabelSelector } from '../../machinery/selectors';
import type { KObject } from '../../machinery/types';

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

export const dSpec = (d: KObject): DeploymentSpec => (d.spec ?? {});
export const dStatus = (d: KObject): DeploymentStatus => (d.status ?? {});
export const dReplicas = (d: KObject): number => dSpec(d).replicas ?? 1;

interface RsView {
  spec: { replicas?: number; minReadySeconds?: number; template?: unknown; selector?: LabelSelector };
  status: { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number; conditions?: DeploymentCondition[] };
}
export const rsReplicas = (rs: KObject): number => (rs as unknown as RsView).spec?.replicas ?? 0;
export const rsStatusOf = (rs: KObject): RsView['status'] => ((rs as unknown as RsView).status ?? {});

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const TEMPLATE_HASH = 'pod-template-hash';

export const rfc = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
export const created = (o: KObject): number => Date.parse(o.metadata.creationTimestamp ?? '') || 0;

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreation(a: KObject, b: KObject): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** FilterActiveReplicaSets: non-nil with spec.replicas > 0. */
export const active = (rss: readonly (KObject | undefined)[]): KObject[] => rss.filter((r): r is KObject => !!r && rsReplicas(r) > 0);
export const sumSpec = (rss: readonly (KObject | undefined)[]): number => rss.reduce((n, r) => n + (r ? rsReplicas(r) : 0), 0);
export const sumStatus = (rss: readonly (KObject | undefined)[], k: 'replicas' | 'readyReplicas' | 'availableReplicas'): number =>
  rss.reduce((n, r) => n + (r ? (rsStatusOf(r)[k] ?? 0) : 0), 0);
