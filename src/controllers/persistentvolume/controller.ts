// persistentvolume-binder: binds claims to volumes and keeps both sides' phases, as upstream's
// PersistentVolumeController. Decisions are in compute.ts; this layer re-reads and writes.
// Writes go volume first, then claim (each step idempotent), so a crash between them is
// finished by the next pass: the claim's sync sees the volume pointing at it and completes.
import type { ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason } from '../controller';
import type { EventRecorder } from '../events';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_STORAGE_PROVISIONER,
  type Ev,
  claimBoundTo,
  claimStatus,
  decideClaim,
  decideVolume,
  volumeBoundTo,
} from './compute';
import { isVolumeBoundToClaim, phaseOf, pvSpec, pvcSpec } from './match';
import { nodeRef, pvRef, pvcRef, scRef } from '../../machinery/refs';

export const PV_COMPONENT = 'persistentvolume-controller';

/** The volume changed under us between the decision and the write: decide again. */
class StaleVolumeError extends Error {
  constructor(volume: string) {
    super(`volume ${volume} was bound to another claim meanwhile; deciding again`);
  }
}

const claimKey = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
const splitKey = (k: string): [string, string] => {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
};

export class PersistentVolumeController implements Controller {
  readonly name = PV_COMPONENT;
  readonly ready: Promise<void>;
  private readonly claims: WorkQueue;
  private readonly volumes: WorkQueue;
  private readonly pvs: Informer;
  private readonly pvcs: Informer;
  private readonly classes: Informer;
  private readonly nodes: Informer;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.claims = new WorkQueue({ timer: ctx.timer });
    this.volumes = new WorkQueue({ timer: ctx.timer });
    this.pvs = ctx.informers.for(pvRef);
    this.pvcs = ctx.informers.for(pvcRef);
    this.classes = ctx.informers.for(scRef);
    this.nodes = ctx.informers.for(nodeRef);
    this.recorder = ctx.recorder(PV_COMPONENT);
    const onVolume = (pv: KObject) => {
      this.volumes.add(pv.metadata.name ?? '');
      const ref = pvSpec(pv).claimRef;
      if (ref?.name) this.claims.add(`${ref.namespace ?? ''}/${ref.name}`);
      // A volume that became available may fit a waiting claim (upstream waits for its resync).
      if (phaseOf(pv) === 'Available') this.enqueueUnboundClaims();
    };
    const onClaim = (pvc: KObject) => {
      this.claims.add(claimKey(pvc));
      const vn = pvcSpec(pvc).volumeName;
      if (vn) this.volumes.add(vn);
    };
    const onClaimGone = (pvc: KObject) => {
      onClaim(pvc);
      for (const pv of this.pvs.list()) if (isVolumeBoundToClaim(pv, pvc)) this.volumes.add(pv.metadata.name ?? '');
    };
    this.pvs.addHandler({ onAdd: onVolume, onUpdate: (_o, n) => onVolume(n), onDelete: onVolume });
    this.pvcs.addHandler({ onAdd: onClaim, onUpdate: (_o, n) => onClaim(n), onDelete: onClaimGone });
    this.classes.addHandler({ onAdd: () => this.enqueueUnboundClaims(), onUpdate: () => this.enqueueUnboundClaims() });
    this.ready = Promise.all([this.pvs.hasSynced, this.pvcs.hasSynced, this.classes.hasSynced, this.nodes.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.race([this.ready, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    const onError = (kind: string) => (key: string, err: unknown) => {
      if (err instanceof StaleVolumeError || isReason(err, 'Conflict')) return this.ctx.log.debug({ controller: this.name, [kind]: key }, errMessage(err));
      this.ctx.log.warn({ controller: this.name, [kind]: key, err: errMessage(err) }, `${kind} sync failed; will retry`);
    };
    // One worker each, as upstream: claims competing for one volume are decided in turn.
    await Promise.all([
      this.claims.run(1, (k) => this.syncClaim(k), signal, onError('claim')),
      this.volumes.run(1, (k) => this.syncVolume(k), signal, onError('volume')),
    ]);
  }

  async idle(): Promise<void> {
    await Promise.all([this.claims.idle(), this.volumes.idle()]);
  }

  private enqueueUnboundClaims(): void {
    for (const c of this.pvcs.list()) if (!c.metadata.annotations?.[ANN_BIND_COMPLETED]) this.claims.add(claimKey(c));
  }

  private async tryGet(ref: ResourceRef, ns: string | undefined, name: string): Promise<KObject | undefined> {
    try {
      return await this.ctx.client.get(ref, ns, name);
    } catch (err) {
      if (isReason(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  private emit(obj: KObject, ev: Ev | undefined): void {
    if (ev) this.recorder.event(obj, ev.type, ev.reason, ev.message);
  }

  private async syncClaim(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const claim = await this.tryGet(pvcRef, ns, name);
    if (!claim) return;
    const classes = new Map(this.classes.list().map((c) => [c.metadata.name ?? '', c]));
    const nodes = new Map(this.nodes.list().map((n) => [n.metadata.name ?? '', n]));
    const d = decideClaim(claim, this.pvs.list(), classes, nodes);
    switch (d.action) {
      case 'bind':
        return this.bind(claim, d.volume.metadata.name ?? '');
      case 'lost':
        await this.setClaimStatus(claim, 'Lost', undefined);
        return this.emit(claim, d.event);
      case 'pending': {
        let cur = claim;
        if (d.provisioner !== undefined) cur = await this.setProvisioner(cur, d.provisioner);
        await this.setClaimStatus(cur, 'Pending', undefined);
        return this.emit(cur, d.event);
      }
      case 'none':
        return;
    }
  }

  private async setProvisioner(claim: KObject, provisioner: string): Promise<KObject> {
    const a = claim.metadata.annotations ?? {};
    if (a[ANN_STORAGE_PROVISIONER] === provisioner && a[ANN_BETA_STORAGE_PROVISIONER] === provisioner) return claim;
    const annotations = { ...a, [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner };
    return this.ctx.client.update(pvcRef, claim.metadata.namespace, { ...claim, metadata: { ...claim.metadata, annotations } });
  }

  private async setClaimStatus(claim: KObject, phase: string, pv: KObject | undefined): Promise<KObject> {
    const status = claimStatus(claim, phase, pv);
    if (JSON.stringify(status) === JSON.stringify(claim.status ?? {})) return claim;
    return this.ctx.client.update(pvcRef, claim.metadata.namespace, { ...claim, status }, {}, 'status');
  }

  private async setVolumePhase(pv: KObject, phase: string, message?: string): Promise<KObject> {
    const old = (pv.status ?? {}) as Record<string, unknown>;
    if (old.phase === phase && old.message === message) return pv;
    const { message: _m, reason: _r, ...rest } = old;
    const status = { ...rest, phase, ...(message ? { message } : {}) };
    return this.ctx.client.update(pvRef, undefined, { ...pv, status }, {}, 'status');
  }

  /** upstream bind(): volume claimRef, volume Bound, claim volumeName + annotations, claim Bound. */
  private async bind(claim: KObject, volumeName: string): Promise<void> {
    let pv = await this.tryGet(pvRef, undefined, volumeName);
    if (!pv) throw new StaleVolumeError(volumeName);
    const ref = pvSpec(pv).claimRef;
    if (ref && !isVolumeBoundToClaim(pv, claim)) throw new StaleVolumeError(volumeName);
    const nextPv = volumeBoundTo(pv, claim);
    if (nextPv) pv = await this.ctx.client.update(pvRef, undefined, nextPv);
    pv = await this.setVolumePhase(pv, 'Bound');
    let cur = claim;
    const nextClaim = claimBoundTo(cur, pv);
    if (nextClaim) cur = await this.ctx.client.update(pvcRef, cur.metadata.namespace, nextClaim);
    await this.setClaimStatus(cur, 'Bound', pv);
  }

  private async syncVolume(name: string): Promise<void> {
    let pv = await this.tryGet(pvRef, undefined, name);
    if (!pv) return;
    const ref = pvSpec(pv).claimRef;
    const claim = ref?.name ? await this.tryGet(pvcRef, ref.namespace, ref.name) : undefined;
    const d = decideVolume(pv, claim);
    switch (d.action) {
      case 'phase':
        await this.setVolumePhase(pv, d.phase, d.message);
        return this.emit(pv, d.event);
      case 'release':
        // The update's watch event brings the volume back for its reclaim step.
        await this.setVolumePhase(pv, 'Released');
        return;
      case 'reclaim':
        if (d.fail) {
          await this.setVolumePhase(pv, 'Failed', d.fail);
          return this.emit(pv, d.event && { ...d.event, message: d.fail });
        }
        return this.emit(pv, d.event);
      case 'unbind':
        pv = await this.ctx.client.update(pvRef, undefined, d.volume);
        await this.setVolumePhase(pv, 'Available');
        return;
      case 'none':
        return;
    }
  }
}
