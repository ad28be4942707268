// The block driver (BLOCK_DRIVER): block volumes of the node's pool (a sparse ext4 image on a loop device;
// capacity always enforced). STAGE_UNSTAGE_VOLUME: stage attaches the image and mounts its ext4
// at the staging path (raw block: attaches only); publish bind-mounts the staging directory, or
// the loop device node onto the target file. StorageClass parameter: fsType (ext4). A mounted
// volume's filesystem grows by NodeExpandVolume, or at the next stage where the host forbids
// growing a mounted ext4 (no CAP_SYS_RESOURCE).
import { mountsAt } from '../../mounts';
import { BLOCK_MIN_BYTES } from '../../pool/sizes';
import type { VolumeRecord } from '../../pool/records';
import type { CreateVolumeRequest, NodeCapability, NodeExpandRequest, PublishRequest, StageRequest, VolumeCapability, VolumeUsage } from '../types';
import { BLOCK_DRIVER, CsiError } from '../types';
import { csiCall, invalidArgument } from './errors';
import { DEFAULT_BLOCK_BYTES, PoolDriver } from './pool-driver';
import { publishBind, unpublish } from './publish';
import { pathUsage } from './stats';

const ACCEPTED_PARAMETERS = ['fsType'];

function checkFsType(fsType: string | undefined): void {
  if (fsType !== undefined && fsType !== '' && fsType !== 'ext4') throw invalidArgument(`${BLOCK_DRIVER} formats volumes with ext4 only, not ${fsType}; set fsType: ext4 or leave it out`);
}

export class BlockDriver extends PoolDriver {
  readonly driverName = BLOCK_DRIVER;
  protected readonly kind = 'block';
  protected readonly defaultBytes = DEFAULT_BLOCK_BYTES;
  protected readonly minBytes = BLOCK_MIN_BYTES;

  protected validateCreate(req: CreateVolumeRequest): string | undefined {
    const unknown = Object.keys(req.parameters).filter((k) => !ACCEPTED_PARAMETERS.includes(k));
    if (unknown.length > 0) throw invalidArgument(`${BLOCK_DRIVER} accepts the StorageClass parameter fsType only; remove ${unknown.join(', ')}`);
    checkFsType(req.parameters.fsType);
    let mount = false;
    for (const c of req.capabilities) {
      if (c.accessType === 'mount') {
        checkFsType(c.fsType);
        mount = true;
      }
    }
    // Restores and clones keep their source's filesystem; a mounted use needs one.
    if (req.contentSource) return mount ? 'ext4' : undefined;
    return mount || req.parameters.fsType === 'ext4' ? 'ext4' : 'none';
  }

  protected nodeExpansionRequired(rec: VolumeRecord, capability?: VolumeCapability): boolean {
    return rec.fsType === 'ext4' && capability?.accessType !== 'block';
  }

  async nodeGetCapabilities(): Promise<Set<NodeCapability>> {
    return new Set<NodeCapability>(['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME', 'GET_VOLUME_STATS']);
  }

  async nodeStageVolume(req: StageRequest): Promise<void> {
    if (req.volumeId === '' || req.stagingPath === '') throw invalidArgument('NodeStageVolume needs a volume id and a staging path');
    await csiCall(async () => {
      await this.ownVolume(req.volumeId);
      if (req.capability.accessType === 'block') {
        await this.pool.attach(req.volumeId);
        return;
      }
      checkFsType(req.capability.fsType);
      await this.pool.stage(req.volumeId, req.stagingPath, { mountFlags: req.capability.mountFlags ?? [] });
    });
  }

  async nodeUnstageVolume(volumeId: string, stagingPath: string): Promise<void> {
    if (volumeId === '' || stagingPath === '') throw invalidArgument('NodeUnstageVolume needs a volume id and a staging path');
    await csiCall(() => this.pool.unstage(volumeId, stagingPath));
  }

  async nodePublishVolume(req: PublishRequest): Promise<void> {
    if (req.volumeId === '' || req.targetPath === '') throw invalidArgument('NodePublishVolume needs a volume id and a target path');
    const staging = req.stagingPath;
    if (staging === undefined || staging === '') throw new CsiError('FAILED_PRECONDITION', `${BLOCK_DRIVER} publishes staged volumes only; call NodeStageVolume first and pass its staging path`);
    await csiCall(async () => {
      await this.ownVolume(req.volumeId);
      const device = await this.pool.device(req.volumeId);
      if (device === undefined) throw new CsiError('FAILED_PRECONDITION', `volume ${req.volumeId} is not staged on this node (no loop device); call NodeStageVolume first`);
      if (req.capability.accessType === 'block') return publishBind(device, req.targetPath, req.readOnly, 'file');
      if ((await mountsAt(staging)).at(-1)?.source !== device) throw new CsiError('FAILED_PRECONDITION', `volume ${req.volumeId} is not mounted at the staging path ${staging}; call NodeStageVolume first`);
      await publishBind(staging, req.targetPath, req.readOnly, 'dir');
    });
  }

  async nodeUnpublishVolume(volumeId: string, targetPath: string): Promise<void> {
    if (volumeId === '' || targetPath === '') throw invalidArgument('NodeUnpublishVolume needs a volume id and a target path');
    await csiCall(() => unpublish(targetPath));
  }

  async nodeExpandVolume(req: NodeExpandRequest): Promise<{ capacityBytes: bigint }> {
    return csiCall(async () => {
      const rec = await this.ownVolume(req.volumeId);
      if (req.capability.accessType === 'block' || rec.fsType !== 'ext4') return { capacityBytes: rec.sizeBytes };
      const r = await this.pool.growFilesystem(req.volumeId);
      if (r.status === 'offline-required') {
        throw new CsiError('FAILED_PRECONDITION', `Cannot grow the filesystem of volume ${req.volumeId} now: ${r.message} — restart the pod`);
      }
      return { capacityBytes: rec.sizeBytes };
    });
  }

  async nodeGetVolumeStats(volumeId: string, volumePath: string): Promise<VolumeUsage[]> {
    return csiCall(async () => {
      await this.ownVolume(volumeId);
      return pathUsage(volumePath);
    });
  }
}
