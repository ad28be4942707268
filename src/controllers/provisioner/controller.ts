// The directory provisioner's controller: claims the PV binder hands to berth.dev/local-dir get a
// directory and a PV pre-bound to them; Released volumes it made with reclaim Delete lose their
// directory and then their PV. Decisions are in storage/provisioners/dir.ts; this is the I/O.
import type { KObject } from '../../machinery/types';
import { createVolumeDir, decideClaim, desiredVolume, DIR_PROVISIONER, removeVolumeDir, shouldDelete, volumeDir, volumeNameFor } from '../../storage/provisioners/dir';
import { type Controller, type ControllerContext, errMessage, isReason } from '../controller';
import type { EventRecorder } from '../events';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';
import { pvRef, pvcRef, scRef } from '../../machinery/refs';


export interface DirProvisionerOptions {
  /** Where volume directories live: <node data dir>/volumes. */
  root: string;
  /** The node the directories are on; provisioned PVs get node affinity for it. */
  nodeName?: string;
}

export class DirProvisionerController implements Controller {
  readonly name = 'local-dir-provisioner';
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly classes: Informer;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext, private readonly o: DirProvisionerOptions) {
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.recorder = ctx.recorder(`${DIR_PROVISIONER}_${o.nodeName ?? 'node'}`);
    this.claims = ctx.informers.for(pvcRef);
    this.volumes = ctx.informers.for(pvRef);
    this.classes = ctx.informers.for(scRef);
    const claim = (c: KObject) => this.queue.add(`claim/${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
    const volume = (v: KObject) => this.queue.add(`volume/${v.metadata.name ?? ''}`);
    this.claims.addHandler({ onAdd: claim, onUpdate: (_old, c) => claim(c) });
    this.volumes.addHandler({ onAdd: volume, onUpdate: (_old, v) => volume(v) });
    // A class created after its claims: look at the waiting claims again.
    this.classes.addHandler({ onAdd: () => this.claims.list().forEach(claim) });
    this.ready = Promise.all([this.claims.hasSynced, this.volumes.hasSynced, this.classes.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.race([this.ready, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await this.queue.run(1, (k) => this.sync(k), signal, (key, err) => this.ctx.log.warn({ controller: this.name, key, err: errMessage(err) }, 'provisioning failed; will retry'));
  }

  /** For tests: resolves when no work is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async sync(key: string): Promise<void> {
    const [kind, a = '', b = ''] = key.split('/');
    if (kind === 'claim') await this.syncClaim(a, b);
    else await this.syncVolume(a);
  }

  private async syncClaim(namespace: string, name: string): Promise<void> {
    const claim = this.claims.get(namespace, name);
    const className = (claim?.spec as { storageClassName?: string } | undefined)?.storageClassName ?? '';
    const cls = className ? this.classes.get(undefined, className) : undefined;
    const existing = claim ? this.volumes.get(undefined, volumeNameFor(claim)) : undefined;
    const d = decideClaim(claim, cls, existing);
    if (d.action === 'none' || !claim) return;
    if (d.action === 'fail') {
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": ${d.message}`);
      return;
    }
    this.recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${namespace}/${name}"`);
    const pv = desiredVolume(claim, cls ?? { metadata: {} }, this.o.root, this.o.nodeName);
    try {
      await createVolumeDir(volumeDir(pv, this.o.root));
      await this.ctx.client.create(pvRef, undefined, pv, { fieldManager: this.name });
    } catch (err) {
      if (isReason(err, 'AlreadyExists')) return; // made by an earlier pass whose watch event is on its way
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": ${errMessage(err)}`);
      throw err;
    }
    this.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${d.pvName}`);
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    if (!shouldDelete(pv) || !pv) return;
    try {
      await removeVolumeDir(volumeDir(pv, this.o.root));
      await this.ctx.client.delete(pvRef, undefined, name, { preconditions: { uid: pv.metadata.uid ?? '' } });
    } catch (err) {
      if (isReason(err, 'NotFound')) return;
      this.recorder.event(pv, 'Warning', 'VolumeFailedDelete', errMessage(err));
      throw err;
    }
  }
}
