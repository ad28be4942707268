// Per-kind field metadata for built-in kinds, taken from the Go struct tags in k8s.io/api:
// `patchStrategy`/`patchMergeKey` (strategic merge patch) and the +listType/+listMapKey/
// +structType/+mapType markers that become x-kubernetes-* in OpenAPI (server-side apply).
// Fields not listed behave as upstream's untagged fields: objects merge key by key, lists are atomic.

export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

export interface FieldSchema {
  patchStrategy?: PatchStrategy;
  patchMergeKey?: string;
  /** SSA list semantics; derived from patchStrategy/patchMergeKey when absent, as the OpenAPI generator does. */
  listType?: 'map' | 'set' | 'atomic';
  listMapKeys?: readonly string[];
  /** OpenAPI defaults of key fields, used when an item omits them (e.g. protocol: TCP). */
  keyDefaults?: Readonly<Record<string, unknown>>;
  /** +structType=atomic / +mapType=atomic: owned and replaced as a whole. */
  atomic?: boolean;
  /** A map[string]X (labels, data) rather than a struct: its entries are not named fields. */
  map?: boolean;
  /** Fields of the struct, or of each list item. */
  fields?: StructSchema;
}

export type StructSchema = { readonly [field: string]: FieldSchema };

const byName: FieldSchema = { patchStrategy: 'merge', patchMergeKey: 'name' };
const conditions: FieldSchema = { patchStrategy: 'merge', patchMergeKey: 'type' };
const strMap: FieldSchema = { map: true };
const atomic: FieldSchema = { atomic: true };
const atomicList: FieldSchema = { listType: 'atomic' };

export const objectMeta: StructSchema = {
  labels: strMap,
  annotations: strMap,
  finalizers: { patchStrategy: 'merge', listType: 'set' },
  ownerReferences: { patchStrategy: 'merge', patchMergeKey: 'uid' },
  managedFields: atomicList,
};

const envVarSource: StructSchema = { configMapKeyRef: atomic, secretKeyRef: atomic, fieldRef: atomic, resourceFieldRef: atomic };

const container: StructSchema = {
  ports: { patchStrategy: 'merge', patchMergeKey: 'containerPort', listMapKeys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } },
  env: { ...byName, fields: { valueFrom: { fields: envVarSource } } },
  volumeMounts: { patchStrategy: 'merge', patchMergeKey: 'mountPath' },
  volumeDevices: { patchStrategy: 'merge', patchMergeKey: 'devicePath' },
  resources: { fields: { limits: strMap, requests: strMap, claims: { listType: 'map', listMapKeys: ['name'] } } },
  resizePolicy: atomicList,
};

const labelSelector: FieldSchema = atomic;

export const podSpec: StructSchema = {
  volumes: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
  initContainers: { ...byName, fields: container },
  containers: { ...byName, fields: container },
  ephemeralContainers: { ...byName, fields: container },
  imagePullSecrets: byName,
  hostAliases: { patchStrategy: 'merge', patchMergeKey: 'ip' },
  topologySpreadConstraints: {
    patchStrategy: 'merge',
    patchMergeKey: 'topologyKey',
    listMapKeys: ['topologyKey', 'whenUnsatisfiable'],
    fields: { labelSelector },
  },
  resourceClaims: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
  schedulingGates: byName,
  nodeSelector: { map: true, atomic: true },
  tolerations: atomicList,
  readinessGates: atomicList,
  overhead: strMap,
  affinity: {
    fields: {
      podAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: atomicList } },
      podAntiAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: atomicList } },
      nodeAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: atomic } },
    },
  },
};

const podStatus: StructSchema = {
  conditions,
  podIPs: { patchStrategy: 'merge', patchMergeKey: 'ip' },
  hostIPs: { patchStrategy: 'merge', patchMergeKey: 'ip' },
  resourceClaimStatuses: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
  containerStatuses: atomicList,
  initContainerStatuses: atomicList,
  ephemeralContainerStatuses: atomicList,
};

const podTemplate: FieldSchema = { fields: { metadata: { fields: objectMeta }, spec: { fields: podSpec } } };
const conditionsStatus: FieldSchema = { fields: { conditions } };

const workload = (extra: StructSchema): StructSchema => ({
  spec: { fields: { selector: labelSelector, template: podTemplate, ...extra } },
  status: conditionsStatus,
});

const kinds: Record<string, StructSchema> = {
  '/Pod': { spec: { fields: podSpec }, status: { fields: podStatus } },
  '/PodTemplate': { template: podTemplate },
  '/ReplicationController': { spec: { fields: { selector: { map: true, atomic: true }, template: podTemplate } }, status: conditionsStatus },
  'apps/Deployment': workload({ strategy: { patchStrategy: 'retainKeys' } }),
  'apps/ReplicaSet': workload({}),
  'apps/StatefulSet': workload({ volumeClaimTemplates: atomicList }),
  'apps/DaemonSet': workload({}),
  'batch/Job': workload({}),
  'batch/CronJob': {
    spec: { fields: { jobTemplate: { fields: { metadata: { fields: objectMeta }, spec: { fields: { selector: labelSelector, template: podTemplate } } } } } },
    status: { fields: { active: atomicList } },
  },
  '/Service': {
    spec: {
      fields: {
        ports: { patchStrategy: 'merge', patchMergeKey: 'port', listMapKeys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } },
        selector: { map: true, atomic: true },
        clusterIPs: atomicList,
        externalIPs: atomicList,
        ipFamilies: atomicList,
        loadBalancerSourceRanges: atomicList,
      },
    },
    status: { fields: { conditions: { ...conditions, listMapKeys: ['type'] }, loadBalancer: { fields: { ingress: atomicList } } } },
  },
  '/Node': {
    spec: { fields: { podCIDRs: { patchStrategy: 'merge', listType: 'set' }, taints: atomicList } },
    status: { fields: { conditions, addresses: conditions, capacity: strMap, allocatable: strMap, images: atomicList, volumesInUse: atomicList, volumesAttached: atomicList } },
  },
  '/PersistentVolumeClaim': { spec: { fields: { accessModes: atomicList, selector: labelSelector } }, status: { fields: { conditions, capacity: strMap } } },
  '/PersistentVolume': { spec: { fields: { accessModes: atomicList, mountOptions: atomicList, capacity: strMap, claimRef: atomic } } },
  '/Namespace': { spec: { fields: { finalizers: atomicList } }, status: conditionsStatus },
  '/ServiceAccount': { secrets: byName, imagePullSecrets: atomicList },
  '/Endpoints': { subsets: atomicList },
  '/ConfigMap': { data: strMap, binaryData: strMap },
  '/Secret': { data: strMap, stringData: strMap },
  'autoscaling/HorizontalPodAutoscaler': { spec: { fields: { metrics: atomicList } }, status: { fields: { conditions, currentMetrics: atomicList } } },
  'policy/PodDisruptionBudget': { spec: { fields: { selector: labelSelector } }, status: { fields: { conditions: { ...conditions, listMapKeys: ['type'] }, disruptedPods: strMap } } },
};

const generic: StructSchema = {};

/** The root schema of an object of the given kind; unknown kinds get only metadata's rules. */
export function schemaFor(gvk: { group: string; kind: string }): FieldSchema {
  const own = kinds[`${gvk.group}/${gvk.kind}`] ?? generic;
  return { fields: { metadata: { fields: objectMeta }, ...own } };
}

/** The schema of `field` inside a struct/list-item schema (empty when untagged). */
export function child(s: FieldSchema | undefined, field: string): FieldSchema {
  return s?.fields?.[field] ?? {};
}

/** SSA list type and keys as OpenAPI publishes them. */
export function listTypeOf(s: FieldSchema): { type: 'map' | 'set' | 'atomic'; keys: readonly string[] } {
  if (s.listType === 'map' || (!s.listType && s.patchMergeKey && s.patchStrategy?.startsWith('merge'))) {
    return { type: 'map', keys: s.listMapKeys ?? (s.patchMergeKey ? [s.patchMergeKey] : []) };
  }
  if (s.listType === 'set' || (!s.listType && s.patchStrategy?.startsWith('merge'))) return { type: 'set', keys: [] };
  return { type: 'atomic', keys: [] };
}
