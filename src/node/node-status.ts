// The Node status the kubelet posts, as pure functions of host facts and the API's current
// Node: capacity/allocatable, the four conditions with upstream reasons, addresses, endpoints,
// nodeInfo; heartbeat and transition times handled as the kubelet's setters do.
import type { KObject } from '../machinery/types';
import { NODE_TOPOLOGY_KEY } from '../storage/csi/types';

/** The version the node reports (the API server's, as kubeadm clusters match them). */
export const KUBELET_VERSION = 'v1.32.0+berth';

export interface NodeFacts {
  cpus: number;
  memoryBytes: number;
  diskBytes: number;
  hostname: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  architecture: string;
}

export interface NodeCondition {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

export interface NodeIdentity {
  nodeName: string;
  address: string;
  kubeletPort: number;
  capacity?: Record<string, string>;
  controlPlane?: boolean;
}

/** The kubelet's hard eviction defaults, subtracted from capacity for allocatable. */
const MEMORY_RESERVE_BYTES = 100 * 1024 * 1024;
const DISK_RESERVE_FRACTION = 0.1;
export const MAX_PODS = 110;

export function nodeLabels(o: Pick<NodeIdentity, 'nodeName' | 'controlPlane'>, arch = 'amd64'): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': o.nodeName,
    'kubernetes.io/os': 'linux',
    // The built-in CSI drivers' topology key: their provisioned PVs have node affinity on it.
    [NODE_TOPOLOGY_KEY]: o.nodeName,
    ...(o.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
  };
}

/** The healthy conditions, in the kubelet's order. */
export function conditionDefaults(): Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>[] {
  return [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
}

const rfc = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const ki = (bytes: number): string => `${Math.floor(bytes / 1024)}Ki`;

export function capacityOf(facts: NodeFacts, overrides: Record<string, string> = {}): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const capacity: Record<string, string> = {
    cpu: String(facts.cpus),
    'ephemeral-storage': ki(facts.diskBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: ki(facts.memoryBytes),
    pods: String(MAX_PODS),
    ...overrides,
  };
  const allocatable: Record<string, string> = {
    ...capacity,
    // Bytes, as the kubelet prints allocatable storage after subtracting the eviction threshold.
    'ephemeral-storage': String(Math.floor(facts.diskBytes * (1 - DISK_RESERVE_FRACTION))),
    memory: ki(Math.max(0, facts.memoryBytes - MEMORY_RESERVE_BYTES)),
    ...overrides,
  };
  return { capacity, allocatable };
}

/**
 * The status to post. Conditions keep their transition time while their status holds; every
 * post refreshes lastHeartbeatTime.
 */
export function desiredNodeStatus(
  o: NodeIdentity, facts: NodeFacts, conditions: readonly Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>[], current: KObject | undefined, now: Date,
): Record<string, unknown> {
  const prev = (((current?.status ?? {}) as { conditions?: NodeCondition[] }).conditions ?? []);
  const t = rfc(now);
  const conds: NodeCondition[] = conditions.map((c) => {
    const old = prev.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: t, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : t };
  });
  return {
    ...capacityOf(facts, o.capacity),
    conditions: conds,
    addresses: [{ type: 'InternalIP', address: o.address }, { type: 'Hostname', address: o.nodeName }],
    daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
    nodeInfo: {
      machineID: facts.machineID,
      systemUUID: facts.systemUUID,
      bootID: facts.bootID,
      kernelVersion: facts.kernelVersion,
      osImage: facts.osImage,
      containerRuntimeVersion: facts.containerRuntimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: facts.architecture,
    },
  };
}

/** Whether posting `next` would change anything but heartbeat times. */
export function statusDiffers(current: KObject, next: Record<string, unknown>): boolean {
  const strip = (s: unknown) => {
    const st = structuredClone((s ?? {}) as Record<string, unknown>);
    const conds = (st.conditions as NodeCondition[] | undefined) ?? [];
    st.conditions = conds.map(({ lastHeartbeatTime: _h, ...rest }) => rest);
    for (const k of ['images', 'volumesInUse', 'volumesAttached', 'config', 'runtimeHandlers', 'features']) delete st[k];
    return st;
  };
  const a = strip(current.status);
  const b = strip(next);
  return Object.keys(b).some((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
