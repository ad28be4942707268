// The writes of the Recycle policy: create the recycler pod, delete it once it finished, then make
// the volume Available (or Failed). Decisions are in recycle.ts; the binder calls sync() for a
// Released volume with policy Recycle, and asks volumesFor() which volumes a pod change concerns.
import type { ApiClient } from '../../machinery/client';
import type { Clock } from '../../machinery/clock';
import { podRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import { isReason } from '../controller';
import type { Informer } from '../informer';
import { claimsOfPod } from '../pvcprotection/compute';
import type { Ev } from './compute';
import { phaseOf, pvSpec } from './match';
import { RECYCLER_NAMESPACE, decideRecycle, recyclerPodName } from './recycle';

const PREFIX = recyclerPodName('');

export interface RecyclerDeps {
  client: ApiClient;
  clock: Clock;
  pods: Informer;
  pvcs: Informer;
  nodes: Informer;
  emit(obj: KObject, ev: Ev): void;
  /** Writes the volume's phase (and message). */
  setPhase(pv: KObject, phase: string, message?: string): Promise<KObject>;
  /** upstream unbindVolume: the claimRef goes (a user's pre-binding keeps its name), phase Available. */
  unbind(pv: KObject): Promise<void>;
  /** Syncs the volume again after `ms` (the recycler's deadline). */
  requeue(name: string, ms: number): void;
  /** Released volumes bound to this claim, from the binder's index. */
  claimedBy(namespace: string, claim: string): readonly KObject[];
}

export class Recycler {
  /** Volume name → uid of the recycler pod this process created (the only one trusted). */
  private readonly created = new Map<string, string>();

  constructor(private readonly d: RecyclerDeps) {}

  /** The volumes whose recycling a change of this pod may move on: its own, or those of its claims. */
  volumesFor(pod: KObject): string[] {
    const name = pod.metadata.name ?? '';
    const ns = pod.metadata.namespace ?? '';
    const out = ns === RECYCLER_NAMESPACE && name.startsWith(PREFIX) ? [name.slice(PREFIX.length)] : [];
    for (const claim of claimsOfPod(pod)) {
      for (const pv of this.d.claimedBy(ns, claim)) if (phaseOf(pv) === 'Released') out.push(pv.metadata.name ?? '');
    }
    return out;
  }

  async sync(pv: KObject): Promise<void> {
    const name = pv.metadata.name ?? '';
    const ref = pvSpec(pv).claimRef ?? {};
    const d = decideRecycle(pv, {
      pods: this.d.pods.list(ref.namespace ?? ''),
      claimCached: this.d.pvcs.get(ref.namespace ?? '', ref.name ?? '') !== undefined,
      recycler: this.d.pods.get(RECYCLER_NAMESPACE, recyclerPodName(name)),
      ownUid: this.created.get(name),
      nodes: this.d.nodes.list(),
      now: this.d.clock.now(),
    });
    switch (d.action) {
      case 'fail':
        await this.d.setPhase(pv, 'Failed', d.event.message);
        return this.d.emit(pv, d.event);
      case 'wait':
        if (d.event) this.d.emit(pv, d.event);
        if (d.retryAfterMs !== undefined) this.d.requeue(name, d.retryAfterMs);
        return;
      case 'create':
        try {
          const made = await this.d.client.create(podRef, RECYCLER_NAMESPACE, d.pod);
          this.created.set(name, made.metadata.uid ?? '');
        } catch (err) {
          // The cache lags our own create: its watch event brings the volume back.
          if (!isReason(err, 'AlreadyExists')) throw err;
        }
        return;
      case 'replace':
        // The pod's deletion brings the volume back to create a fresh one.
        return this.deletePod(d.pod);
      case 'recycled':
        // Pod first: a retry after a failed write below scrubs once more, which is harmless.
        await this.deletePod(d.pod);
        this.created.delete(name);
        this.d.emit(pv, d.event);
        return this.d.unbind(pv);
      case 'failed':
        await this.deletePod(d.pod);
        this.created.delete(name);
        await this.d.setPhase(pv, 'Failed', d.event.message);
        return this.d.emit(pv, d.event);
    }
  }

  private async deletePod(pod: KObject): Promise<void> {
    if (pod.metadata.deletionTimestamp) return;
    try {
      await this.d.client.delete(podRef, pod.metadata.namespace, pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid ?? '' } });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
    }
  }
}
