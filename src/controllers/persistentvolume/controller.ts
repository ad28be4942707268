// persistentvolume-binder: binds claims to volumes and keeps both sides' phases, as upstream's
// PersistentVolumeController. Decisions are in compute.ts; this layer reads the informer caches
// (and the API before it undoes a binding or declares a claim lost) and writes.
// Writes go volume first, then claim (each step idempotent), so a crash between them is
// finished by the next pass: the claim's sync sees the volume pointing at it and completes.
// Volumes are matched through an index (volume-index.ts), not a scan per claim. Claims are synced by
// several workers so that their writes share the store's fsyncs; the choice of a volume is
// synchronous and reserves it until the cache shows it taken, so two claims never pick the same
// one, and each claim's writes keep upstream's order. Released volumes with the Recycle policy are
// scrubbed by a recycler pod (recycler.ts), so pods are watched too.
import { getIfExists, type ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { EventRecorder } from '../events';
import type { Informer } from '../informer';
import { splitKey } from '../replicaset/pods';
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
  unboundVolume,
  volumeBoundTo,
} from './compute';
import { VolumeIndex } from './volume-index';
import { type VolumeCandidates, isVolumeBoundToClaim, pvSpec, pvcSpec } from './match';
import { Recycler } from './recycler';
import { nodeRef, podRef, pvRef, pvcRef, scRef } from '../../machinery/refs';

export const PV_COMPONENT = 'persistentvolume-controller';

/** Workers per queue: enough concurrent writes to fill one store commit (fsync) each. */
export const BINDER_WORKERS = 32;

/** A queue key that is no claim: re-sync the claims waiting for a volume (coalesced by the queue). */
const RESCAN = '\0waiting';

/** The volume changed under us between the decision and the write: decide again. */
class StaleVolumeError extends Error {
  constructor(volume: string) {
    super(`volume ${volume} was bound to another claim meanwhile; deciding again`);
  }
}

const claimKey = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class PersistentVolumeController implements Controller {
  readonly name = PV_COMPONENT;
  readonly ready: Promise<void>;
  private readonly claims: WorkQueue;
  private readonly volumes: WorkQueue;
  private readonly pvs: Informer;
  private readonly pvcs: Informer;
  private readonly classes: Informer;
  private readonly nodes: Informer;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  private readonly recycler: Recycler;
  private readonly index = new VolumeIndex();
  /** Free volumes chosen by a claim whose bind is under way: volume → claim key. */
  private readonly reserved = new Map<string, string>();
  /** Claims whose last sync found no volume: re-synced when a volume is free. */
  private readonly waiting = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {
    this.claims = new WorkQueue({ timer: ctx.timer });
    this.volumes = new WorkQueue({ timer: ctx.timer });
    this.pvs = ctx.informers.for(pvRef);
    this.pvcs = ctx.informers.for(pvcRef);
    this.classes = ctx.informers.for(scRef);
    this.nodes = ctx.informers.for(nodeRef);
    this.pods = ctx.informers.for(podRef);
    this.recorder = ctx.recorder(PV_COMPONENT);
    this.recycler = new Recycler({
      client: ctx.client,
      clock: ctx.clock,
      pods: this.pods,
      pvcs: this.pvcs,
      nodes: this.nodes,
      emit: (obj, ev) => this.emit(obj, ev),
      setPhase: (pv, phase, message) => this.setVolumePhase(pv, phase, message),
      unbind: async (pv) => {
        const next = await ctx.client.update(pvRef, undefined, unboundVolume(pv));
        await this.setVolumePhase(next, 'Available');
      },
      requeue: (name, ms) => this.volumes.addAfter(name, ms),
      claimedBy: (ns, claim) => this.index.claimedBy(ns, claim),
    });
    const onVolume = (pv: KObject, gone = false) => {
      const name = pv.metadata.name ?? '';
      if (gone) this.index.remove(name);
      else this.index.upsert(pv);
      // Taken (or gone) in the cache: the reservation has done its job.
      if (!this.index.isFree(name)) this.reserved.delete(name);
      this.volumes.add(name);
      const ref = pvSpec(pv).claimRef;
      if (ref?.name) this.claims.add(`${ref.namespace ?? ''}/${ref.name}`);
      // A free volume may fit a waiting claim (upstream waits for its resync).
      if (this.index.isFree(name) && this.waiting.size > 0) this.claims.add(RESCAN);
    };
    const onClaim = (pvc: KObject) => {
      this.claims.add(claimKey(pvc));
      const vn = pvcSpec(pvc).volumeName;
      if (vn) this.volumes.add(vn);
    };
    const onClaimGone = (pvc: KObject) => {
      onClaim(pvc);
      this.waiting.delete(claimKey(pvc));
      for (const pv of this.index.claimedBy(pvc.metadata.namespace ?? '', pvc.metadata.name ?? '')) {
        if (isVolumeBoundToClaim(pv, pvc)) this.volumes.add(pv.metadata.name ?? '');
      }
    };
    this.pvs.addHandler({ onAdd: (pv) => onVolume(pv), onUpdate: (_o, n) => onVolume(n), onDelete: (pv) => onVolume(pv, true) });
    this.pvcs.addHandler({ onAdd: onClaim, onUpdate: (_o, n) => onClaim(n), onDelete: onClaimGone });
    this.classes.addHandler({ onAdd: () => this.enqueueUnboundClaims(), onUpdate: () => this.enqueueUnboundClaims() });
    // Recycling waits for the claim's pods to finish and for the recycler pod.
    const onPod = (pod: KObject) => {
      for (const v of this.recycler.volumesFor(pod)) this.volumes.add(v);
    };
    this.pods.addHandler({ onAdd: onPod, onUpdate: (_o, n) => onPod(n), onDelete: onPod });
    this.ready = Promise.all([this.pvs.hasSynced, this.pvcs.hasSynced, this.classes.hasSynced, this.nodes.hasSynced, this.pods.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    const onError = (kind: string) => (key: string, err: unknown) => {
      if (err instanceof StaleVolumeError || isReason(err, 'Conflict')) return this.ctx.log.debug({ controller: this.name, [kind]: key }, errMessage(err));
      this.ctx.log.warn({ controller: this.name, [kind]: key, err: errMessage(err) }, `${kind} sync failed; will retry`);
    };
    // Upstream runs one worker each; here claims competing for one volume are kept apart by the
    // reservations, and the queue never syncs one key twice at once.
    await Promise.all([
      this.claims.run(BINDER_WORKERS, (k) => this.syncClaim(k), signal, onError('claim')),
      this.volumes.run(BINDER_WORKERS, (k) => this.syncVolume(k), signal, onError('volume')),
    ]);
  }

  async idle(): Promise<void> {
    await Promise.all([this.claims.idle(), this.volumes.idle()]);
  }

  private enqueueUnboundClaims(): void {
    for (const c of this.pvcs.list()) if (!c.metadata.annotations?.[ANN_BIND_COMPLETED]) this.claims.add(claimKey(c));
  }

  private tryGet(ref: ResourceRef, ns: string | undefined, name: string): Promise<KObject | undefined> {
    return getIfExists(this.ctx.client, ref, ns, name);
  }

  private emit(obj: KObject, ev: Ev | undefined): void {
    if (ev) this.recorder.event(obj, ev.type, ev.reason, ev.message);
  }

  /** The index as seen by one claim: volumes reserved by other claims are not offered. */
  private candidatesFor(key: string): VolumeCandidates {
    const skip = (name: string) => (this.reserved.get(name) ?? key) !== key;
    return { get: (name) => this.index.get(name), bestMatch: (claim, opts) => this.index.bestMatch(claim, opts, skip) };
  }

  private async syncClaim(key: string): Promise<void> {
    if (key === RESCAN) {
      for (const k of this.waiting) this.claims.add(k);
      return;
    }
    const [ns, name] = splitKey(key);
    // Decided from the cache, as upstream: every write carries the cached resourceVersion, so a
    // stale object ends in a Conflict and a retry, never in a wrong write.
    let claim = this.pvcs.get(ns, name);
    if (!claim) {
      this.waiting.delete(key);
      return;
    }
    const classes = new Map(this.classes.list().map((c) => [c.metadata.name ?? '', c]));
    const nodes = new Map(this.nodes.list().map((n) => [n.metadata.name ?? '', n]));
    let d = decideClaim(claim, this.candidatesFor(key), classes, nodes);
    if (d.action === 'lost') {
      // Before declaring data lost, read the claim and its volume from the API: the cache may lag.
      claim = await this.tryGet(pvcRef, ns, name);
      if (!claim) return;
      const vn = pvcSpec(claim).volumeName ?? '';
      const pv = vn ? await this.tryGet(pvRef, undefined, vn) : undefined;
      const cands = this.candidatesFor(key);
      d = decideClaim(claim, { ...cands, get: (n) => (n === vn ? pv : cands.get(n)) }, classes, nodes);
    }
    // From the decision to the reservation nothing awaits: no other claim can choose in between.
    if (d.action === 'pending') this.waiting.add(key);
    else this.waiting.delete(key);
    switch (d.action) {
      case 'bind':
        return this.reserveAndBind(key, claim, d.volume.metadata.name ?? '');
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

  private async reserveAndBind(key: string, claim: KObject, volume: string): Promise<void> {
    const holder = this.reserved.get(volume);
    // Named by the claim (volumeName) but chosen by another claim being bound: wait for that.
    if (holder !== undefined && holder !== key) throw new StaleVolumeError(volume);
    if (this.index.isFree(volume)) this.reserved.set(volume, key);
    try {
      await this.bind(claim, volume);
    } catch (err) {
      if (this.reserved.get(volume) === key) this.reserved.delete(volume);
      throw err;
    }
  }

  /** upstream bind(): volume claimRef, volume Bound, claim volumeName + annotations, claim Bound. */
  private async bind(claim: KObject, volumeName: string): Promise<void> {
    let pv = this.index.get(volumeName);
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
    let pv = this.index.get(name);
    if (!pv) return;
    let ref = pvSpec(pv).claimRef;
    let claim = ref?.name ? this.pvcs.get(ref.namespace, ref.name) : undefined;
    let d = decideVolume(pv, claim);
    if (d.action === 'release' || d.action === 'unbind') {
      // Undoing a binding: the cache may not hold a claim just created or bound (upstream
      // double-checks the API server here too), so decide again from fresh reads.
      pv = await this.tryGet(pvRef, undefined, name);
      if (!pv) return;
      ref = pvSpec(pv).claimRef;
      claim = ref?.name ? await this.tryGet(pvcRef, ref.namespace, ref.name) : undefined;
      d = decideVolume(pv, claim);
    }
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
      case 'recycle':
        return this.recycler.sync(pv);
      case 'unbind':
        pv = await this.ctx.client.update(pvRef, undefined, d.volume);
        await this.setVolumePhase(pv, 'Available');
        return;
      case 'none':
        return;
    }
  }
}
