// pvc-protection and pv-protection: drop the storage-protection finalizers once a claim being
// deleted is used by no pod, and once a volume being deleted is no longer Bound.
import { getIfExists, type ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';
import { PVC_PROTECTION, PV_PROTECTION, claimsOfPod, podUsesClaim, volumeInUse, withoutFinalizer } from './compute';
import { podRef, pvRef, pvcRef } from '../../machinery/refs';

export const PVC_PROTECTION_COMPONENT = 'pvc-protection-controller';

export class StorageProtectionController implements Controller {
  readonly name = PVC_PROTECTION_COMPONENT;
  readonly ready: Promise<void>;
  private readonly claimQueue: WorkQueue;
  private readonly volumeQueue: WorkQueue;
  private readonly pvs: Informer;
  private readonly pvcs: Informer;
  private readonly pods: Informer;

  constructor(private readonly ctx: ControllerContext) {
    this.claimQueue = new WorkQueue({ timer: ctx.timer });
    this.volumeQueue = new WorkQueue({ timer: ctx.timer });
    this.pvs = ctx.informers.for(pvRef);
    this.pvcs = ctx.informers.for(pvcRef);
    this.pods = ctx.informers.for(podRef);
    const onClaim = (c: KObject) => {
      if (c.metadata.deletionTimestamp) this.claimQueue.add(`${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
    };
    const onVolume = (v: KObject) => {
      if (v.metadata.deletionTimestamp) this.volumeQueue.add(v.metadata.name ?? '');
    };
    // A pod that finished or went away may free the claims it named.
    const onPod = (p: KObject) => {
      for (const c of claimsOfPod(p)) this.claimQueue.add(`${p.metadata.namespace ?? ''}/${c}`);
    };
    this.pvcs.addHandler({ onAdd: onClaim, onUpdate: (_o, n) => onClaim(n) });
    this.pvs.addHandler({ onAdd: onVolume, onUpdate: (_o, n) => onVolume(n) });
    this.pods.addHandler({ onUpdate: (_o, n) => onPod(n), onDelete: onPod });
    this.ready = Promise.all([this.pvs.hasSynced, this.pvcs.hasSynced, this.pods.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    const onError = (key: string, err: unknown) => {
      if (!isReason(err, 'Conflict')) this.ctx.log.warn({ controller: this.name, key, err: errMessage(err) }, 'storage protection sync failed; will retry');
    };
    await Promise.all([this.claimQueue.run(1, (k) => this.syncClaim(k), signal, onError), this.volumeQueue.run(1, (k) => this.syncVolume(k), signal, onError)]);
  }

  async idle(): Promise<void> {
    await Promise.all([this.claimQueue.idle(), this.volumeQueue.idle()]);
  }

  private tryGet(ref: ResourceRef, ns: string | undefined, name: string): Promise<KObject | undefined> {
    return getIfExists(this.ctx.client, ref, ns, name);
  }

  private async drop(ref: ResourceRef, obj: KObject, finalizers: string[]): Promise<void> {
    try {
      await this.ctx.client.update(ref, obj.metadata.namespace, { ...obj, metadata: { ...obj.metadata, finalizers } });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
    }
  }

  private async syncClaim(key: string): Promise<void> {
    const i = key.indexOf('/');
    const ns = key.slice(0, i);
    const name = key.slice(i + 1);
    const claim = await this.tryGet(pvcRef, ns, name);
    if (!claim || !withoutFinalizer(claim, PVC_PROTECTION, false)) return;
    // A live list, not the cache: a pod created just now must still hold the claim (as upstream).
    const pods = (await this.ctx.client.list(podRef, ns)).items;
    const fins = withoutFinalizer(claim, PVC_PROTECTION, pods.some((p) => podUsesClaim(p, name)));
    if (fins) await this.drop(pvcRef, claim, fins);
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = await this.tryGet(pvRef, undefined, name);
    if (!pv) return;
    const fins = withoutFinalizer(pv, PV_PROTECTION, volumeInUse(pv));
    if (fins) await this.drop(pvRef, pv, fins);
  }
}
