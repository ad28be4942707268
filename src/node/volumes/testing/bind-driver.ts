// A real (trivial) CSI node driver for tests: it binds volumeContext.path at the staging path
// and the staging path at the publish target (mount), or volumeContext.device onto the target
// file (block); read-only publishes are remounted ro. It records its calls like the fake.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CsiDriver, NodeCapability, PublishRequest, StageRequest } from '../../../storage/csi/types';
import { bindMount, mountsAt, unmount } from '../../../storage/mounts';
import { FakeCsiDriver } from './fake-csi';

const run = promisify(execFile);

export class BindDriver extends FakeCsiDriver implements CsiDriver {
  constructor(name: string, caps: NodeCapability[]) {
    super(name, caps);
  }

  override async nodeStageVolume(req: StageRequest): Promise<void> {
    await super.nodeStageVolume(req);
    if ((await mountsAt(req.stagingPath)).length === 0) await bindMount(req.volumeContext.path ?? '', req.stagingPath);
  }

  override async nodeUnstageVolume(volumeId: string, stagingPath: string): Promise<void> {
    await unmount(stagingPath);
    await super.nodeUnstageVolume(volumeId, stagingPath);
  }

  override async nodePublishVolume(req: PublishRequest): Promise<void> {
    await super.nodePublishVolume(req);
    if ((await mountsAt(req.targetPath)).length > 0) return;
    await bindMount(req.capability.accessType === 'block' ? (req.volumeContext.device ?? '') : (req.stagingPath ?? ''), req.targetPath);
    if (req.readOnly) await run('mount', ['--no-canonicalize', '-o', 'remount,bind,ro', req.targetPath]);
  }

  override async nodeUnpublishVolume(volumeId: string, targetPath: string): Promise<void> {
    await unmount(targetPath);
    await super.nodeUnpublishVolume(volumeId, targetPath);
  }
}
