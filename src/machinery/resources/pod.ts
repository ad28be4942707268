// core/v1 Pod: strategy (defaults, create/update preparation, validation), fields and table.
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { type JsonObject, type KObject, isObject } from '../types';
import { compareQuantity, tryParseQuantity, addQuantity, type Quantity } from '../quantity';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { arr, col, clone, ensureObj, keepStatus, nameColumn, ageColumn, obj, str } from './common';
import { admitPodSpec, defaultPodOnly, defaultPodSpec, validatePodSpec } from './pod-spec';
import { podRow } from './pod-printer';

const UPDATABLE = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** QoS class as qos.GetPodQOS computes it (cpu and memory only). */
export function podQOSClass(spec: JsonObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)].map(obj)) {
    const res = obj(c.resources);
    for (const [kind, target] of [['requests', requests], ['limits', limits]] as const) {
      const found = new Set<string>();
      for (const [name, raw] of Object.entries(obj(res[kind]))) {
        if (name !== 'cpu' && name !== 'memory') continue;
        const q = tryParseQuantity(raw);
        if (!q.ok || q.q.mant <= 0n) continue;
        found.add(name);
        const prev = target.get(name);
        target.set(name, prev ? addQuantity(prev, q.q) : q.q);
      }
      if (kind === 'limits' && !(found.has('cpu') && found.has('memory'))) guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantity(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** podIP/podIPs and hostIP/hostIPs mirror each other, as v1 conversion keeps them. */
function syncIPs(status: JsonObject): void {
  for (const [one, many] of [['podIP', 'podIPs'], ['hostIP', 'hostIPs']] as const) {
    const list = arr(status[many]);
    if (str(status[one]) && list.length === 0) status[many] = [{ ip: status[one] }];
    else if (!str(status[one]) && list.length > 0) status[one] = str(obj(list[0]).ip);
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function validatePodSpecUpdate(spec: JsonObject, old: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const sp = new Path('spec');
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = Number(spec.activeDeadlineSeconds);
    if (old.activeDeadlineSeconds !== undefined && old.activeDeadlineSeconds !== null && Number(old.activeDeadlineSeconds) < v) {
      errs.push(fe.invalid(sp.child('activeDeadlineSeconds'), v, 'must be less than or equal to previous value'));
    }
  } else if (old.activeDeadlineSeconds !== undefined && old.activeDeadlineSeconds !== null) {
    errs.push(fe.invalid(sp.child('activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }
  // Build the spec as it would be if only the updatable fields changed, then compare.
  const munged = clone(spec);
  for (const list of ['containers', 'initContainers'] as const) {
    const newList = arr(munged[list]);
    const oldList = arr(old[list]);
    if (newList.length === oldList.length) newList.forEach((c, i) => isObject(c) && (c.image = obj(oldList[i]).image));
  }
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  if (arr(old.tolerations).every((t) => arr(spec.tolerations).some((n) => same(t, n)))) munged.tolerations = old.tolerations;
  if (Number(old.terminationGracePeriodSeconds) < 0 && spec.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  if (arr(spec.schedulingGates).every((g) => arr(old.schedulingGates).some((o) => same(g, o)))) munged.schedulingGates = old.schedulingGates;
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (!same(munged, Object.fromEntries(Object.entries(old).filter(([, v]) => v !== undefined)))) {
    const keys = [...new Set([...Object.keys(munged), ...Object.keys(old)])].sort();
    const diff = keys.filter((k) => !same(munged[k], old[k])).map((k) => `  spec.${k}: ${JSON.stringify(old[k] ?? null)} -> ${JSON.stringify(munged[k] ?? null)}`);
    errs.push(fe.forbidden(sp, `pod updates may not change fields other than ${UPDATABLE.join(',')}\n${diff.join('\n')}`));
  }
  return errs;
}

/** The binding subresource: assigns a node, or returns upstream's conflict reason. */
export function bindPod(pod: KObject, nodeName: string, annotations: Record<string, string> | undefined, now: Date): string | undefined {
  const spec = ensureObj(pod, 'spec');
  if (str(spec.nodeName)) return `pod ${pod.metadata.name ?? ''} is already assigned to node "${str(spec.nodeName)}"`;
  if (pod.metadata.deletionTimestamp) return `pod ${pod.metadata.name ?? ''} is being deleted, cannot be assigned to a host`;
  spec.nodeName = nodeName;
  if (annotations && Object.keys(annotations).length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
  const status = ensureObj(pod, 'status');
  const conds = arr(status.conditions).map(obj).filter((c) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z') });
  status.conditions = conds;
  return undefined;
}

export const podDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'proxy', 'eviction', 'ephemeralcontainers'],
  generation: false,
  returnDeletedObject: true,
  // A pod on a node is deleted gracefully: the kubelet stops it, then finishes the delete.
  gracefulDeletionSeconds(o, requested) {
    const spec = obj(o.spec);
    const phase = str(obj(o.status).phase);
    if (!str(spec.nodeName) || phase === 'Succeeded' || phase === 'Failed') return 0;
    const grace = requested ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
    return Math.max(0, grace);
  },

  default(o) {
    const spec = ensureObj(o, 'spec');
    defaultPodOnly(spec);
    defaultPodSpec(spec);
    if (isObject(o.status)) syncIPs(o.status);
  },
  prepareForCreate(o) {
    const spec = ensureObj(o, 'spec');
    admitPodSpec(spec);
    const status: JsonObject = { phase: 'Pending', qosClass: podQOSClass(spec) };
    if (arr(spec.schedulingGates).length) {
      status.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates', lastProbeTime: null, lastTransitionTime: null }];
    }
    o.status = status;
  },
  prepareForUpdate(o, old) {
    keepStatus(o, old);
  },
  prepareForStatusUpdate(o, old) {
    o.spec = clone(old.spec);
    // Old kubelets corrupt owner references through pods/status; upstream ignores them there.
    if (old.metadata.ownerReferences) o.metadata.ownerReferences = clone(old.metadata.ownerReferences);
    else delete o.metadata.ownerReferences;
  },
  validate(o) {
    return [
      ...validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }),
      ...validatePodSpec(obj(o.spec), new Path('spec')),
    ];
  },
  validateUpdate(o, old) {
    return [...validatePodSpecUpdate(obj(o.spec), obj(old.spec))];
  },
  fields(o) {
    const spec = obj(o.spec);
    const status = obj(o.status);
    return {
      'spec.nodeName': str(spec.nodeName),
      'spec.restartPolicy': str(spec.restartPolicy),
      'spec.schedulerName': str(spec.schedulerName),
      'spec.serviceAccountName': str(spec.serviceAccountName),
      'spec.hostNetwork': String(spec.hostNetwork === true),
      'status.phase': str(status.phase),
      'status.podIP': str(status.podIP),
      'status.nominatedNodeName': str(status.nominatedNodeName),
    };
  },
  table: {
    columns: [
      nameColumn(),
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      ageColumn(),
      col('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { priority: 1 }),
      col('Node', 'The node this pod is scheduled onto.', { priority: 1 }),
      col('Nominated Node', 'The node the scheduler nominated for this pod while preempting others.', { priority: 1 }),
      col('Readiness Gates', 'Pod conditions that must be true, besides container readiness, for the pod to be ready.', { priority: 1 }),
    ],
    row: podRow,
  },
};
