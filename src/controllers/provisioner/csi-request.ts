// The pieces of a CreateVolume request that come from a claim and its StorageClass, as the
// external-provisioner derives them: volume capabilities (one per access mode), the fsType,
// the class parameters without the reserved csi.storage.k8s.io/ keys, and the preferred
// topology of the selected node. Also the capability of an existing PV (for the resizer).
import type { KObject } from '../../machinery/types';
import { type CsiAccessMode, NODE_TOPOLOGY_KEY, type Topology, type VolumeCapability } from '../../storage/csi/types';

export const CSI_PARAMETER_PREFIX = 'csi.storage.k8s.io/';
export const FSTYPE_KEY = `${CSI_PARAMETER_PREFIX}fstype`;
/** Reserved keys the provisioner understands (secrets are named by these; Berth passes none yet). */
const KNOWN_PREFIXED = new Set(
  ['fstype', 'secret-name', 'secret-namespace']
    .concat(['provisioner', 'controller-publish', 'node-stage', 'node-publish', 'controller-expand', 'node-expand', 'controller-modify'].flatMap((p) => [`${p}-secret-name`, `${p}-secret-namespace`]))
    .map((k) => CSI_PARAMETER_PREFIX + k),
);

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: string): Result<T> => ({ ok: false, error });

/** csi-lib-utils' ToCSIAccessMode without SINGLE_NODE_MULTI_WRITER (no Berth driver reports it). */
export function toCsiAccessMode(modes: readonly string[]): Result<CsiAccessMode> {
  const m = new Set(modes);
  if (m.has('ReadWriteOncePod')) {
    if (m.size > 1) return fail('Kubernetes does not support use of ReadWriteOncePod with other access modes on the same PersistentVolume');
    return ok('SINGLE_NODE_WRITER');
  }
  if (m.has('ReadWriteMany')) return ok('MULTI_NODE_MULTI_WRITER');
  if (m.has('ReadOnlyMany') && m.has('ReadWriteOnce')) return fail('CSI does not support ReadOnlyMany and ReadWriteOnce on the same PersistentVolume');
  if (m.has('ReadOnlyMany')) return ok('MULTI_NODE_READER_ONLY');
  if (m.has('ReadWriteOnce')) return ok('SINGLE_NODE_WRITER');
  return fail(`unsupported AccessMode combination: [${modes.join(' ')}]`);
}

const params = (cls: KObject): Record<string, string> => {
  const p = cls.parameters;
  return typeof p === 'object' && p !== null ? (p as Record<string, string>) : {};
};

/** The class's fsType: csi.storage.k8s.io/fstype, or the deprecated fsType/fstype key; never both. */
export function fsTypeOf(cls: KObject): Result<string> {
  let fsType = '';
  let found = 0;
  for (const [k, v] of Object.entries(params(cls))) {
    if (k.toLowerCase() === 'fstype' || k === FSTYPE_KEY) {
      fsType = v;
      found++;
    }
  }
  if (found > 1) return fail(`fstype specified in parameters with both "fstype" and "${FSTYPE_KEY}" keys`);
  return ok(fsType);
}

/** The parameters the driver sees: reserved keys removed, unknown reserved keys refused. */
export function driverParameters(cls: KObject): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params(cls))) {
    if (!k.startsWith(CSI_PARAMETER_PREFIX)) out[k] = v;
    else if (!KNOWN_PREFIXED.has(k)) return fail(`failed to strip CSI Parameters of prefixed keys: found unknown parameter key "${k}" with reserved namespace ${CSI_PARAMETER_PREFIX}`);
  }
  return ok(out);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function capability(block: boolean, mode: CsiAccessMode, fsType: string, mountFlags: string[]): VolumeCapability {
  if (block) return { accessType: 'block', accessMode: mode };
  return { accessType: 'mount', accessMode: mode, ...(fsType ? { fsType } : {}), ...(mountFlags.length ? { mountFlags } : {}) };
}

/** One capability per access mode of the claim: a raw device for volumeMode Block, else a mount. */
export function claimCapabilities(claim: KObject, cls: KObject, fsType: string): Result<VolumeCapability[]> {
  const spec = (claim.spec ?? {}) as { accessModes?: unknown; volumeMode?: unknown };
  const block = spec.volumeMode === 'Block';
  const caps: VolumeCapability[] = [];
  for (const m of strings(spec.accessModes)) {
    const mode = toCsiAccessMode([m]);
    if (!mode.ok) return mode;
    caps.push(capability(block, mode.value, fsType, strings(cls.mountOptions)));
  }
  return ok(caps);
}

/** The capability a provisioned PV is used with (all its access modes together). */
export function volumeCapability(pv: KObject): Result<VolumeCapability> {
  const spec = (pv.spec ?? {}) as { accessModes?: unknown; volumeMode?: unknown; mountOptions?: unknown; csi?: { fsType?: unknown } };
  const mode = toCsiAccessMode(strings(spec.accessModes));
  if (!mode.ok) return mode;
  const fsType = typeof spec.csi?.fsType === 'string' ? spec.csi.fsType : '';
  return ok(capability(spec.volumeMode === 'Block', mode.value, fsType, strings(spec.mountOptions)));
}

/** The selected node's segment: its topology.berth.dev/node label, or its name. */
export function nodeTopology(nodeName: string, node: KObject | undefined): Topology {
  return { [NODE_TOPOLOGY_KEY]: node?.metadata.labels?.[NODE_TOPOLOGY_KEY] ?? nodeName };
}
