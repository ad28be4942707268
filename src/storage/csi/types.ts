// The contract every volume driver meets, modelled on the CSI spec's RPCs (Identity, Controller,
// Node) so that Berth's built-in drivers (in-process, over the node's volume pool) and external
// CSI drivers (over gRPC on a unix socket) are used by the same provisioner, resizer, snapshotter
// and node volume code. Sizes are bigint bytes; errors are CsiError with a gRPC status code name.

/** CSI VolumeCapability.AccessMode.Mode names. */
export type CsiAccessMode =
  | 'SINGLE_NODE_WRITER'
  | 'SINGLE_NODE_READER_ONLY'
  | 'MULTI_NODE_READER_ONLY'
  | 'MULTI_NODE_SINGLE_WRITER'
  | 'MULTI_NODE_MULTI_WRITER'
  | 'SINGLE_NODE_SINGLE_WRITER'
  | 'SINGLE_NODE_MULTI_WRITER';

/** A volume capability: either a raw block device or a mounted filesystem. */
export type VolumeCapability =
  | { accessType: 'block'; accessMode: CsiAccessMode }
  | { accessType: 'mount'; fsType?: string; mountFlags?: string[]; accessMode: CsiAccessMode };

/** Where a new volume's content comes from (a claim's dataSource). */
export type ContentSource = { snapshotId: string } | { volumeId: string };

/** Topology segments, e.g. { 'topology.berth.dev/node': 'node-a' }. */
export type Topology = Record<string, string>;

export interface CreateVolumeRequest {
  /** Idempotency key (the external-provisioner uses the PV name, pvc-<claim uid>). */
  name: string;
  /** capacity_range.required_bytes (0: the driver's default). */
  requiredBytes: bigint;
  /** capacity_range.limit_bytes (0 or absent: no limit). */
  limitBytes?: bigint;
  capabilities: VolumeCapability[];
  /** The StorageClass parameters (csi.storage.k8s.io/* keys removed). */
  parameters: Record<string, string>;
  contentSource?: ContentSource;
  /** accessibility_requirements.preferred (the selected node first). */
  preferredTopology?: Topology[];
}

export interface CsiVolume {
  volumeId: string;
  capacityBytes: bigint;
  volumeContext: Record<string, string>;
  contentSource?: ContentSource;
  accessibleTopology?: Topology[];
}

export interface CsiSnapshot {
  snapshotId: string;
  sourceVolumeId: string;
  sizeBytes: bigint;
  /** Milliseconds since the epoch. */
  creationTimeMs: number;
  readyToUse: boolean;
}

export interface ControllerExpandResult {
  capacityBytes: bigint;
  /** The filesystem on the volume must still be grown by NodeExpandVolume on its node. */
  nodeExpansionRequired: boolean;
}

export type ControllerCapability = 'CREATE_DELETE_VOLUME' | 'EXPAND_VOLUME' | 'CREATE_DELETE_SNAPSHOT' | 'CLONE_VOLUME' | 'GET_CAPACITY' | 'PUBLISH_UNPUBLISH_VOLUME';
export type NodeCapability = 'STAGE_UNSTAGE_VOLUME' | 'EXPAND_VOLUME' | 'GET_VOLUME_STATS';
/** PluginCapability: CONTROLLER_SERVICE, VOLUME_ACCESSIBILITY_CONSTRAINTS, and the expansion kind. */
export type PluginCapability = 'CONTROLLER_SERVICE' | 'VOLUME_ACCESSIBILITY_CONSTRAINTS' | 'ONLINE_EXPANSION' | 'OFFLINE_EXPANSION';

export interface StageRequest {
  volumeId: string;
  stagingPath: string;
  capability: VolumeCapability;
  volumeContext: Record<string, string>;
  publishContext?: Record<string, string>;
}

export interface PublishRequest {
  volumeId: string;
  /** Set when the driver has STAGE_UNSTAGE_VOLUME. */
  stagingPath?: string;
  /** A directory (mount) or a file the device is bound onto (block); its parent exists. */
  targetPath: string;
  capability: VolumeCapability;
  readOnly: boolean;
  volumeContext: Record<string, string>;
  publishContext?: Record<string, string>;
}

export interface NodeExpandRequest {
  volumeId: string;
  /** The published (or staged) path of the volume. */
  volumePath: string;
  stagingPath?: string;
  requiredBytes: bigint;
  capability: VolumeCapability;
}

export interface VolumeUsage {
  unit: 'BYTES' | 'INODES';
  total: bigint;
  used: bigint;
  available: bigint;
}

export interface NodeInfo {
  nodeId: string;
  maxVolumesPerNode: number;
  accessibleTopology?: Topology;
}

/** Identity + Controller + Node service of one driver. */
export interface CsiDriver {
  getPluginInfo(): Promise<{ name: string; vendorVersion: string }>;
  getPluginCapabilities(): Promise<Set<PluginCapability>>;
  probe(): Promise<boolean>;

  controllerGetCapabilities(): Promise<Set<ControllerCapability>>;
  createVolume(req: CreateVolumeRequest): Promise<CsiVolume>;
  /** NotFound is success (idempotent), as the spec says. */
  deleteVolume(volumeId: string): Promise<void>;
  controllerExpandVolume(volumeId: string, requiredBytes: bigint, capability?: VolumeCapability): Promise<ControllerExpandResult>;
  createSnapshot(sourceVolumeId: string, name: string, parameters: Record<string, string>): Promise<CsiSnapshot>;
  deleteSnapshot(snapshotId: string): Promise<void>;

  nodeGetCapabilities(): Promise<Set<NodeCapability>>;
  nodeGetInfo(): Promise<NodeInfo>;
  nodeStageVolume(req: StageRequest): Promise<void>;
  nodeUnstageVolume(volumeId: string, stagingPath: string): Promise<void>;
  nodePublishVolume(req: PublishRequest): Promise<void>;
  nodeUnpublishVolume(volumeId: string, targetPath: string): Promise<void>;
  nodeExpandVolume(req: NodeExpandRequest): Promise<{ capacityBytes: bigint }>;
  nodeGetVolumeStats(volumeId: string, volumePath: string): Promise<VolumeUsage[]>;
}

/** gRPC status code names (google.rpc.Code) that CSI gives meaning to. */
export type CsiCode =
  | 'OK' | 'CANCELLED' | 'UNKNOWN' | 'INVALID_ARGUMENT' | 'DEADLINE_EXCEEDED' | 'NOT_FOUND' | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED' | 'RESOURCE_EXHAUSTED' | 'FAILED_PRECONDITION' | 'ABORTED' | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED' | 'INTERNAL' | 'UNAVAILABLE';

export class CsiError extends Error {
  constructor(readonly code: CsiCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CsiError';
  }
}

export const isCsiCode = (e: unknown, code: CsiCode): boolean => e instanceof CsiError && e.code === code;

/** Finds a driver by its name (the StorageClass provisioner / PV csi.driver). */
export interface CsiDriverRegistry {
  get(name: string): CsiDriver | undefined;
  names(): string[];
}

/**
 * The built-in drivers' names. CSI driver names must be DNS-1123 subdomains (PV validation of
 * spec.csi.driver and CSIDriver object names), so no `/`: reverse-domain style, as upstream's
 * hostpath.csi.k8s.io. Use these constants, never the literals.
 */
export const LOCAL_DIR_DRIVER = 'local-dir.csi.berth.dev';
export const BLOCK_DRIVER = 'block.csi.berth.dev';
/** Topology key the built-in drivers report: volumes live on one node. */
export const NODE_TOPOLOGY_KEY = 'topology.berth.dev/node';
