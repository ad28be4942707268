// The local-dir driver (LOCAL_DIR_DRIVER): dir volumes of the node's pool (on btrfs, subvolumes with an enforced
// qgroup limit). No staging: NodePublishVolume bind-mounts the volume's directory at the
// target, read-only when asked. StorageClass parameters: none. Capabilities: mount only (any
// access mode; the volume's topology keeps it on this node). Expansion needs no node step.
import type { CreateVolumeRequest, NodeCapability, NodeExpandRequest, PublishRequest, StageRequest, VolumeUsage } from '../types';
import { BLOCK_DRIVER, CsiError, LOCAL_DIR_DRIVER } from '../types';
import { csiCall, invalidArgument } from './errors';
import { PoolDriver } from './pool-driver';
import { publishBind, unpublish } from './publish';
import { pathUsage } from './stats';

export class LocalDirDriver extends PoolDriver {
  readonly driverName = LOCAL_DIR_DRIVER;
  protected readonly kind = 'dir';
  /** No size asked: no limit (the volume shares its filesystem's free space). */
  protected readonly defaultBytes = 0n;
  protected readonly minBytes = 0n;

  protected validateCreate(req: CreateVolumeRequest): string | undefined {
    const keys = Object.keys(req.parameters);
    if (keys.length > 0) throw invalidArgument(`${LOCAL_DIR_DRIVER} takes no StorageClass parameters; remove ${keys.join(', ')}`);
    if (req.capabilities.some((c) => c.accessType !== 'mount')) {
      throw invalidArgument(`${LOCAL_DIR_DRIVER} volumes are directories and cannot be raw block devices; use volumeMode: Filesystem, or a StorageClass of ${BLOCK_DRIVER}`);
    }
    return undefined;
  }

  protected nodeExpansionRequired(): boolean {
    return false;
  }

  async nodeGetCapabilities(): Promise<Set<NodeCapability>> {
    return new Set<NodeCapability>(['GET_VOLUME_STATS']);
  }

  async nodeStageVolume(_req: StageRequest): Promise<void> {
    throw new CsiError('UNIMPLEMENTED', `${LOCAL_DIR_DRIVER} has no STAGE_UNSTAGE_VOLUME capability; publish the volume directly`);
  }

  async nodeUnstageVolume(_volumeId: string, _stagingPath: string): Promise<void> {
    throw new CsiError('UNIMPLEMENTED', `${LOCAL_DIR_DRIVER} has no STAGE_UNSTAGE_VOLUME capability; unpublish the volume directly`);
  }

  async nodePublishVolume(req: PublishRequest): Promise<void> {
    if (req.volumeId === '' || req.targetPath === '') throw invalidArgument('NodePublishVolume needs a volume id and a target path');
    if (req.capability.accessType !== 'mount') throw invalidArgument(`${LOCAL_DIR_DRIVER} volumes can only be mounted; use volumeMode: Filesystem`);
    await csiCall(async () => {
      await this.ownVolume(req.volumeId);
      await publishBind(await this.pool.path(req.volumeId), req.targetPath, req.readOnly, 'dir');
    });
  }

  async nodeUnpublishVolume(volumeId: string, targetPath: string): Promise<void> {
    if (volumeId === '' || targetPath === '') throw invalidArgument('NodeUnpublishVolume needs a volume id and a target path');
    await csiCall(() => unpublish(targetPath));
  }

  async nodeExpandVolume(req: NodeExpandRequest): Promise<{ capacityBytes: bigint }> {
    return csiCall(async () => ({ capacityBytes: (await this.ownVolume(req.volumeId)).sizeBytes }));
  }

  async nodeGetVolumeStats(volumeId: string, volumePath: string): Promise<VolumeUsage[]> {
    return csiCall(async () => {
      const rec = await this.ownVolume(volumeId);
      const fs = await pathUsage(volumePath);
      if (!rec.capacityEnforced || rec.sizeBytes === 0n) return fs;
      // statfs shows the whole btrfs filesystem; the volume's bytes are its qgroup's.
      const { usedBytes } = await this.pool.usage(volumeId);
      const fsAvail = fs.find((u) => u.unit === 'BYTES')?.available ?? 0n;
      const left = rec.sizeBytes > usedBytes ? rec.sizeBytes - usedBytes : 0n;
      const bytes: VolumeUsage = { unit: 'BYTES', total: rec.sizeBytes, used: usedBytes, available: left < fsAvail ? left : fsAvail };
      return [bytes, ...fs.filter((u) => u.unit === 'INODES')];
    });
  }
}
