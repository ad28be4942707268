// Conversions between the CsiDriver contract (camelCase, bigint, unions) and CSI wire messages as
// the loader hands them over (snake_case, int64 as decimal strings, enums by name, absent fields
// absent). Pure functions, so both the client and the test driver use them.
import { CsiError, type ContentSource, type CsiAccessMode, type CsiCode, type CsiSnapshot, type CsiVolume, type Topology, type VolumeCapability } from '../types';

export type StringMap = Record<string, string>;
/** int64 on the wire: the loader yields decimal strings; it accepts strings when encoding. */
export type WireInt64 = string;

export interface WireCapability {
  block?: Record<string, never>;
  mount?: { fs_type?: string; mount_flags?: string[]; volume_mount_group?: string };
  access_mode?: { mode?: string };
}
export interface WireContentSource {
  snapshot?: { snapshot_id?: string };
  volume?: { volume_id?: string };
}
export interface WireTopology {
  segments?: StringMap;
}
export interface WireVolume {
  capacity_bytes?: WireInt64;
  volume_id?: string;
  volume_context?: StringMap;
  content_source?: WireContentSource;
  accessible_topology?: WireTopology[];
}
export interface WireSnapshot {
  size_bytes?: WireInt64;
  snapshot_id?: string;
  source_volume_id?: string;
  creation_time?: { seconds?: WireInt64; nanos?: number };
  ready_to_use?: boolean;
}

export const int64 = (v: WireInt64 | number | undefined): bigint => (v === undefined || v === '' ? 0n : BigInt(v));
export const wireInt64 = (v: bigint): WireInt64 => v.toString();

export function capabilityToWire(c: VolumeCapability): WireCapability {
  const access_mode = { mode: c.accessMode };
  if (c.accessType === 'block') return { block: {}, access_mode };
  const mount: NonNullable<WireCapability['mount']> = {};
  if (c.fsType) mount.fs_type = c.fsType;
  if (c.mountFlags?.length) mount.mount_flags = c.mountFlags;
  return { mount, access_mode };
}

const ACCESS_MODES = new Set<string>([
  'SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY', 'MULTI_NODE_READER_ONLY', 'MULTI_NODE_SINGLE_WRITER',
  'MULTI_NODE_MULTI_WRITER', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER',
]);

/** Undefined when the capability names neither block nor mount, or no known access mode. */
export function capabilityFromWire(w: WireCapability | undefined): VolumeCapability | undefined {
  const mode = w?.access_mode?.mode;
  if (!w || mode === undefined || !ACCESS_MODES.has(mode)) return undefined;
  const accessMode = mode as CsiAccessMode;
  if (w.block) return { accessType: 'block', accessMode };
  if (!w.mount) return undefined;
  const c: VolumeCapability = { accessType: 'mount', accessMode };
  if (w.mount.fs_type) c.fsType = w.mount.fs_type;
  if (w.mount.mount_flags?.length) c.mountFlags = w.mount.mount_flags;
  return c;
}

export const contentSourceToWire = (s: ContentSource): WireContentSource =>
  'snapshotId' in s ? { snapshot: { snapshot_id: s.snapshotId } } : { volume: { volume_id: s.volumeId } };

export function contentSourceFromWire(w: WireContentSource | undefined): ContentSource | undefined {
  if (w?.snapshot) return { snapshotId: w.snapshot.snapshot_id ?? '' };
  if (w?.volume) return { volumeId: w.volume.volume_id ?? '' };
  return undefined;
}

export const topologyToWire = (t: Topology): WireTopology => ({ segments: t });
export const topologyFromWire = (w: WireTopology | undefined): Topology => ({ ...(w?.segments ?? {}) });

export function volumeFromWire(w: WireVolume | undefined, rpc: string): CsiVolume {
  if (!w?.volume_id) throw new CsiError('INTERNAL', `${rpc}: the driver answered without a volume_id; the driver is not CSI-conformant`);
  const v = { volumeId: w.volume_id, capacityBytes: int64(w.capacity_bytes), volumeContext: { ...(w.volume_context ?? {}) } };
  const src = contentSourceFromWire(w.content_source);
  const topo = w.accessible_topology?.map(topologyFromWire);
  return { ...v, ...(src ? { contentSource: src } : {}), ...(topo?.length ? { accessibleTopology: topo } : {}) };
}

export function snapshotFromWire(w: WireSnapshot | undefined, rpc: string): CsiSnapshot {
  if (!w?.snapshot_id) throw new CsiError('INTERNAL', `${rpc}: the driver answered without a snapshot_id; the driver is not CSI-conformant`);
  const t = w.creation_time;
  return {
    snapshotId: w.snapshot_id,
    sourceVolumeId: w.source_volume_id ?? '',
    sizeBytes: int64(w.size_bytes),
    creationTimeMs: Number(int64(t?.seconds)) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6),
    readyToUse: w.ready_to_use ?? false,
  };
}

export const timestampToWire = (ms: number): { seconds: WireInt64; nanos: number } => ({
  seconds: String(Math.floor(ms / 1000)),
  nanos: (ms % 1000) * 1e6,
});

/** google.rpc.Code numbers → the names CsiError carries (DATA_LOSS and UNAUTHENTICATED folded in). */
const CODES: CsiCode[] = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'INTERNAL', 'PERMISSION_DENIED',
];

export const codeName = (code: number): CsiCode => CODES[code] ?? 'UNKNOWN';
export const codeNumber = (name: CsiCode): number => CODES.indexOf(name);
