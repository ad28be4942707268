// deployment-controller: rolls a Deployment's pod template out through ReplicaSets (RollingUpdate
// or Recreate), keeps revision annotations and history, and reports status and conditions.
// Level-based: every sync re-reads the Deployment, its ReplicaSets and pods from the informers,
// then walks upstream's syncDeployment.
import type { ResourceRef } from '../../machinery/client';
import { matchLabelSelector } from '../../machinery/selectors';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { EventRecorder } from '../events';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';
import { controllerRefOf, keyOf, splitKey } from '../replicaset/pods';
import { claimReplicaSets } from './claim';
import { type DeploymentStatus, DESIRED_REPLICAS, REVISION, active, dReplicas, dSpec, dStatus, rsReplicas } from './model';
import { findNewRS, findOldRSs, historyToDelete, maxRevision, newReplicaSetFor, setNewRSAnnotations, setReplicasAnnotations, equalIgnoreHash } from './revision';
import { calculateStatus, condition, getCondition, hasProgressDeadline, pausedConditionStatus, rolloutStatus, sameStatus, setCondition, stuckRequeueMs, deploymentComplete } from './status';
import { maxSurge, newRSNewReplicas, planOldScaleDown, planScale } from './strategy';
import { podRef } from '../../machinery/refs';

export const DEPLOYMENT_COMPONENT = 'deployment-controller';
const depRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments' };
const rsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets' };

/** One sync's working state: the Deployment and its ReplicaSets as last written. */
interface Sync {
  d: KObject;
  rss: KObject[];
}

export class DeploymentController implements Controller {
  readonly name = DEPLOYMENT_COMPONENT;
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly depInf: Informer;
  private readonly rsInf: Informer;
  private readonly podInf: Informer;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext, private readonly workers = 2) {
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.recorder = ctx.recorder(DEPLOYMENT_COMPONENT);
    this.depInf = ctx.informers.for(depRef);
    this.rsInf = ctx.informers.for(rsRef);
    this.podInf = ctx.informers.for(podRef);
    const enqueue = (d: KObject) => this.queue.add(keyOf(d));
    this.depInf.addHandler({ onAdd: enqueue, onUpdate: (_o, d) => enqueue(d), onDelete: enqueue });
    this.rsInf.addHandler({ onAdd: (rs) => this.rsChanged(rs), onUpdate: (old, rs) => this.rsChanged(rs, old), onDelete: (rs) => this.rsChanged(rs) });
    this.podInf.addHandler({ onDelete: (p) => this.podDeleted(p) });
    this.ready = Promise.all([this.depInf.hasSynced, this.rsInf.hasSynced, this.podInf.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    await this.queue.run(this.workers, (k) => this.sync(k), signal, (key, err) => {
      // A write raced a newer version in the cache: the retry re-reads; not worth a warning.
      const level = isReason(err, 'Conflict') ? 'debug' : 'warn';
      this.ctx.log[level]({ controller: this.name, deployment: key, err: errMessage(err) }, 'sync failed; will retry');
    });
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private ownerOf(o: KObject): KObject | undefined {
    const ref = controllerRefOf(o);
    if (ref?.kind !== 'Deployment') return undefined;
    const d = this.depInf.get(o.metadata.namespace, ref.name);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  private rsChanged(rs: KObject, old?: KObject): void {
    const owner = this.ownerOf(rs);
    if (owner) this.queue.add(keyOf(owner));
    if (old && controllerRefOf(old)?.uid !== controllerRefOf(rs)?.uid) {
      const prev = this.ownerOf(old);
      if (prev) this.queue.add(keyOf(prev));
    }
    if (!controllerRefOf(rs)) {
      for (const d of this.depInf.list(rs.metadata.namespace ?? '')) if (matchLabelSelector(dSpec(d).selector ?? null, rs.metadata.labels)) this.queue.add(keyOf(d));
    }
  }

  /** Recreate waits for old pods to be gone: a pod deletion may unblock it. */
  private podDeleted(pod: KObject): void {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.rsInf.get(pod.metadata.namespace, ref.name);
    const d = rs && this.ownerOf(rs);
    if (d && dSpec(d).strategy?.type === 'Recreate') this.queue.add(keyOf(d));
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = this.depInf.get(ns, name);
    if (!cached) return;
    const s: Sync = { d: structuredClone(cached), rss: [] };
    const sel = dSpec(s.d).selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.recorder.event(s.d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((dStatus(s.d).observedGeneration ?? 0) < (s.d.metadata.generation ?? 0)) await this.writeStatus(s, { ...dStatus(s.d), observedGeneration: s.d.metadata.generation ?? 0 });
      return;
    }
    s.rss = await claimReplicaSets(this.ctx.client, s.d, this.rsInf.list(s.d.metadata.namespace ?? ''));
    if (s.d.metadata.deletionTimestamp) return this.syncStatusOnly(s);
    const paused = pausedConditionStatus(s.d, this.ctx.clock.now());
    if (paused) await this.writeStatus(s, paused);
    if (dSpec(s.d).paused) return this.scaleOnly(s);
    if (this.isScalingEvent(s)) return this.scaleOnly(s);
    if (dSpec(s.d).strategy?.type === 'Recreate') return this.rolloutRecreate(s);
    return this.rolloutRolling(s);
  }

  private async writeStatus(s: Sync, status: DeploymentStatus): Promise<void> {
    s.d = await this.ctx.client.update(depRef, s.d.metadata.namespace, { ...s.d, status }, {}, 'status');
  }

  private replace(s: Sync, rs: KObject): void {
    const i = s.rss.findIndex((x) => x.metadata.uid === rs.metadata.uid);
    if (i >= 0) s.rss[i] = rs;
    else s.rss.push(rs);
  }

  private isScalingEvent(s: Sync): boolean {
    const newRS = findNewRS(s.d, s.rss);
    for (const rs of active([...findOldRSs(s.d, s.rss), newRS])) {
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
      if (desired !== undefined && Number(desired) !== dReplicas(s.d)) return true;
    }
    return false;
  }

  /** getAllReplicaSetsAndSyncRevision: finds (or creates) the new ReplicaSet and syncs revisions. */
  private async newAndOld(s: Sync, create: boolean): Promise<{ newRS: KObject | undefined; oldRSs: KObject[] }> {
    const oldRSs = findOldRSs(s.d, s.rss);
    const newRS = await this.getNewRS(s, oldRSs, create);
    return { newRS, oldRSs: findOldRSs(s.d, s.rss) };
  }

  private async getNewRS(s: Sync, oldRSs: KObject[], create: boolean): Promise<KObject | undefined> {
    const existing = findNewRS(s.d, s.rss);
    const newRevision = maxRevision(oldRSs) + 1;
    const now = this.ctx.clock.now();
    if (existing) {
      let rs = existing;
      const annotations = { ...(rs.metadata.annotations ?? {}) };
      const changed = setNewRSAnnotations(s.d, annotations, newRevision, true, maxSurge(s.d));
      const minReady = dSpec(s.d).minReadySeconds ?? 0;
      const rsMinReady = (rs.spec as { minReadySeconds?: number } | undefined)?.minReadySeconds ?? 0;
      if (changed || minReady !== rsMinReady) {
        rs = await this.ctx.client.update(rsRef, rs.metadata.namespace, { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...(rs.spec as object), minReadySeconds: minReady } });
        this.replace(s, rs);
      }
      await this.syncRevision(s, rs.metadata.annotations?.[REVISION] ?? '', getCondition(dStatus(s.d), 'Progressing') ? undefined : condition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata.name ?? ''}"`, now));
      return rs;
    }
    if (!create) return undefined;
    const { rs: fresh } = newReplicaSetFor(s.d);
    const all = [...oldRSs, fresh];
    const replicas = newRSNewReplicas(s.d, all, fresh);
    (fresh.spec as { replicas: number }).replicas = replicas;
    setNewRSAnnotations(s.d, fresh.metadata.annotations ?? {}, newRevision, false, maxSurge(s.d));
    let createdRS: KObject;
    let alreadyExists = false;
    try {
      createdRS = await this.ctx.client.create(rsRef, s.d.metadata.namespace, fresh);
    } catch (err) {
      if (isReason(err, 'AlreadyExists')) {
        const found = await this.ctx.client.get(rsRef, s.d.metadata.namespace, fresh.metadata.name ?? '');
        if (controllerRefOf(found)?.uid === s.d.metadata.uid && equalIgnoreHash((found.spec as { template?: unknown }).template, dSpec(s.d).template)) {
          createdRS = found;
          alreadyExists = true;
        } else {
          // A hash collision: bump collisionCount so the next attempt hashes differently.
          await this.writeStatus(s, { ...dStatus(s.d), collisionCount: (dStatus(s.d).collisionCount ?? 0) + 1 });
          throw err;
        }
      } else {
        const msg = `Failed to create new replica set "${fresh.metadata.name ?? ''}": ${errMessage(err)}`;
        if (hasProgressDeadline(s.d)) {
          const st = structuredClone(dStatus(s.d));
          setCondition(st, condition('Progressing', 'False', 'ReplicaSetCreateError', msg, now));
          await this.writeStatus(s, st).catch(() => undefined);
        }
        this.recorder.event(s.d, 'Warning', 'ReplicaSetCreateError', msg);
        throw err;
      }
    }
    this.replace(s, createdRS);
    if (!alreadyExists && replicas > 0) this.recorder.event(s.d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.metadata.name ?? ''} from 0 to ${replicas}`);
    await this.syncRevision(s, String(newRevision), !alreadyExists && hasProgressDeadline(s.d) ? condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${createdRS.metadata.name ?? ''}"`, now) : undefined);
    return createdRS;
  }

  /** SetDeploymentRevision (+ a Progressing condition), written through the status subresource as upstream. */
  private async syncRevision(s: Sync, revision: string, cond: ReturnType<typeof condition> | undefined): Promise<void> {
    const annotations = { ...(s.d.metadata.annotations ?? {}) };
    let needs = false;
    if (annotations[REVISION] !== revision) {
      annotations[REVISION] = revision;
      needs = true;
    }
    const status = structuredClone(dStatus(s.d));
    if (cond) {
      setCondition(status, cond);
      needs = true;
    }
    if (!needs) return;
    s.d = await this.ctx.client.update(depRef, s.d.metadata.namespace, { ...s.d, metadata: { ...s.d.metadata, annotations }, status }, {}, 'status');
  }

  /** scaleReplicaSetAndRecordEvent. */
  private async scaleRS(s: Sync, rs: KObject, size: number, operation?: 'up' | 'down'): Promise<boolean> {
    const cur = rsReplicas(rs);
    const annotations = { ...(rs.metadata.annotations ?? {}) };
    const annotationsChanged = setReplicasAnnotations(annotations, dReplicas(s.d), dReplicas(s.d) + maxSurge(s.d));
    if (cur === size && !annotationsChanged) return false;
    const updated = await this.ctx.client.update(rsRef, rs.metadata.namespace, { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...(rs.spec as object), replicas: size } });
    this.replace(s, updated);
    if (cur !== size) {
      const op = operation ?? (cur < size ? 'up' : 'down');
      this.recorder.event(s.d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata.name ?? ''} from ${cur} to ${size}`);
    }
    return cur !== size;
  }

  /** Upstream's sync(): scaling only (paused, or spec.replicas changed mid-rollout). */
  private async scaleOnly(s: Sync): Promise<void> {
    const { newRS, oldRSs } = await this.newAndOld(s, false);
    const plan = planScale(s.d, newRS, oldRSs);
    for (const rs of [...s.rss]) {
      const size = plan.sizes.get(rs.metadata.name ?? '');
      if (size !== undefined) await this.scaleRS(s, rs, size, plan.operation);
    }
    const after = await this.newAndOld(s, false);
    if (dSpec(s.d).paused) await this.cleanup(s, after.oldRSs);
    await this.syncStatus(s, after.newRS, [...after.oldRSs, after.newRS]);
  }

  private async syncStatusOnly(s: Sync): Promise<void> {
    const { newRS, oldRSs } = await this.newAndOld(s, false);
    await this.syncStatus(s, newRS, [...oldRSs, newRS]);
  }

  private async syncStatus(s: Sync, newRS: KObject | undefined, all: (KObject | undefined)[]): Promise<void> {
    const status = calculateStatus(all, newRS, s.d, this.ctx.clock.now());
    if (!sameStatus(dStatus(s.d), status)) await this.writeStatus(s, status);
  }

  private async rolloutRolling(s: Sync): Promise<void> {
    const { newRS } = await this.newAndOld(s, true);
    if (!newRS) return;
    const cur = (): KObject => s.rss.find((x) => x.metadata.uid === newRS.metadata.uid) ?? newRS;
    // reconcileNewReplicaSet
    if (rsReplicas(cur()) !== dReplicas(s.d)) {
      const target = rsReplicas(cur()) > dReplicas(s.d) ? dReplicas(s.d) : newRSNewReplicas(s.d, s.rss, cur());
      if (await this.scaleRS(s, cur(), target)) return this.syncRolloutStatus(s, cur());
    }
    // reconcileOldReplicaSets
    const plan = planOldScaleDown(s.d, cur(), findOldRSs(s.d, s.rss));
    let scaledDown = false;
    for (const rs of findOldRSs(s.d, s.rss)) {
      const size = plan.get(rs.metadata.name ?? '');
      if (size !== undefined && (await this.scaleRS(s, rs, size))) scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(s, cur());
    if (deploymentComplete(s.d, dStatus(s.d))) await this.cleanup(s, findOldRSs(s.d, s.rss));
    return this.syncRolloutStatus(s, cur());
  }

  private async rolloutRecreate(s: Sync): Promise<void> {
    const found = await this.newAndOld(s, false);
    let newRS = found.newRS;
    let scaled = false;
    for (const rs of active(found.oldRSs)) if (await this.scaleRS(s, rs, 0)) scaled = true;
    if (scaled) return this.syncRolloutStatus(s, newRS);
    if (this.oldPodsRunning(s, newRS)) return this.syncRolloutStatus(s, newRS);
    newRS ??= (await this.newAndOld(s, true)).newRS;
    if (!newRS) return;
    await this.scaleRS(s, newRS, dReplicas(s.d));
    const cur = s.rss.find((x) => x.metadata.uid === newRS?.metadata.uid) ?? newRS;
    if (deploymentComplete(s.d, dStatus(s.d))) await this.cleanup(s, findOldRSs(s.d, s.rss));
    return this.syncRolloutStatus(s, cur);
  }

  /** oldPodsRunning: old ReplicaSets still report pods, or pods of theirs have not finished. */
  private oldPodsRunning(s: Sync, newRS: KObject | undefined): boolean {
    const olds = findOldRSs(s.d, s.rss);
    if (olds.some((rs) => ((rs.status as { replicas?: number } | undefined)?.replicas ?? 0) > 0)) return true;
    const uids = new Set(olds.map((rs) => rs.metadata.uid));
    return this.podInf.list(s.d.metadata.namespace ?? '').some((p) => {
      const owner = controllerRefOf(p)?.uid;
      if (!owner || owner === newRS?.metadata.uid || !uids.has(owner)) return false;
      const phase = (p.status as { phase?: string } | undefined)?.phase;
      return phase !== 'Failed' && phase !== 'Succeeded';
    });
  }

  private async cleanup(s: Sync, oldRSs: KObject[]): Promise<void> {
    for (const rs of historyToDelete(s.d, oldRSs)) {
      try {
        await this.ctx.client.delete(rsRef, rs.metadata.namespace, rs.metadata.name ?? '');
      } catch (err) {
        if (!isReason(err, 'NotFound')) throw err;
      }
    }
  }

  private async syncRolloutStatus(s: Sync, newRS: KObject | undefined): Promise<void> {
    const all = [...findOldRSs(s.d, s.rss), newRS];
    const now = this.ctx.clock.now();
    const status = rolloutStatus(all, newRS, s.d, now);
    if (sameStatus(dStatus(s.d), status)) {
      const after = stuckRequeueMs(s.d, status, now);
      if (after !== undefined) this.queue.addAfter(keyOf(s.d), after);
      return;
    }
    await this.writeStatus(s, status);
  }
}
