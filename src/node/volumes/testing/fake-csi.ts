// An in-memory CSI driver for the node's volume tests: it records every Node call and makes the
// paths a real driver would (target directories / files) without mounting anything.
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import type { CsiDriver, CsiDriverRegistry, NodeCapability, NodeExpandRequest, PublishRequest, StageRequest } from '../../../storage/csi/types';
import { CsiError } from '../../../storage/csi/types';

export type Call =
  | { op: 'stage'; req: StageRequest }
  | { op: 'publish'; req: PublishRequest }
  | { op: 'unpublish'; volumeId: string; targetPath: string }
  | { op: 'unstage'; volumeId: string; stagingPath: string }
  | { op: 'expand'; req: NodeExpandRequest };

const unimplemented = (what: string) => () => Promise.reject(new CsiError('UNIMPLEMENTED', `${what} is not part of the fake node driver`));

export class FakeCsiDriver implements CsiDriver {
  readonly calls: Call[] = [];
  /** Thrown by nodeExpandVolume / nodeStageVolume while set. */
  expandError: CsiError | undefined;
  stageError: CsiError | undefined;

  constructor(
    readonly name: string,
    readonly caps: NodeCapability[] = ['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME'],
  ) {}

  /** The calls as short strings, e.g. "stage vol-1", "publish vol-1 <uid>". */
  ops(): string[] {
    return this.calls.map((c) => {
      if (c.op === 'stage') return `stage ${c.req.volumeId}`;
      if (c.op === 'publish') return `publish ${c.req.volumeId} ${podOf(c.req.targetPath)}`;
      if (c.op === 'unpublish') return `unpublish ${c.volumeId} ${podOf(c.targetPath)}`;
      if (c.op === 'unstage') return `unstage ${c.volumeId}`;
      return `expand ${c.req.volumeId} ${c.req.requiredBytes}`;
    });
  }

  getPluginInfo = () => Promise.resolve({ name: this.name, vendorVersion: 'test' });
  getPluginCapabilities = () => Promise.resolve(new Set<never>());
  probe = () => Promise.resolve(true);
  controllerGetCapabilities = () => Promise.resolve(new Set<never>());
  createVolume = unimplemented('CreateVolume');
  deleteVolume = unimplemented('DeleteVolume');
  controllerExpandVolume = unimplemented('ControllerExpandVolume');
  createSnapshot = unimplemented('CreateSnapshot');
  deleteSnapshot = unimplemented('DeleteSnapshot');
  nodeGetVolumeStats = unimplemented('NodeGetVolumeStats');
  nodeGetCapabilities = () => Promise.resolve(new Set(this.caps));
  nodeGetInfo = () => Promise.resolve({ nodeId: 'fake', maxVolumesPerNode: 0 });

  async nodeStageVolume(req: StageRequest): Promise<void> {
    this.calls.push({ op: 'stage', req });
    if (this.stageError) throw this.stageError;
    await mkdir(req.stagingPath, { recursive: true });
  }

  async nodeUnstageVolume(volumeId: string, stagingPath: string): Promise<void> {
    this.calls.push({ op: 'unstage', volumeId, stagingPath });
    await rmdir(stagingPath).catch(() => undefined);
  }

  async nodePublishVolume(req: PublishRequest): Promise<void> {
    this.calls.push({ op: 'publish', req });
    if (req.capability.accessType === 'block') await writeFile(req.targetPath, '');
    else await mkdir(req.targetPath, { recursive: true });
  }

  async nodeUnpublishVolume(volumeId: string, targetPath: string): Promise<void> {
    this.calls.push({ op: 'unpublish', volumeId, targetPath });
    await rm(targetPath, { recursive: true, force: true });
  }

  nodeExpandVolume(req: NodeExpandRequest): Promise<{ capacityBytes: bigint }> {
    this.calls.push({ op: 'expand', req });
    if (this.expandError) return Promise.reject(this.expandError);
    return Promise.resolve({ capacityBytes: req.requiredBytes });
  }
}

/** The pod uid in a publish target (…/pods/<uid>/volumes|volumeDevices/…). */
function podOf(target: string): string {
  const parts = target.split('/');
  const i = parts.lastIndexOf('pods');
  return parts[i + 1] ?? '?';
}

export function registryOf(...drivers: (CsiDriver & { name: string })[]): CsiDriverRegistry {
  const byName = new Map(drivers.map((d) => [d.name, d]));
  return { get: (n) => byName.get(n), names: () => [...byName.keys()] };
}
