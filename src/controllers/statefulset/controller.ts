// statefulset-controller: keeps a StatefulSet's pods `<set>-<ordinal>` with stable identities and
// per-ordinal claims, in order (OrderedReady) or all at once (Parallel), rolls template changes
// out from the highest ordinal down, and reports status. Level-based: every sync re-reads the set,
// its pods and claims from the informers and takes the next step of `plan`.
import { getIfExists, type ResourceRef } from '../../machinery/client';
import { matchLabelSelector } from '../../machinery/selectors';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { EventRecorder } from '../events';
import type { Informer } from '../informer';
import { canonicalJson } from '../deployment/hash';
import { WorkQueue } from '../queue';
import { claimPods } from '../replicaset/compute';
import { controllerRefOf, keyOf, splitKey, controllerRefTo } from '../replicaset/pods';
import { type StsStatus, claimName, claimOwnerRefs, newClaims, newPod, ordinalOf, podName, sameRefs, startOrdinal, stsSpec, updateRevision } from './compute';
import { type Revision, currentRevisionOf, historyStep, revisionsToPrune, setAtRevision, usesCurrentRevision } from './history';
import { type Action, computeStatus, plan } from './plan';
import { podRef, pvcRef } from '../../machinery/refs';

export const STATEFULSET_COMPONENT = 'statefulset-controller';
const stsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'statefulsets' };
const revRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'controllerrevisions' };

export class StatefulSetController implements Controller {
  readonly name = STATEFULSET_COMPONENT;
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly setInf: Informer;
  private readonly podInf: Informer;
  private readonly pvcInf: Informer;
  private readonly revInf: Informer;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext, private readonly workers = 2) {
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.recorder = ctx.recorder(STATEFULSET_COMPONENT);
    this.setInf = ctx.informers.for(stsRef);
    this.podInf = ctx.informers.for(podRef);
    this.pvcInf = ctx.informers.for(pvcRef);
    this.revInf = ctx.informers.for(revRef);
    const enqueue = (s: KObject) => this.queue.add(keyOf(s));
    this.setInf.addHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s), onDelete: enqueue });
    this.podInf.addHandler({ onAdd: (p) => this.podChanged(p), onUpdate: (o, p) => this.podChanged(p, o), onDelete: (p) => this.podChanged(p) });
    // A revision deleted or edited by hand: the owner re-checks its history.
    const revChanged = (r: KObject) => {
      const ref = controllerRefOf(r);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${r.metadata.namespace ?? ''}/${ref.name}`);
    };
    this.revInf.addHandler({ onAdd: revChanged, onUpdate: (_o, r) => revChanged(r), onDelete: revChanged });
    this.ready = Promise.all([this.setInf.hasSynced, this.podInf.hasSynced, this.pvcInf.hasSynced, this.revInf.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    await this.queue.run(this.workers, (k) => this.sync(k), signal, (key, err) => {
      const level = isReason(err, 'Conflict') || isReason(err, 'AlreadyExists') ? 'debug' : 'warn';
      this.ctx.log[level]({ controller: this.name, statefulset: key, err: errMessage(err) }, 'sync failed; will retry');
    });
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The owning set of a pod (by controller reference), or every set whose selector matches an orphan. */
  private podChanged(pod: KObject, old?: KObject): void {
    const ns = pod.metadata.namespace ?? '';
    for (const p of old ? [old, pod] : [pod]) {
      const ref = controllerRefOf(p);
      if (ref?.kind === 'StatefulSet') {
        const set = this.setInf.get(ns, ref.name);
        if (set?.metadata.uid === ref.uid) this.queue.add(keyOf(set));
      } else if (!ref) {
        for (const set of this.setInf.list(ns)) if (matchLabelSelector(stsSpec(set).selector ?? null, p.metadata.labels)) this.queue.add(keyOf(set));
      }
    }
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const set = this.setInf.get(ns, name);
    if (!set) return;
    const pods = await this.claim(set, this.podInf.list(ns));
    const revision = updateRevision(set);
    const revisions = this.revInf.list(ns).filter((r) => controllerRefOf(r)?.uid === set.metadata.uid) as Revision[];
    let failure: unknown;
    if (!set.metadata.deletionTimestamp) {
      try {
        if (await this.recordRevision(set, revisions)) return;
        const update = revisions.find((r) => r.metadata.name === revision);
        const current = currentRevisionOf(set, revisions, update);
        await this.fixClaimRefs(set, pods);
        for (const a of plan({ set, pods, updateRevision: revision, now: this.ctx.clock.now() })) await this.apply(set, a, revision, current);
      } catch (err) {
        failure = err;
      }
    }
    const owned = this.podInf.list(ns).filter((p) => controllerRefOf(p)?.uid === set.metadata.uid);
    const status = await this.writeStatus(set, owned, revision);
    if (failure) throw failure;
    await this.prune(set, revisions, owned, [status.currentRevision ?? '', status.updateRevision ?? '']);
    const minReady = stsSpec(set).minReadySeconds ?? 0;
    // Availability comes minReadySeconds after readiness: look again then.
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) this.queue.addAfter(key, (minReady + 1) * 1000);
  }

  /** Adopts matching orphans named like the set's members; releases pods that stopped matching. */
  private async claim(set: KObject, all: KObject[]): Promise<KObject[]> {
    const { owned, adopt, release } = claimPods(set, all);
    const members = adopt.filter((p) => ordinalOf(set, p) >= 0);
    if (members.length) {
      const fresh = await this.ctx.client.get(stsRef, set.metadata.namespace, set.metadata.name ?? '').catch(() => undefined);
      if (fresh && fresh.metadata.uid === set.metadata.uid && !fresh.metadata.deletionTimestamp) {
        const ref = controllerRefTo(set, 'apps/v1', 'StatefulSet');
        for (const p of members) {
          const refs = [...(p.metadata.ownerReferences ?? []), ref];
          owned.push(await this.patchPod(p, { metadata: { ownerReferences: refs, resourceVersion: p.metadata.resourceVersion } }) ?? p);
        }
      }
    }
    for (const p of release) {
      const refs = (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid);
      await this.patchPod(p, { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: p.metadata.resourceVersion } });
    }
    return owned;
  }

  private async patchPod(p: KObject, patch: unknown): Promise<KObject | undefined> {
    try {
      return await this.ctx.client.patch(podRef, p.metadata.namespace, p.metadata.name ?? '', 'merge', patch);
    } catch (err) {
      if (isReason(err, 'NotFound') || isReason(err, 'Conflict')) return undefined;
      throw err;
    }
  }

  /** Brings each existing claim's owner references in line with the retention policy. */
  private async fixClaimRefs(set: KObject, pods: KObject[], fresh = false): Promise<void> {
    const ns = set.metadata.namespace ?? '';
    for (const p of pods) {
      const o = ordinalOf(set, p);
      if (o < 0 || p.metadata.deletionTimestamp) continue;
      for (const t of stsSpec(set).volumeClaimTemplates ?? []) {
        const name = claimName(t.metadata?.name ?? '', set, o);
        const claim = fresh ? await getIfExists(this.ctx.client, pvcRef, ns, name) : this.pvcInf.get(ns, name);
        if (!claim || claim.metadata.deletionTimestamp) continue;
        const have = claim.metadata.ownerReferences ?? [];
        const want = claimOwnerRefs(set, p, o, have);
        if (sameRefs(have, want)) continue;
        await this.ctx.client.patch(pvcRef, ns, claim.metadata.name ?? '', 'merge', { metadata: { ownerReferences: want.length ? want : null, resourceVersion: claim.metadata.resourceVersion } });
      }
    }
  }

  /**
   * Makes sure the set's template has a ControllerRevision (the newest). Returns true when the
   * set's status had to change instead (a hash collision): the next sync goes on from there.
   */
  private async recordRevision(set: KObject, revisions: Revision[]): Promise<boolean> {
    const step = historyStep(set, revisions);
    const ns = set.metadata.namespace;
    if (step.op === 'create') {
      try {
        const made = await this.ctx.client.create(revRef, ns, step.revision);
        revisions.push(made);
      } catch (err) {
        if (!isReason(err, 'AlreadyExists')) throw err;
      }
    } else if (step.op === 'renumber') {
      const made = await this.ctx.client.patch(revRef, ns, step.name, 'merge', { revision: step.revision });
      const i = revisions.findIndex((r) => r.metadata.name === step.name);
      if (i >= 0) revisions[i] = made;
    } else if (step.op === 'collision') {
      const status = { ...(set.status ?? {}), collisionCount: ((set.status as Partial<StsStatus> | undefined)?.collisionCount ?? 0) + 1 };
      await this.ctx.client.update(stsRef, ns, { ...set, status }, {}, 'status');
      return true;
    }
    return false;
  }

  /** Deletes the revisions beyond revisionHistoryLimit that no pod uses. */
  private async prune(set: KObject, revisions: Revision[], pods: KObject[], live: string[]): Promise<void> {
    for (const name of revisionsToPrune(set, revisions, pods, live)) {
      await this.ctx.client.delete(revRef, set.metadata.namespace, name).catch((err: unknown) => {
        if (!isReason(err, 'NotFound')) throw err;
      });
    }
  }

  private async apply(set: KObject, a: Action, revision: string, current?: Revision): Promise<void> {
    const setName = set.metadata.name ?? '';
    if (a.op === 'delete') {
      const pod = a.pod.metadata.name ?? '';
      // The claims must point at a scaled-away pod before it goes, or they outlive it: read them fresh.
      if (a.why === 'condemned' && stsSpec(set).persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') await this.fixClaimRefs(set, [a.pod], true);
      try {
        await this.ctx.client.delete(podRef, a.pod.metadata.namespace, pod, { preconditions: { uid: a.pod.metadata.uid ?? '' } });
        this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod} in StatefulSet ${setName} successful`);
      } catch (err) {
        if (isReason(err, 'NotFound')) return;
        this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod} in StatefulSet ${setName} failed error: ${errMessage(err)}`);
        throw err;
      }
      return;
    }
    const pod = podName(set, a.ordinal);
    await this.createClaims(set, a.ordinal, pod);
    try {
      // Below the partition a lost pod comes back at the current revision, not the update one.
      const old = current && current.metadata.name !== revision && usesCurrentRevision(set, a.ordinal - startOrdinal(set));
      const desired = old ? newPod(setAtRevision(set, current), a.ordinal, current.metadata.name ?? '') : newPod(set, a.ordinal, revision);
      await this.ctx.client.create(podRef, set.metadata.namespace, desired);
      this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod} in StatefulSet ${setName} successful`);
    } catch (err) {
      if (isReason(err, 'AlreadyExists')) return;
      this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod} in StatefulSet ${setName} failed error: ${errMessage(err)}`);
      throw err;
    }
  }

  /** Creates the ordinal's missing claims; a claim still being deleted blocks the pod. */
  private async createClaims(set: KObject, ordinal: number, pod: string): Promise<void> {
    const ns = set.metadata.namespace ?? '';
    const setName = set.metadata.name ?? '';
    for (const claim of newClaims(set, ordinal)) {
      const name = claim.metadata.name ?? '';
      const have = this.pvcInf.get(ns, name);
      if (have?.metadata.deletionTimestamp) {
        throw new Error(`Cannot create Pod ${pod}: its PersistentVolumeClaim ${name} is being deleted; wait for it to go`);
      }
      if (have) continue;
      try {
        await this.ctx.client.create(pvcRef, ns, claim);
        this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod} in StatefulSet ${setName} success`);
      } catch (err) {
        if (isReason(err, 'AlreadyExists')) continue;
        this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${pod} in StatefulSet ${setName} failed error: ${errMessage(err)}`);
        throw err;
      }
    }
  }

  private async writeStatus(set: KObject, pods: KObject[], revision: string): Promise<StsStatus> {
    const status = computeStatus(set, pods, revision, this.ctx.clock.now());
    if (canonicalJson(status) === canonicalJson(set.status ?? {})) return status;
    try {
      await this.ctx.client.update(stsRef, set.metadata.namespace, { ...set, status }, {}, 'status');
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
    }
    return status;
  }
}
