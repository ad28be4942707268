// The subset of the CSI v1 protocol Berth speaks, as a protobufjs JSON descriptor built here (the
// bundle must not read .proto files at runtime). Package, service, message and field names and
// field numbers follow the CSI spec so any CSI driver understands us on the wire; messages and
// fields Berth never uses (secrets are sent empty, group snapshots, list calls) are left out.
import * as grpc from '@grpc/grpc-js';
import { fromJSON, type PackageDefinition } from '@grpc/proto-loader';

type FieldJson = { id: number; type: string; rule?: 'repeated'; keyType?: string };
type MessageJson = { fields: Record<string, FieldJson>; oneofs?: Record<string, { oneof: string[] }>; nested?: Record<string, unknown> };

/** `{ name: 'type id' }`; `repeated T 3` and `map 4` (string→string) are understood. */
function message(fields: Record<string, string>, more: Omit<MessageJson, 'fields'> = {}): MessageJson {
  const out: Record<string, FieldJson> = {};
  for (const [name, spec] of Object.entries(fields)) {
    const parts = spec.split(' ');
    const id = Number(parts[parts.length - 1]);
    if (parts[0] === 'map') out[name] = { id, keyType: 'string', type: 'string' };
    else if (parts[0] === 'repeated') out[name] = { id, type: parts[1] as string, rule: 'repeated' };
    else out[name] = { id, type: parts[0] as string };
  }
  return { fields: out, ...more };
}

const enumOf = (...names: string[]) => ({ values: Object.fromEntries(names.map((n, i) => [n, i])) });
const empty = () => message({});
const rpcCapability = (...types: string[]) =>
  message({ rpc: 'RPC 1' }, { oneofs: { type: { oneof: ['rpc'] } }, nested: { RPC: message({ type: 'Type 1' }, { nested: { Type: enumOf('UNKNOWN', ...types) } }) } });
const service = (methods: string[]) => ({
  methods: Object.fromEntries(methods.map((m) => [m, { requestType: `${m}Request`, responseType: `${m}Response` }])),
});

const csiV1 = {
  Identity: service(['GetPluginInfo', 'GetPluginCapabilities', 'Probe']),
  Controller: service(['CreateVolume', 'DeleteVolume', 'ControllerGetCapabilities', 'CreateSnapshot', 'DeleteSnapshot', 'ControllerExpandVolume']),
  Node: service(['NodeStageVolume', 'NodeUnstageVolume', 'NodePublishVolume', 'NodeUnpublishVolume', 'NodeGetVolumeStats', 'NodeExpandVolume', 'NodeGetCapabilities', 'NodeGetInfo']),

  GetPluginInfoRequest: empty(),
  GetPluginInfoResponse: message({ name: 'string 1', vendor_version: 'string 2', manifest: 'map 3' }),
  GetPluginCapabilitiesRequest: empty(),
  GetPluginCapabilitiesResponse: message({ capabilities: 'repeated PluginCapability 1' }),
  PluginCapability: message(
    { service: 'Service 1', volume_expansion: 'VolumeExpansion 2' },
    {
      oneofs: { type: { oneof: ['service', 'volume_expansion'] } },
      nested: {
        Service: message({ type: 'Type 1' }, { nested: { Type: enumOf('UNKNOWN', 'CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS', 'GROUP_CONTROLLER_SERVICE', 'SNAPSHOT_METADATA_SERVICE') } }),
        VolumeExpansion: message({ type: 'Type 1' }, { nested: { Type: enumOf('UNKNOWN', 'ONLINE', 'OFFLINE') } }),
      },
    },
  ),
  ProbeRequest: empty(),
  ProbeResponse: message({ ready: 'google.protobuf.BoolValue 1' }),

  CreateVolumeRequest: message({
    name: 'string 1',
    capacity_range: 'CapacityRange 2',
    volume_capabilities: 'repeated VolumeCapability 3',
    parameters: 'map 4',
    secrets: 'map 5',
    volume_content_source: 'VolumeContentSource 6',
    accessibility_requirements: 'TopologyRequirement 7',
    mutable_parameters: 'map 8',
  }),
  CreateVolumeResponse: message({ volume: 'Volume 1' }),
  VolumeContentSource: message(
    { snapshot: 'SnapshotSource 1', volume: 'VolumeSource 2' },
    {
      oneofs: { type: { oneof: ['snapshot', 'volume'] } },
      nested: { SnapshotSource: message({ snapshot_id: 'string 1' }), VolumeSource: message({ volume_id: 'string 1' }) },
    },
  ),
  VolumeCapability: message(
    { block: 'BlockVolume 1', mount: 'MountVolume 2', access_mode: 'AccessMode 3' },
    {
      oneofs: { access_type: { oneof: ['block', 'mount'] } },
      nested: {
        BlockVolume: empty(),
        MountVolume: message({ fs_type: 'string 1', mount_flags: 'repeated string 2', volume_mount_group: 'string 3' }),
        AccessMode: message(
          { mode: 'Mode 1' },
          {
            nested: {
              Mode: enumOf(
                'UNKNOWN', 'SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY', 'MULTI_NODE_READER_ONLY',
                'MULTI_NODE_SINGLE_WRITER', 'MULTI_NODE_MULTI_WRITER', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER',
              ),
            },
          },
        ),
      },
    },
  ),
  CapacityRange: message({ required_bytes: 'int64 1', limit_bytes: 'int64 2' }),
  Volume: message({
    capacity_bytes: 'int64 1',
    volume_id: 'string 2',
    volume_context: 'map 3',
    content_source: 'VolumeContentSource 4',
    accessible_topology: 'repeated Topology 5',
  }),
  TopologyRequirement: message({ requisite: 'repeated Topology 1', preferred: 'repeated Topology 2' }),
  Topology: message({ segments: 'map 1' }),
  DeleteVolumeRequest: message({ volume_id: 'string 1', secrets: 'map 2' }),
  DeleteVolumeResponse: empty(),
  ControllerGetCapabilitiesRequest: empty(),
  ControllerGetCapabilitiesResponse: message({ capabilities: 'repeated ControllerServiceCapability 1' }),
  ControllerServiceCapability: rpcCapability(
    'CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'GET_CAPACITY', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS',
    'CLONE_VOLUME', 'PUBLISH_READONLY', 'EXPAND_VOLUME', 'LIST_VOLUMES_PUBLISHED_NODES', 'VOLUME_CONDITION', 'GET_VOLUME',
    'SINGLE_NODE_MULTI_WRITER', 'MODIFY_VOLUME', 'GET_SNAPSHOT',
  ),
  CreateSnapshotRequest: message({ source_volume_id: 'string 1', name: 'string 2', secrets: 'map 3', parameters: 'map 4' }),
  CreateSnapshotResponse: message({ snapshot: 'Snapshot 1' }),
  Snapshot: message({
    size_bytes: 'int64 1',
    snapshot_id: 'string 2',
    source_volume_id: 'string 3',
    creation_time: 'google.protobuf.Timestamp 4',
    ready_to_use: 'bool 5',
    group_snapshot_id: 'string 6',
  }),
  DeleteSnapshotRequest: message({ snapshot_id: 'string 1', secrets: 'map 2' }),
  DeleteSnapshotResponse: empty(),
  ControllerExpandVolumeRequest: message({ volume_id: 'string 1', capacity_range: 'CapacityRange 2', secrets: 'map 3', volume_capability: 'VolumeCapability 4' }),
  ControllerExpandVolumeResponse: message({ capacity_bytes: 'int64 1', node_expansion_required: 'bool 2' }),

  NodeStageVolumeRequest: message({
    volume_id: 'string 1',
    publish_context: 'map 2',
    staging_target_path: 'string 3',
    volume_capability: 'VolumeCapability 4',
    secrets: 'map 5',
    volume_context: 'map 6',
  }),
  NodeStageVolumeResponse: empty(),
  NodeUnstageVolumeRequest: message({ volume_id: 'string 1', staging_target_path: 'string 2' }),
  NodeUnstageVolumeResponse: empty(),
  NodePublishVolumeRequest: message({
    volume_id: 'string 1',
    publish_context: 'map 2',
    staging_target_path: 'string 3',
    target_path: 'string 4',
    volume_capability: 'VolumeCapability 5',
    readonly: 'bool 6',
    secrets: 'map 7',
    volume_context: 'map 8',
  }),
  NodePublishVolumeResponse: empty(),
  NodeUnpublishVolumeRequest: message({ volume_id: 'string 1', target_path: 'string 2' }),
  NodeUnpublishVolumeResponse: empty(),
  NodeGetVolumeStatsRequest: message({ volume_id: 'string 1', volume_path: 'string 2', staging_target_path: 'string 3' }),
  NodeGetVolumeStatsResponse: message({ usage: 'repeated VolumeUsage 1', volume_condition: 'VolumeCondition 2' }),
  VolumeUsage: message(
    { available: 'int64 1', total: 'int64 2', used: 'int64 3', unit: 'Unit 4' },
    { nested: { Unit: enumOf('UNKNOWN', 'BYTES', 'INODES') } },
  ),
  VolumeCondition: message({ abnormal: 'bool 1', message: 'string 2' }),
  NodeGetCapabilitiesRequest: empty(),
  NodeGetCapabilitiesResponse: message({ capabilities: 'repeated NodeServiceCapability 1' }),
  NodeServiceCapability: rpcCapability('STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'EXPAND_VOLUME', 'VOLUME_CONDITION', 'SINGLE_NODE_MULTI_WRITER'),
  NodeGetInfoRequest: empty(),
  NodeGetInfoResponse: message({ node_id: 'string 1', max_volumes_per_node: 'int64 2', accessible_topology: 'Topology 3' }),
  NodeExpandVolumeRequest: message({
    volume_id: 'string 1',
    volume_path: 'string 2',
    capacity_range: 'CapacityRange 3',
    staging_target_path: 'string 4',
    volume_capability: 'VolumeCapability 5',
    secrets: 'map 6',
  }),
  NodeExpandVolumeResponse: message({ capacity_bytes: 'int64 1' }),
};

// The two well-known types CSI uses, with their standard field numbers.
const googleProtobuf = {
  BoolValue: message({ value: 'bool 1' }),
  Timestamp: message({ seconds: 'int64 1', nanos: 'int32 2' }),
};

export const CSI_DESCRIPTOR = { nested: { csi: { nested: { v1: { nested: csiV1 } } }, google: { nested: { protobuf: { nested: googleProtobuf } } } } };

/**
 * Messages are plain objects with the spec's snake_case field names; int64 travels as a decimal
 * string (no precision loss; callers convert to bigint), enums as their names, oneofs as the set
 * field alone; absent fields stay absent (readers supply defaults).
 */
const loaderOptions = { longs: String, enums: String, defaults: false, oneofs: false };

export interface CsiServices {
  Identity: grpc.ServiceClientConstructor;
  Controller: grpc.ServiceClientConstructor;
  Node: grpc.ServiceClientConstructor;
}

let cached: CsiServices | undefined;

/** The client constructors (whose `.service` is the definition a server adds). */
export function csiServices(): CsiServices {
  if (cached) return cached;
  const def: PackageDefinition = fromJSON(CSI_DESCRIPTOR as unknown as Parameters<typeof fromJSON>[0], loaderOptions);
  const v1 = (grpc.loadPackageDefinition(def) as unknown as { csi: { v1: CsiServices } }).csi.v1;
  cached = { Identity: v1.Identity, Controller: v1.Controller, Node: v1.Node };
  return cached;
}
