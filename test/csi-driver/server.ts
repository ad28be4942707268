// A small CSI driver for tests: Identity, Controller and Node on one unix socket, with directory
// volumes under its own root (see store.ts). Publish bind-mounts the volume directory onto the
// target (read-only when asked); stage only records where the volume is staged.
import * as grpc from '@grpc/grpc-js';
import { mkdir, rm, rmdir, stat, statfs } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { capabilityFromWire, codeNumber, contentSourceFromWire, int64, timestampToWire, wireInt64, type WireCapability, type WireContentSource } from '../../src/storage/csi/grpc/codec';
import { csiServices } from '../../src/storage/csi/grpc/proto';
import { CsiError, type Topology } from '../../src/storage/csi/types';
import { bindMount, mountAt, unmount } from './mounts';
import { TestVolumeStore, type SnapshotRecord, type VolumeRecord } from './store';

export const TEST_CSI_DRIVER_NAME = 'csi.test.berth.dev';

export interface TestCsiDriverOptions {
  /** The unix socket to serve on (a stale file there is replaced). */
  socket: string;
  /** Where volumes, snapshots and records live. */
  root: string;
  name?: string;
  /** NodeGetInfo's node_id (default: the host name). */
  nodeId?: string;
  /** Segments reported by NodeGetInfo and on every volume; none (accessible anywhere) by default. */
  topology?: Topology;
  /** ControllerExpandVolume's node_expansion_required (default true). */
  nodeExpansionRequired?: boolean;
}

export interface TestCsiDriver {
  readonly name: string;
  readonly socket: string;
  readonly root: string;
  /** Every request received, oldest first, for assertions on what the CO sent. */
  readonly requests: { rpc: string; request: Record<string, unknown> }[];
  stop(): Promise<void>;
}

type Req = Record<string, unknown>;
type Handler = (req: Req) => Promise<object>;

function need<T>(req: Req, field: string, rpc: string): T {
  const v = req[field];
  if (v === undefined || v === '' || v === null) throw new CsiError('INVALID_ARGUMENT', `${rpc}: ${field} is required`);
  return v as T;
}

function mountCapability(wire: WireCapability, field: string, rpc: string): void {
  const cap = capabilityFromWire(wire);
  if (!cap) throw new CsiError('INVALID_ARGUMENT', `${rpc}: ${field} needs an access mode and block or mount`);
  if (cap.accessType === 'block') throw new CsiError('INVALID_ARGUMENT', `${rpc}: block volumes are not supported by the test driver; use a mount capability`);
}

const asStatus = (e: unknown): Partial<grpc.StatusObject> =>
  e instanceof CsiError ? { code: codeNumber(e.code), details: e.message } : { code: grpc.status.INTERNAL, details: e instanceof Error ? e.message : String(e) };

export async function startTestCsiDriver(o: TestCsiDriverOptions): Promise<TestCsiDriver> {
  const name = o.name ?? TEST_CSI_DRIVER_NAME;
  const store = new TestVolumeStore(o.root);
  await store.init();
  const requests: TestCsiDriver['requests'] = [];
  const topology = o.topology ? [{ segments: o.topology }] : [];

  const volumeOut = (v: VolumeRecord) => ({
    volume: { volume_id: v.id, capacity_bytes: v.capacity, volume_context: { name: v.name }, ...(v.source ? { content_source: sourceOut(v) } : {}), accessible_topology: topology },
  });
  const sourceOut = (v: VolumeRecord): WireContentSource | undefined =>
    v.source && ('snapshotId' in v.source ? { snapshot: { snapshot_id: v.source.snapshotId } } : { volume: { volume_id: v.source.volumeId } });
  const snapshotOut = (s: SnapshotRecord) => ({
    snapshot: { snapshot_id: s.id, source_volume_id: s.sourceVolumeId, size_bytes: s.size, creation_time: timestampToWire(s.createdMs), ready_to_use: true },
  });

  const identity: Record<string, Handler> = {
    GetPluginInfo: async () => ({ name, vendor_version: '0.1.0' }),
    GetPluginCapabilities: async () => ({
      capabilities: [
        { service: { type: 'CONTROLLER_SERVICE' } },
        ...(o.topology ? [{ service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } }] : []),
        { volume_expansion: { type: 'ONLINE' } },
      ],
    }),
    Probe: async () => ({ ready: { value: true } }),
  };

  const controller: Record<string, Handler> = {
    ControllerGetCapabilities: async () => ({
      capabilities: ['CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CLONE_VOLUME'].map((type) => ({ rpc: { type } })),
    }),
    CreateVolume: async (req) => {
      const volName = need<string>(req, 'name', 'CreateVolume');
      const caps = need<WireCapability[]>(req, 'volume_capabilities', 'CreateVolume');
      if (caps.length === 0) throw new CsiError('INVALID_ARGUMENT', 'CreateVolume: volume_capabilities is required');
      caps.forEach((c, i) => mountCapability(c, `volume_capabilities[${i}]`, 'CreateVolume'));
      const range = (req.capacity_range ?? {}) as { required_bytes?: string; limit_bytes?: string };
      const source = contentSourceFromWire(req.volume_content_source as WireContentSource | undefined);
      const params = (req.parameters ?? {}) as Record<string, string>;
      return volumeOut(await store.createVolume(volName, int64(range.required_bytes), int64(range.limit_bytes), params, source));
    },
    DeleteVolume: async (req) => {
      await store.deleteVolume(need(req, 'volume_id', 'DeleteVolume'));
      return {};
    },
    ControllerExpandVolume: async (req) => {
      const id = need<string>(req, 'volume_id', 'ControllerExpandVolume');
      const range = need<{ required_bytes?: string }>(req, 'capacity_range', 'ControllerExpandVolume');
      const v = await store.expandVolume(id, int64(range.required_bytes));
      return { capacity_bytes: v.capacity, node_expansion_required: o.nodeExpansionRequired ?? true };
    },
    CreateSnapshot: async (req) => {
      const source = need<string>(req, 'source_volume_id', 'CreateSnapshot');
      return snapshotOut(await store.createSnapshot(source, need(req, 'name', 'CreateSnapshot'), Date.now()));
    },
    DeleteSnapshot: async (req) => {
      await store.deleteSnapshot(need(req, 'snapshot_id', 'DeleteSnapshot'));
      return {};
    },
  };

  const node: Record<string, Handler> = {
    NodeGetCapabilities: async () => ({ capabilities: ['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME', 'GET_VOLUME_STATS'].map((type) => ({ rpc: { type } })) }),
    NodeGetInfo: async () => ({ node_id: o.nodeId ?? hostname(), max_volumes_per_node: '0', ...(o.topology ? { accessible_topology: { segments: o.topology } } : {}) }),
    NodeStageVolume: async (req) => {
      const id = need<string>(req, 'volume_id', 'NodeStageVolume');
      const path = need<string>(req, 'staging_target_path', 'NodeStageVolume');
      mountCapability(need(req, 'volume_capability', 'NodeStageVolume'), 'volume_capability', 'NodeStageVolume');
      await store.mustVolume(id, 'NodeStageVolume');
      const at = await store.stagedAt(id);
      if (at !== undefined && at !== path) throw new CsiError('ALREADY_EXISTS', `NodeStageVolume: volume ${id} is already staged at ${at}; unstage it first`);
      if (at === undefined) await store.stage(id, path);
      return {};
    },
    NodeUnstageVolume: async (req) => {
      const id = need<string>(req, 'volume_id', 'NodeUnstageVolume');
      need(req, 'staging_target_path', 'NodeUnstageVolume');
      await store.mustVolume(id, 'NodeUnstageVolume');
      await store.unstage(id);
      return {};
    },
    NodePublishVolume: async (req) => {
      const id = need<string>(req, 'volume_id', 'NodePublishVolume');
      const staging = need<string>(req, 'staging_target_path', 'NodePublishVolume');
      const target = need<string>(req, 'target_path', 'NodePublishVolume');
      mountCapability(need(req, 'volume_capability', 'NodePublishVolume'), 'volume_capability', 'NodePublishVolume');
      const readOnly = req.readonly === true;
      await store.mustVolume(id, 'NodePublishVolume');
      const at = await store.stagedAt(id);
      if (at !== staging) throw new CsiError('FAILED_PRECONDITION', `NodePublishVolume: volume ${id} is not staged at ${staging}; call NodeStageVolume first`);
      const mounted = await mountAt(target);
      if (mounted) {
        if (mounted.readOnly !== readOnly) throw new CsiError('ALREADY_EXISTS', `NodePublishVolume: ${target} is already published ${mounted.readOnly ? 'read-only' : 'read-write'}; unpublish it first`);
        return {};
      }
      await mkdir(target, { recursive: false }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw new CsiError('FAILED_PRECONDITION', `NodePublishVolume: cannot create ${target}: ${e.message}`);
      });
      await bindMount(store.volumeDir(id), target, readOnly);
      return {};
    },
    NodeUnpublishVolume: async (req) => {
      const id = need<string>(req, 'volume_id', 'NodeUnpublishVolume');
      const target = need<string>(req, 'target_path', 'NodeUnpublishVolume');
      await store.mustVolume(id, 'NodeUnpublishVolume');
      while (await mountAt(target)) await unmount(target);
      await rmdir(target).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw new CsiError('INTERNAL', `NodeUnpublishVolume: cannot remove ${target}: ${e.message}`);
      });
      return {};
    },
    NodeExpandVolume: async (req) => {
      const id = need<string>(req, 'volume_id', 'NodeExpandVolume');
      const path = need<string>(req, 'volume_path', 'NodeExpandVolume');
      await store.mustVolume(id, 'NodeExpandVolume');
      if (!(await stat(path).catch(() => undefined))) throw new CsiError('NOT_FOUND', `NodeExpandVolume: volume path ${path} does not exist`);
      const range = (req.capacity_range ?? {}) as { required_bytes?: string };
      return { capacity_bytes: wireInt64(await store.nodeExpand(id, int64(range.required_bytes))) };
    },
    NodeGetVolumeStats: async (req) => {
      const id = need<string>(req, 'volume_id', 'NodeGetVolumeStats');
      const path = need<string>(req, 'volume_path', 'NodeGetVolumeStats');
      const v = await store.mustVolume(id, 'NodeGetVolumeStats');
      if (!(await stat(path).catch(() => undefined))) throw new CsiError('NOT_FOUND', `NodeGetVolumeStats: volume path ${path} does not exist`);
      const total = BigInt(v.capacity);
      const used = await store.usedBytes(id);
      const fs = await statfs(path, { bigint: true });
      return {
        usage: [
          { unit: 'BYTES', total: wireInt64(total), used: wireInt64(used), available: wireInt64(total > used ? total - used : 0n) },
          { unit: 'INODES', total: wireInt64(fs.files), used: wireInt64(fs.files - fs.ffree), available: wireInt64(fs.ffree) },
        ],
      };
    },
  };

  const server = new grpc.Server();
  const impl = (handlers: Record<string, Handler>): grpc.UntypedServiceImplementation =>
    Object.fromEntries(
      Object.entries(handlers).map(([rpc, fn]) => [
        rpc,
        (call: grpc.ServerUnaryCall<Req, object>, cb: grpc.sendUnaryData<object>) => {
          requests.push({ rpc, request: call.request });
          fn(call.request).then((res) => cb(null, res), (e: unknown) => cb(asStatus(e)));
        },
      ]),
    );
  const s = csiServices();
  server.addService(s.Identity.service, impl(identity));
  server.addService(s.Controller.service, impl(controller));
  server.addService(s.Node.service, impl(node));

  await mkdir(dirname(o.socket), { recursive: true });
  await rm(o.socket, { force: true });
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${o.socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));

  let stopped: Promise<void> | undefined;
  return {
    name,
    socket: o.socket,
    root: o.root,
    requests,
    stop: () =>
      (stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 2000);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await rm(o.socket, { force: true });
      })()),
  };
}
