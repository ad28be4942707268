// The provisioner's decisions for a claim, pure: whether it is ours to provision now
// (sig-storage-lib-external-provisioner's shouldProvision) and the CreateVolume request for it
// (external-provisioner's prepareProvision), minus the content source, which needs lookups.
import type { KObject } from '../../machinery/types';
import type { ControllerCapability, CreateVolumeRequest, PluginCapability } from '../../storage/csi/types';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER } from '../persistentvolume/compute';
import { type DataSource, dataSourceOf, type SourceKind, sourceKind } from './content-source';
import { type Result, claimCapabilities, driverParameters, fsTypeOf, nodeTopology } from './csi-request';
import { bytesOf } from './sizes';

/** The PV name external-provisioner uses by default: pvc-<claim uid>. */
export const volumeNameFor = (claim: KObject): string => `pvc-${claim.metadata.uid ?? ''}`;

export type ClaimDecision =
  | { action: 'none'; why: string }
  /** Nothing to do until something else changes (the class appears). */
  | { action: 'wait'; why: string }
  | { action: 'provision'; driver: string; pvName: string; selectedNode?: string };

const o = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const s = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The driver the PV binder asked for (the storage-provisioner annotation, or its beta twin). */
export function requestedProvisioner(claim: KObject): string {
  const a = claim.metadata.annotations ?? {};
  return a[ANN_STORAGE_PROVISIONER] ?? a[ANN_BETA_STORAGE_PROVISIONER] ?? '';
}

/**
 * Whether to provision for a claim now. Ours when the binder named a registered driver and the
 * claim has no volume; a WaitForFirstConsumer class waits for the scheduler's selected node.
 */
export function decideClaim(claim: KObject | undefined, cls: KObject | undefined, pvExists: boolean, isRegistered: (driver: string) => boolean): ClaimDecision {
  if (!claim) return { action: 'none', why: 'claim gone' };
  if (s(o(claim.spec).volumeName)) return { action: 'none', why: 'claim already names a volume' };
  const driver = requestedProvisioner(claim);
  if (!driver || !isRegistered(driver)) return { action: 'none', why: 'not asked of a registered driver' };
  if (claim.metadata.deletionTimestamp) return { action: 'none', why: 'claim being deleted' };
  const className = s(o(claim.spec).storageClassName);
  if (!cls) return { action: 'wait', why: `storageclass.storage.k8s.io "${className}" not found` };
  const node = claim.metadata.annotations?.[ANN_SELECTED_NODE] ?? '';
  if (s(cls.volumeBindingMode) === 'WaitForFirstConsumer' && !node) return { action: 'none', why: 'waiting for the scheduler to select a node' };
  if (pvExists) return { action: 'none', why: 'volume already provisioned' };
  // The class changed since the binder annotated the claim: not ours any more.
  if (s(cls.provisioner) !== driver) return { action: 'none', why: `class provisioner ${s(cls.provisioner)} is not ${driver}` };
  return { action: 'provision', driver, pvName: volumeNameFor(claim), ...(node ? { selectedNode: node } : {}) };
}

export interface DriverCaps {
  plugin: ReadonlySet<PluginCapability>;
  controller: ReadonlySet<ControllerCapability>;
}

export type Prepared =
  | { populator: true; kind: string }
  | { populator: false; request: CreateVolumeRequest; fsType: string; source?: { ds: DataSource; kind: Exclude<SourceKind, 'populator'> }; topologyAware: boolean };

/** Whether the driver can do what the claim asks (external-provisioner's checkDriverCapabilities). */
function checkCapabilities(driver: string, caps: DriverCaps, kind: SourceKind | undefined): string | undefined {
  const missing = (what: string, cap: string, fix: string) => `CSI driver ${driver} does not support ${what}: ${cap} capability is not reported; ${fix}`;
  if (!caps.plugin.has('CONTROLLER_SERVICE')) return missing('dynamic provisioning', 'plugin CONTROLLER_SERVICE', 'create the volume by hand and a PersistentVolume for it');
  if (!caps.controller.has('CREATE_DELETE_VOLUME')) return missing('dynamic provisioning', 'controller CREATE_DELETE_VOLUME', 'create the volume by hand and a PersistentVolume for it');
  if (kind === 'snapshot' && !caps.controller.has('CREATE_DELETE_SNAPSHOT')) return missing('snapshot restore', 'controller CREATE_DELETE_SNAPSHOT', 'restore into a StorageClass whose driver takes snapshots');
  if (kind === 'clone' && !caps.controller.has('CLONE_VOLUME')) return missing('clone operations', 'controller CLONE_VOLUME', 'clone within a StorageClass whose driver can clone');
  return undefined;
}

/** The CreateVolume request for a claim (without its content source), or why there is none. */
export function prepareRequest(claim: KObject, cls: KObject, driver: string, caps: DriverCaps, pvName: string, selectedNode?: { name: string; node: KObject | undefined }): Result<Prepared> {
  const ds = dataSourceOf(claim);
  if (!ds.ok) return ds;
  let source: { ds: DataSource; kind: Exclude<SourceKind, 'populator'> } | undefined;
  if (ds.value) {
    const kind = sourceKind(ds.value, claim.metadata.name ?? '');
    if (!kind.ok) return kind;
    if (kind.value === 'populator') return { ok: true, value: { populator: true, kind: ds.value.kind } };
    source = { ds: ds.value, kind: kind.value };
  }
  const capErr = checkCapabilities(driver, caps, source?.kind);
  if (capErr) return { ok: false, error: capErr };
  const spec = o(claim.spec);
  if (spec.selector) return { ok: false, error: 'claim Selector is not supported' };
  const fsType = fsTypeOf(cls);
  if (!fsType.ok) return fsType;
  const capabilities = claimCapabilities(claim, cls, fsType.value);
  if (!capabilities.ok) return capabilities;
  const parameters = driverParameters(cls);
  if (!parameters.ok) return parameters;
  const resources = o(spec.resources);
  const limit = bytesOf(o(resources.limits).storage);
  const topologyAware = caps.plugin.has('VOLUME_ACCESSIBILITY_CONSTRAINTS');
  const request: CreateVolumeRequest = {
    name: pvName,
    requiredBytes: bytesOf(o(resources.requests).storage) ?? 0n,
    ...(limit !== undefined ? { limitBytes: limit } : {}),
    capabilities: capabilities.value,
    parameters: parameters.value,
    ...(topologyAware && selectedNode ? { preferredTopology: [nodeTopology(selectedNode.name, selectedNode.node)] } : {}),
  };
  return { ok: true, value: { populator: false, request, fsType: fsType.value, ...(source ? { source } : {}), topologyAware } };
}
