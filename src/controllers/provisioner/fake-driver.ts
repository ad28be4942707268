// For tests: an in-memory CsiDriver (volumes and snapshots in maps, node topology fixed) and a
// registry of such drivers, so controllers are tested against the CSI contract, not a real pool.
import {
  type ControllerCapability,
  type ControllerExpandResult,
  type CreateVolumeRequest,
  CsiError,
  type CsiDriver,
  type CsiDriverRegistry,
  type CsiSnapshot,
  type CsiVolume,
  NODE_TOPOLOGY_KEY,
  type NodeCapability,
  type PluginCapability,
  type VolumeCapability,
} from '../../storage/csi/types';

export interface FakeVolume {
  id: string;
  bytes: bigint;
  node: string;
  content?: string;
}

export class FakeCsiDriver implements CsiDriver {
  readonly volumes = new Map<string, FakeVolume>();
  readonly snapshots = new Map<string, CsiSnapshot>();
  readonly calls: { rpc: string; arg: unknown }[] = [];
  plugin = new Set<PluginCapability>(['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS', 'OFFLINE_EXPANSION']);
  controller = new Set<ControllerCapability>(['CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CLONE_VOLUME']);
  node = new Set<NodeCapability>(['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME']);
  /** The node volumes land on when no topology is preferred. */
  defaultNode = 'node-a';
  /** Errors the next calls of an RPC throw (one per call). */
  readonly failures = new Map<string, CsiError[]>();
  /** Whether ControllerExpandVolume asks for a node expansion too. */
  nodeExpansionRequired = true;
  /** Capacity CreateVolume reports (default: the request, rounded up to MiB). */
  reportCapacity: ((req: CreateVolumeRequest) => bigint) | undefined;
  /** Drop the content source from the CreateVolume answer (a non-conformant driver). */
  forgetContentSource = false;

  constructor(readonly name: string) {}

  private record(rpc: string, arg: unknown): void {
    this.calls.push({ rpc, arg });
    const err = this.failures.get(rpc)?.shift();
    if (err) throw err;
  }

  async getPluginInfo() {
    return { name: this.name, vendorVersion: 'test' };
  }
  async getPluginCapabilities() {
    return new Set(this.plugin);
  }
  async probe() {
    return true;
  }
  async controllerGetCapabilities() {
    return new Set(this.controller);
  }
  async createVolume(req: CreateVolumeRequest): Promise<CsiVolume> {
    this.record('createVolume', req);
    const node = req.preferredTopology?.[0]?.[NODE_TOPOLOGY_KEY] ?? this.defaultNode;
    const mib = 1n << 20n;
    const bytes = this.reportCapacity?.(req) ?? ((req.requiredBytes + mib - 1n) / mib) * mib;
    let content: string | undefined;
    if (req.contentSource && 'snapshotId' in req.contentSource) {
      const snap = this.snapshots.get(req.contentSource.snapshotId);
      if (!snap) throw new CsiError('NOT_FOUND', `snapshot ${req.contentSource.snapshotId} not found`);
      content = this.volumes.get(snap.sourceVolumeId)?.content;
    } else if (req.contentSource) {
      const src = this.volumes.get(req.contentSource.volumeId);
      if (!src) throw new CsiError('NOT_FOUND', `volume ${req.contentSource.volumeId} not found`);
      content = src.content;
    }
    const existing = this.volumes.get(req.name);
    const v: FakeVolume = existing ?? { id: req.name, bytes, node, ...(content !== undefined ? { content } : {}) };
    this.volumes.set(v.id, v);
    return {
      volumeId: v.id,
      capacityBytes: v.bytes,
      volumeContext: { node: v.node },
      accessibleTopology: [{ [NODE_TOPOLOGY_KEY]: v.node }],
      ...(req.contentSource && !this.forgetContentSource ? { contentSource: req.contentSource } : {}),
    };
  }
  async deleteVolume(volumeId: string) {
    this.record('deleteVolume', volumeId);
    this.volumes.delete(volumeId);
  }
  async controllerExpandVolume(volumeId: string, requiredBytes: bigint, capability?: VolumeCapability): Promise<ControllerExpandResult> {
    this.record('controllerExpandVolume', { volumeId, requiredBytes, capability });
    const v = this.volumes.get(volumeId);
    if (!v) throw new CsiError('NOT_FOUND', `volume ${volumeId} not found`);
    if (v.bytes < requiredBytes) v.bytes = requiredBytes;
    return { capacityBytes: v.bytes, nodeExpansionRequired: this.nodeExpansionRequired };
  }
  async createSnapshot(sourceVolumeId: string, name: string): Promise<CsiSnapshot> {
    this.record('createSnapshot', { sourceVolumeId, name });
    const v = this.volumes.get(sourceVolumeId);
    if (!v) throw new CsiError('NOT_FOUND', `volume ${sourceVolumeId} not found`);
    const snap: CsiSnapshot = { snapshotId: name, sourceVolumeId, sizeBytes: v.bytes, creationTimeMs: 0, readyToUse: true };
    this.snapshots.set(name, snap);
    return snap;
  }
  async deleteSnapshot(snapshotId: string) {
    this.snapshots.delete(snapshotId);
  }
  async nodeGetCapabilities() {
    return new Set(this.node);
  }
  async nodeGetInfo() {
    return { nodeId: this.defaultNode, maxVolumesPerNode: 0, accessibleTopology: { [NODE_TOPOLOGY_KEY]: this.defaultNode } };
  }
  async nodeStageVolume() {}
  async nodeUnstageVolume() {}
  async nodePublishVolume() {}
  async nodeUnpublishVolume() {}
  async nodeExpandVolume(req: { requiredBytes: bigint }) {
    return { capacityBytes: req.requiredBytes };
  }
  async nodeGetVolumeStats() {
    return [];
  }
}

export class FakeRegistry implements CsiDriverRegistry {
  private readonly drivers = new Map<string, CsiDriver>();
  constructor(...drivers: FakeCsiDriver[]) {
    for (const d of drivers) this.drivers.set(d.name, d);
  }
  get(name: string): CsiDriver | undefined {
    return this.drivers.get(name);
  }
  names(): string[] {
    return [...this.drivers.keys()];
  }
}
