// replicaset-controller: keeps spec.replicas pods of a ReplicaSet's template, adopting matching
// orphans and releasing pods that stopped matching; reports status. Level-based: every sync
// re-reads the ReplicaSet and its pods from the informers.
import type { ResourceRef } from '../../machinery/client';
import { matchLabelSelector } from '../../machinery/selectors';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { EventRecorder } from '../events';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';
import { BURST_REPLICAS, calculateStatus, claimPods, podFromTemplate, podsToDelete, rsSpec, slowStartBatches, specReplicas, statusUnchanged } from './compute';
import { Expectations } from './expectations';
import { controllerRefOf, isPodActive, isPodReady, keyOf, splitKey, controllerRefTo } from './pods';
import { podRef } from '../../machinery/refs';

export const REPLICASET_COMPONENT = 'replicaset-controller';
export const rsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets' };

export class ReplicaSetController implements Controller {
  readonly name = REPLICASET_COMPONENT;
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly rsInf: Informer;
  private readonly podInf: Informer;
  private readonly expectations: Expectations;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext, private readonly workers = 2) {
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.expectations = new Expectations(ctx.timer);
    this.recorder = ctx.recorder(REPLICASET_COMPONENT);
    this.rsInf = ctx.informers.for(rsRef);
    this.podInf = ctx.informers.for(podRef);
    this.rsInf.addHandler({
      onAdd: (rs) => this.queue.add(keyOf(rs)),
      onUpdate: (_o, rs) => this.queue.add(keyOf(rs)),
      onDelete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    this.podInf.addHandler({ onAdd: (p) => this.podAdded(p), onUpdate: (o, p) => this.podUpdated(o, p), onDelete: (p) => this.podDeleted(p) });
    this.ready = Promise.all([this.rsInf.hasSynced, this.podInf.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    await this.queue.run(this.workers, (k) => this.sync(k), signal, (key, err) => {
      // A write raced a newer version in the cache: the retry re-reads; not worth a warning.
      const level = isReason(err, 'Conflict') ? 'debug' : 'warn';
      this.ctx.log[level]({ controller: this.name, replicaset: key, err: errMessage(err) }, 'sync failed; will retry');
    });
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The ReplicaSet a controller reference names, if it is the one we know. */
  private resolve(ns: string, pod: KObject): KObject | undefined {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsInf.get(ns, ref.name);
    return rs?.metadata.uid === ref.uid ? rs : undefined;
  }

  private enqueueMatching(pod: KObject): void {
    for (const rs of this.rsInf.list(pod.metadata.namespace ?? '')) {
      if (matchLabelSelector(rsSpec(rs).selector ?? null, pod.metadata.labels)) this.queue.add(keyOf(rs));
    }
  }

  private podAdded(pod: KObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const rs = this.resolve(pod.metadata.namespace ?? '', pod);
    if (rs) {
      this.expectations.creationObserved(keyOf(rs));
      this.queue.add(keyOf(rs));
    } else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
  }

  private podUpdated(old: KObject, pod: KObject): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const ns = pod.metadata.namespace ?? '';
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A graceful delete: count it as observed now, so replacements start without waiting.
      this.podDeleted(pod);
    }
    const oldRef = controllerRefOf(old);
    const ref = controllerRefOf(pod);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const prev = this.resolve(ns, old);
      if (prev) this.queue.add(keyOf(prev));
    }
    const rs = this.resolve(ns, pod);
    if (rs) {
      this.queue.add(keyOf(rs));
      const minReady = rsSpec(rs).minReadySeconds ?? 0;
      // Becoming available takes minReadySeconds after becoming ready: look again then.
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(keyOf(rs), (minReady + 1) * 1000);
      return;
    }
    if (!ref && (oldRef || JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {}))) this.enqueueMatching(pod);
  }

  private podDeleted(pod: KObject): void {
    const rs = this.resolve(pod.metadata.namespace ?? '', pod);
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), pod.metadata.uid ?? '');
    this.queue.add(keyOf(rs));
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const rs = this.rsInf.get(ns, name);
    if (!rs) return this.expectations.delete(key);
    const needsSync = this.expectations.satisfied(key);
    const pods = await this.claim(rs, this.podInf.list(ns).filter(isPodActive));
    let manageError: { diffWasCreate: boolean; message: string } | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manage(rs, key, pods);
      } catch (err) {
        manageError = { diffWasCreate: pods.length < specReplicas(rs), message: errMessage(err) };
      }
    }
    const status = await this.writeStatus(rs, pods, manageError);
    if (manageError) throw new Error(manageError.message);
    const minReady = rsSpec(rs).minReadySeconds ?? 0;
    if (status && minReady > 0 && status.readyReplicas === specReplicas(rs) && status.availableReplicas !== specReplicas(rs)) {
      this.queue.addAfter(key, minReady * 1000);
    }
  }

  /** Adopts matching orphans and releases pods that no longer match; returns the owned pods. */
  private async claim(rs: KObject, pods: KObject[]): Promise<KObject[]> {
    const { owned, adopt, release } = claimPods(rs, pods);
    if (adopt.length) {
      // Upstream re-reads the owner before adopting: a deleted-and-recreated namesake must not adopt.
      const fresh = await this.ctx.client.get(rsRef, rs.metadata.namespace, rs.metadata.name ?? '').catch(() => undefined);
      if (fresh && fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp) {
        const ref = controllerRefTo(rs, 'apps/v1', 'ReplicaSet');
        for (const p of adopt) {
          try {
            const refs = [...(p.metadata.ownerReferences ?? []), ref];
            owned.push(await this.ctx.client.patch(podRef, p.metadata.namespace, p.metadata.name ?? '', 'merge', { metadata: { ownerReferences: refs, resourceVersion: p.metadata.resourceVersion } }));
          } catch (err) {
            if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) throw err;
          }
        }
      }
    }
    for (const p of release) {
      const refs = (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata.uid);
      try {
        await this.ctx.client.patch(podRef, p.metadata.namespace, p.metadata.name ?? '', 'merge', { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: p.metadata.resourceVersion } });
      } catch (err) {
        if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) throw err;
      }
    }
    return owned;
  }

  /** Upstream's manageReplicas: create in slow-start batches, or delete the least valuable pods. */
  private async manage(rs: KObject, key: string, pods: KObject[]): Promise<void> {
    const diff = pods.length - specReplicas(rs);
    if (diff < 0) {
      const want = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, want);
      let created = 0;
      let firstErr: unknown;
      for (const size of slowStartBatches(want)) {
        const results = await Promise.allSettled(Array.from({ length: size }, () => this.createPod(rs)));
        for (const r of results) {
          if (r.status === 'fulfilled') created++;
          else firstErr ??= r.reason;
        }
        if (firstErr) break;
      }
      // Creates that failed or never ran will not be observed: stop waiting for them.
      for (let i = created; i < want; i++) this.expectations.creationObserved(key);
      if (firstErr && !isNamespaceTerminating(firstErr)) throw firstErr;
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(pods, this.relatedPods(rs), n, this.ctx.clock.now());
      this.expectations.expectDeletions(key, victims.map((p) => p.metadata.uid ?? ''));
      const results = await Promise.allSettled(victims.map((p) => this.deletePod(rs, key, p)));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** Pods of every ReplicaSet under the same controller owner (for the same-node ranking). */
  private relatedPods(rs: KObject): KObject[] {
    const owner = controllerRefOf(rs);
    const siblings = owner ? this.rsInf.list(rs.metadata.namespace ?? '').filter((x) => controllerRefOf(x)?.uid === owner.uid) : [rs];
    const uids = new Set(siblings.map((x) => x.metadata.uid));
    return this.podInf.list(rs.metadata.namespace ?? '').filter((p) => uids.has(controllerRefOf(p)?.uid));
  }

  private async createPod(rs: KObject): Promise<void> {
    try {
      const pod = await this.ctx.client.create(podRef, rs.metadata.namespace, podFromTemplate(rs));
      this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
    } catch (err) {
      if (!isNamespaceTerminating(err)) this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errMessage(err)}`);
      throw err;
    }
  }

  private async deletePod(rs: KObject, key: string, pod: KObject): Promise<void> {
    try {
      await this.ctx.client.delete(podRef, pod.metadata.namespace, pod.metadata.name ?? '');
      this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`);
    } catch (err) {
      this.expectations.deletionObserved(key, pod.metadata.uid ?? '');
      if (isReason(err, 'NotFound')) return;
      this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errMessage(err)}`);
      throw err;
    }
  }

  /** Writes status if it changed (one retry on a fresh read, as upstream). */
  private async writeStatus(rs: KObject, pods: KObject[], manageError: { diffWasCreate: boolean; message: string } | undefined) {
    let cur = rs;
    for (let attempt = 0; ; attempt++) {
      const status = calculateStatus(cur, pods, manageError, this.ctx.clock.now());
      if (statusUnchanged(cur, status)) return status;
      try {
        await this.ctx.client.update(rsRef, cur.metadata.namespace, { ...cur, status }, {}, 'status');
        return status;
      } catch (err) {
        if (isReason(err, 'NotFound')) return undefined;
        if (attempt >= 1) throw err;
        cur = await this.ctx.client.get(rsRef, cur.metadata.namespace, cur.metadata.name ?? '');
      }
    }
  }
}

function isNamespaceTerminating(err: unknown): boolean {
  const causes = (err as { details?: { causes?: { reason?: string }[] } } | undefined)?.details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating');
}
