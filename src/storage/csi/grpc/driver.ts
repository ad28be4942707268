// An external CSI driver reached over gRPC on a unix socket: the CsiDriver contract mapped onto the
// CSI v1 Identity, Controller and Node services. int64 travels as bigint, gRPC statuses become
// CsiError with the driver's own message, and every call carries a deadline.
import * as grpc from '@grpc/grpc-js';
import { resolve as absolute } from 'node:path';
import {
  CsiError,
  type ControllerCapability,
  type ControllerExpandResult,
  type CreateVolumeRequest,
  type CsiDriver,
  type CsiSnapshot,
  type CsiVolume,
  type NodeCapability,
  type NodeExpandRequest,
  type NodeInfo,
  type PluginCapability,
  type PublishRequest,
  type StageRequest,
  type VolumeCapability,
  type VolumeUsage,
} from '../types';
import {
  capabilityToWire,
  codeName,
  contentSourceToWire,
  int64,
  snapshotFromWire,
  topologyFromWire,
  topologyToWire,
  volumeFromWire,
  wireInt64,
  type WireSnapshot,
  type WireTopology,
  type WireVolume,
} from './codec';
import { csiServices } from './proto';

export interface GrpcCsiDriverOptions {
  /** Path of the driver's unix socket. */
  socket: string;
  /** Deadline of Identity calls (default 5 s). */
  identityTimeoutMs?: number;
  /** Deadline of Controller and Node calls (default 30 s). */
  callTimeoutMs?: number;
}

type Callback = (err: grpc.ServiceError | null, res?: unknown) => void;
type Unary = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => void;

const msgOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class GrpcCsiDriver implements CsiDriver {
  readonly socket: string;
  private readonly channel: grpc.Channel;
  private readonly identity: grpc.Client;
  private readonly controller: grpc.Client;
  private readonly node: grpc.Client;
  private readonly identityMs: number;
  private readonly callMs: number;

  constructor(o: GrpcCsiDriverOptions) {
    this.socket = o.socket;
    this.identityMs = o.identityTimeoutMs ?? 5_000;
    this.callMs = o.callTimeoutMs ?? 30_000;
    const s = csiServices();
    const address = `unix://${absolute(o.socket)}`;
    const creds = grpc.credentials.createInsecure();
    // One channel (one connection) shared by the three service stubs. A local driver that restarts
    // is back within seconds: don't let reconnect backoff grow to gRPC's default two minutes.
    this.channel = new grpc.Channel(address, creds, { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 5_000 });
    this.identity = new s.Identity(address, creds, { channelOverride: this.channel });
    this.controller = new s.Controller(address, creds, { channelOverride: this.channel });
    this.node = new s.Node(address, creds, { channelOverride: this.channel });
  }

  /** Releases the connection; calls afterwards fail. */
  close(): void {
    this.channel.close();
  }

  private call<T>(client: grpc.Client, rpc: string, req: object, timeoutMs: number): Promise<T> {
    const fn = (client as unknown as Record<string, Unary>)[rpc];
    if (!fn) return Promise.reject(new CsiError('INTERNAL', `${rpc} is not part of Berth's CSI protocol subset`));
    return new Promise<T>((resolve, reject) => {
      fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (!err) resolve((res ?? {}) as T);
        else reject(new CsiError(codeName(err.code), err.details || `${rpc} on ${this.socket} failed: ${msgOf(err)}`, { cause: err }));
      });
    });
  }

  private id<T>(rpc: string, req: object = {}): Promise<T> {
    return this.call<T>(this.identity, rpc, req, this.identityMs);
  }
  private ctl<T>(rpc: string, req: object): Promise<T> {
    return this.call<T>(this.controller, rpc, req, this.callMs);
  }
  private nd<T>(rpc: string, req: object): Promise<T> {
    return this.call<T>(this.node, rpc, req, this.callMs);
  }

  async getPluginInfo(): Promise<{ name: string; vendorVersion: string }> {
    const r = await this.id<{ name?: string; vendor_version?: string }>('GetPluginInfo');
    if (!r.name) throw new CsiError('INTERNAL', `GetPluginInfo on ${this.socket} returned no name; the driver is not CSI-conformant`);
    return { name: r.name, vendorVersion: r.vendor_version ?? '' };
  }

  async getPluginCapabilities(): Promise<Set<PluginCapability>> {
    type Cap = { service?: { type?: string }; volume_expansion?: { type?: string } };
    const r = await this.id<{ capabilities?: Cap[] }>('GetPluginCapabilities');
    const out = new Set<PluginCapability>();
    for (const c of r.capabilities ?? []) {
      const t = c.service?.type;
      if (t === 'CONTROLLER_SERVICE' || t === 'VOLUME_ACCESSIBILITY_CONSTRAINTS') out.add(t);
      const e = c.volume_expansion?.type;
      if (e === 'ONLINE') out.add('ONLINE_EXPANSION');
      if (e === 'OFFLINE') out.add('OFFLINE_EXPANSION');
    }
    return out;
  }

  async probe(): Promise<boolean> {
    const r = await this.id<{ ready?: { value?: boolean } }>('Probe');
    // The spec: an absent `ready` means ready.
    return r.ready === undefined ? true : (r.ready.value ?? false);
  }

  async controllerGetCapabilities(): Promise<Set<ControllerCapability>> {
    const known = new Set<string>(['CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CLONE_VOLUME', 'GET_CAPACITY', 'PUBLISH_UNPUBLISH_VOLUME']);
    const r = await this.ctl<{ capabilities?: { rpc?: { type?: string } }[] }>('ControllerGetCapabilities', {});
    return new Set((r.capabilities ?? []).map((c) => c.rpc?.type ?? '').filter((t): t is ControllerCapability => known.has(t)));
  }

  async createVolume(req: CreateVolumeRequest): Promise<CsiVolume> {
    const w: Record<string, unknown> = {
      name: req.name,
      capacity_range: { required_bytes: wireInt64(req.requiredBytes), limit_bytes: wireInt64(req.limitBytes ?? 0n) },
      volume_capabilities: req.capabilities.map(capabilityToWire),
      parameters: req.parameters,
    };
    if (req.contentSource) w.volume_content_source = contentSourceToWire(req.contentSource);
    if (req.preferredTopology?.length) w.accessibility_requirements = { preferred: req.preferredTopology.map(topologyToWire) };
    const r = await this.ctl<{ volume?: WireVolume }>('CreateVolume', w);
    return volumeFromWire(r.volume, 'CreateVolume');
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await this.ctl('DeleteVolume', { volume_id: volumeId }).catch(notFoundIsDone);
  }

  async controllerExpandVolume(volumeId: string, requiredBytes: bigint, capability?: VolumeCapability): Promise<ControllerExpandResult> {
    const w: Record<string, unknown> = { volume_id: volumeId, capacity_range: { required_bytes: wireInt64(requiredBytes) } };
    if (capability) w.volume_capability = capabilityToWire(capability);
    const r = await this.ctl<{ capacity_bytes?: string; node_expansion_required?: boolean }>('ControllerExpandVolume', w);
    return { capacityBytes: int64(r.capacity_bytes), nodeExpansionRequired: r.node_expansion_required ?? false };
  }

  async createSnapshot(sourceVolumeId: string, name: string, parameters: Record<string, string>): Promise<CsiSnapshot> {
    const r = await this.ctl<{ snapshot?: WireSnapshot }>('CreateSnapshot', { source_volume_id: sourceVolumeId, name, parameters });
    return snapshotFromWire(r.snapshot, 'CreateSnapshot');
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await this.ctl('DeleteSnapshot', { snapshot_id: snapshotId }).catch(notFoundIsDone);
  }

  async nodeGetCapabilities(): Promise<Set<NodeCapability>> {
    const known = new Set<string>(['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME', 'GET_VOLUME_STATS']);
    const r = await this.nd<{ capabilities?: { rpc?: { type?: string } }[] }>('NodeGetCapabilities', {});
    return new Set((r.capabilities ?? []).map((c) => c.rpc?.type ?? '').filter((t): t is NodeCapability => known.has(t)));
  }

  async nodeGetInfo(): Promise<NodeInfo> {
    const r = await this.nd<{ node_id?: string; max_volumes_per_node?: string; accessible_topology?: WireTopology }>('NodeGetInfo', {});
    const info: NodeInfo = { nodeId: r.node_id ?? '', maxVolumesPerNode: Number(int64(r.max_volumes_per_node)) };
    if (r.accessible_topology) info.accessibleTopology = topologyFromWire(r.accessible_topology);
    return info;
  }

  async nodeStageVolume(req: StageRequest): Promise<void> {
    await this.nd('NodeStageVolume', {
      volume_id: req.volumeId,
      publish_context: req.publishContext ?? {},
      staging_target_path: req.stagingPath,
      volume_capability: capabilityToWire(req.capability),
      volume_context: req.volumeContext,
    });
  }

  async nodeUnstageVolume(volumeId: string, stagingPath: string): Promise<void> {
    await this.nd('NodeUnstageVolume', { volume_id: volumeId, staging_target_path: stagingPath });
  }

  async nodePublishVolume(req: PublishRequest): Promise<void> {
    await this.nd('NodePublishVolume', {
      volume_id: req.volumeId,
      publish_context: req.publishContext ?? {},
      ...(req.stagingPath ? { staging_target_path: req.stagingPath } : {}),
      target_path: req.targetPath,
      volume_capability: capabilityToWire(req.capability),
      readonly: req.readOnly,
      volume_context: req.volumeContext,
    });
  }

  async nodeUnpublishVolume(volumeId: string, targetPath: string): Promise<void> {
    await this.nd('NodeUnpublishVolume', { volume_id: volumeId, target_path: targetPath });
  }

  async nodeExpandVolume(req: NodeExpandRequest): Promise<{ capacityBytes: bigint }> {
    const r = await this.nd<{ capacity_bytes?: string }>('NodeExpandVolume', {
      volume_id: req.volumeId,
      volume_path: req.volumePath,
      capacity_range: { required_bytes: wireInt64(req.requiredBytes) },
      ...(req.stagingPath ? { staging_target_path: req.stagingPath } : {}),
      volume_capability: capabilityToWire(req.capability),
    });
    return { capacityBytes: int64(r.capacity_bytes) };
  }

  async nodeGetVolumeStats(volumeId: string, volumePath: string): Promise<VolumeUsage[]> {
    type Usage = { available?: string; total?: string; used?: string; unit?: string };
    const r = await this.nd<{ usage?: Usage[] }>('NodeGetVolumeStats', { volume_id: volumeId, volume_path: volumePath });
    return (r.usage ?? [])
      .filter((u) => u.unit === 'BYTES' || u.unit === 'INODES')
      .map((u) => ({ unit: u.unit as 'BYTES' | 'INODES', total: int64(u.total), used: int64(u.used), available: int64(u.available) }));
  }
}

/** Delete calls: the spec makes a missing object a success; some drivers say NOT_FOUND anyway. */
function notFoundIsDone(e: unknown): void {
  if (e instanceof CsiError && e.code === 'NOT_FOUND') return;
  throw e;
}
