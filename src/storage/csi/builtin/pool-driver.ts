// What the two built-in drivers share: Identity and Controller over the node's volume pool.
// The volume id is the pool volume name (the CreateVolume name, pvc-<uid>), and the snapshot
// id the snapshot name, so a PV's csi.volumeHandle can also name a volume made with
// `docker volume create`. Each driver only acts on its own kind of pool volume.
import { isPoolError } from '../../pool/errors';
import type { VolumePool } from '../../pool/pool';
import type { SnapshotRecord, VolumeDriverKind, VolumeRecord } from '../../pool/records';
import { GiB, roundUpMiB } from '../../pool/sizes';
import {
  type ControllerCapability,
  type ControllerExpandResult,
  type CreateVolumeRequest,
  type CsiDriver,
  CsiError,
  type CsiSnapshot,
  type CsiVolume,
  type NodeCapability,
  type NodeExpandRequest,
  type NodeInfo,
  type PluginCapability,
  type PublishRequest,
  type StageRequest,
  type Topology,
  type VolumeCapability,
  type VolumeUsage,
  NODE_TOPOLOGY_KEY,
} from '../types';
import { csiCall, invalidArgument } from './errors';

export interface PoolDriverOptions {
  pool: VolumePool;
  /** This node's name: the driver's node id and topology value. */
  nodeName: string;
}

export const VENDOR_VERSION = '0.1.0';
/** volumeContext key telling the node which kind of pool volume it gets. */
export const KIND_CONTEXT_KEY = 'kind';

export abstract class PoolDriver implements CsiDriver {
  protected readonly pool: VolumePool;
  protected readonly nodeName: string;
  /** The CSI driver name (getPluginInfo). */
  abstract readonly driverName: string;
  protected abstract readonly kind: VolumeDriverKind;

  constructor(opts: PoolDriverOptions) {
    this.pool = opts.pool;
    this.nodeName = opts.nodeName;
  }

  async getPluginInfo(): Promise<{ name: string; vendorVersion: string }> {
    return { name: this.driverName, vendorVersion: VENDOR_VERSION };
  }

  async getPluginCapabilities(): Promise<Set<PluginCapability>> {
    return new Set<PluginCapability>(['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS', 'ONLINE_EXPANSION']);
  }

  async probe(): Promise<boolean> {
    await csiCall(() => this.pool.init());
    return true;
  }

  async controllerGetCapabilities(): Promise<Set<ControllerCapability>> {
    return new Set<ControllerCapability>(['CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CLONE_VOLUME']);
  }

  async nodeGetInfo(): Promise<NodeInfo> {
    return { nodeId: this.nodeName, maxVolumesPerNode: 0, accessibleTopology: this.topology() };
  }

  protected topology(): Topology {
    return { [NODE_TOPOLOGY_KEY]: this.nodeName };
  }

  /** Checks the capabilities and parameters; returns the pool fsType to ask for (undefined: the source's). */
  protected abstract validateCreate(req: CreateVolumeRequest): string | undefined;
  /** The size when the request has none (0n: unlimited). */
  protected abstract readonly defaultBytes: bigint;
  protected abstract readonly minBytes: bigint;

  async createVolume(req: CreateVolumeRequest): Promise<CsiVolume> {
    if (req.name === '') throw invalidArgument('CreateVolume needs a name');
    if (req.capabilities.length === 0) throw invalidArgument(`CreateVolume ${req.name} needs at least one volume capability`);
    const fsType = this.validateCreate(req);
    this.checkTopology(req.preferredTopology);
    const limit = req.limitBytes ?? 0n;
    let size = roundUpMiB(req.requiredBytes);
    if (size === 0n && !req.contentSource) size = this.defaultBytes;
    if (size !== 0n && size < this.minBytes) throw new CsiError('OUT_OF_RANGE', `Cannot create volume ${req.name} of ${size} bytes: ${this.driverName} volumes are at least ${this.minBytes} bytes; ask for more`);
    if (limit > 0n && size > limit) throw new CsiError('OUT_OF_RANGE', `Cannot create volume ${req.name}: ${size} bytes (the request rounded up to MiB) is above the limit of ${limit} bytes; raise the limit`);
    const from = req.contentSource && ('snapshotId' in req.contentSource ? { snapshot: req.contentSource.snapshotId } : { volume: req.contentSource.volumeId });
    return csiCall(async () => {
      const existing = await this.pool.get(req.name);
      if (existing) return this.toCsiVolume(this.sameVolume(existing, req, size, limit, fsType));
      if (from) await this.ownSource(from);
      const rec = await this.pool.create(req.name, { driver: this.kind, sizeBytes: size, ...(fsType === undefined ? {} : { fsType }), labels: { 'berth.dev/created-by': this.driverName }, ...(from ? { from } : {}) });
      return this.toCsiVolume(rec);
    });
  }

  /** The existing volume when it satisfies the request again (CSI idempotency), else ALREADY_EXISTS. */
  private sameVolume(rec: VolumeRecord, req: CreateVolumeRequest, size: bigint, limit: bigint, fsType: string | undefined): VolumeRecord {
    const src = req.contentSource && ('snapshotId' in req.contentSource ? `snapshot ${req.contentSource.snapshotId}` : `volume ${req.contentSource.volumeId}`);
    const have = rec.source && ('snapshot' in rec.source ? `snapshot ${rec.source.snapshot}` : `volume ${rec.source.volume}`);
    const fits = rec.sizeBytes >= size && (limit === 0n || rec.sizeBytes <= limit);
    if (rec.driver !== this.kind || !fits || src !== have || (fsType !== undefined && fsType !== rec.fsType)) {
      const fs = rec.fsType ? ` with fsType ${rec.fsType}` : '';
      throw new CsiError('ALREADY_EXISTS', `volume ${req.name} already exists as a ${rec.driver} volume of ${rec.sizeBytes} bytes${fs} from ${have ?? 'no source'}, which does not match this request; use another name`);
    }
    return rec;
  }

  private async ownSource(from: { snapshot: string } | { volume: string }): Promise<void> {
    const rec = 'snapshot' in from ? await this.pool.getSnapshot(from.snapshot) : await this.pool.get(from.volume);
    const what = 'snapshot' in from ? `snapshot ${from.snapshot}` : `volume ${from.volume}`;
    if (!rec) throw new CsiError('NOT_FOUND', `content source ${what} not found`);
    if (rec.driver !== this.kind) throw invalidArgument(`content source ${what} is a ${rec.driver} volume, not one of ${this.driverName}; restore it with its own driver`);
  }

  private checkTopology(preferred: Topology[] | undefined): void {
    const nodes = (preferred ?? []).map((t) => t[NODE_TOPOLOGY_KEY]).filter((n): n is string => n !== undefined);
    if (nodes.length > 0 && !nodes.includes(this.nodeName)) {
      throw new CsiError('RESOURCE_EXHAUSTED', `${this.driverName} on node ${this.nodeName} cannot create a volume for node(s) ${nodes.join(', ')}: volumes live on the node that creates them`);
    }
  }

  protected toCsiVolume(rec: VolumeRecord): CsiVolume {
    return {
      volumeId: rec.name,
      capacityBytes: rec.sizeBytes,
      volumeContext: { [KIND_CONTEXT_KEY]: rec.driver, ...(rec.fsType ? { fsType: rec.fsType } : {}) },
      ...(rec.source ? { contentSource: 'snapshot' in rec.source ? { snapshotId: rec.source.snapshot } : { volumeId: rec.source.volume } } : {}),
      accessibleTopology: [this.topology()],
    };
  }

  /** This driver's volume, or NOT_FOUND (missing, or of the other built-in driver). */
  protected async ownVolume(volumeId: string): Promise<VolumeRecord> {
    const rec = await this.pool.get(volumeId);
    if (!rec || rec.driver !== this.kind) throw new CsiError('NOT_FOUND', `volume ${volumeId} not found in ${this.driverName}${rec ? ` (it is a ${rec.driver} volume)` : ''}`);
    return rec;
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await csiCall(async () => {
      const rec = await this.pool.get(volumeId);
      if (!rec) return;
      if (rec.driver !== this.kind) throw new CsiError('FAILED_PRECONDITION', `volume ${volumeId} is a ${rec.driver} volume, not one of ${this.driverName}; delete it with its own driver`);
      await this.pool.remove(volumeId).catch((e: unknown) => {
        if (!isPoolError(e, 'NotFound')) throw e;
      });
    });
  }

  protected abstract nodeExpansionRequired(rec: VolumeRecord, capability?: VolumeCapability): boolean;

  async controllerExpandVolume(volumeId: string, requiredBytes: bigint, capability?: VolumeCapability): Promise<ControllerExpandResult> {
    return csiCall(async () => {
      const rec = await this.ownVolume(volumeId);
      const size = roundUpMiB(requiredBytes);
      const grown = size > rec.sizeBytes ? (await this.pool.expand(volumeId, size)).sizeBytes : rec.sizeBytes;
      return { capacityBytes: grown, nodeExpansionRequired: this.nodeExpansionRequired(rec, capability) };
    });
  }

  async createSnapshot(sourceVolumeId: string, name: string, parameters: Record<string, string>): Promise<CsiSnapshot> {
    const keys = Object.keys(parameters);
    if (keys.length > 0) throw invalidArgument(`${this.driverName} takes no snapshot parameters; remove ${keys.join(', ')} from the VolumeSnapshotClass`);
    return csiCall(async () => {
      await this.ownVolume(sourceVolumeId);
      return snapshotToCsi(await this.pool.snapshot(sourceVolumeId, name));
    });
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await csiCall(async () => {
      const s = await this.pool.getSnapshot(snapshotId);
      if (!s) return;
      if (s.driver !== this.kind) throw new CsiError('FAILED_PRECONDITION', `snapshot ${snapshotId} is of a ${s.driver} volume, not one of ${this.driverName}; delete it with its own driver`);
      await this.pool.deleteSnapshot(snapshotId);
    });
  }

  abstract nodeGetCapabilities(): Promise<Set<NodeCapability>>;
  abstract nodeStageVolume(req: StageRequest): Promise<void>;
  abstract nodeUnstageVolume(volumeId: string, stagingPath: string): Promise<void>;
  abstract nodePublishVolume(req: PublishRequest): Promise<void>;
  abstract nodeUnpublishVolume(volumeId: string, targetPath: string): Promise<void>;
  abstract nodeExpandVolume(req: NodeExpandRequest): Promise<{ capacityBytes: bigint }>;
  abstract nodeGetVolumeStats(volumeId: string, volumePath: string): Promise<VolumeUsage[]>;
}

export function snapshotToCsi(s: SnapshotRecord): CsiSnapshot {
  return { snapshotId: s.name, sourceVolumeId: s.volume, sizeBytes: s.sizeBytes, creationTimeMs: Date.parse(s.createdAt), readyToUse: true };
}

/** The default size of a block volume whose request has none. */
export const DEFAULT_BLOCK_BYTES = GiB;
