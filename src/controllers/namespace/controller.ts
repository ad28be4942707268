// namespace-controller: a namespace being deleted gets phase Terminating, all its namespaced
// content deleted, status conditions describing progress, and finally the "kubernetes" spec
// finalizer removed through namespaces/finalize (the apiserver then removes the namespace).
import { getIfExists, type ResourceRef } from '../../machinery/client';
import { type ResourceDef, servedVerbs } from '../../machinery/resource';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, refOf, readyOrAborted } from '../controller';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';
import {
  type ContentReport,
  FINALIZER_KUBERNETES,
  type NamespaceCondition,
  type ResourceResult,
  estimatePods,
  finalizedSpec,
  judgeRemaining,
  overallEstimate,
  requeueSeconds,
  updateConditions,
} from './compute';

export const NAMESPACE_COMPONENT = 'namespace-controller';
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };

class RemainingError extends Error {
  constructor(readonly estimate: number) {
    super(`some content remains in the namespace, estimate ${estimate} seconds before it is removed`);
  }
}

/** Content showed up after the deletion pass: another pass is needed (soon, on the backoff). */
class LateContentError extends Error {
  constructor() {
    super('content was created in the namespace while it was being emptied; deleting it again');
  }
}

/**
 * Upstream's nsControllerRateLimiter: per-key backoff 5 ms doubling to 60 s (not client-go's
 * 1000 s), so a failing namespace is retried at least every minute. Its overall 10 qps bucket
 * only matters with many namespaces failing at once, which one machine doesn't see.
 */
export const NAMESPACE_QUEUE = { baseDelayMs: 5, maxDelayMs: 60_000 } as const;

/** What the deleter empties: namespaced kinds that can be listed and deleted (upstream's discovery filter). */
const deletable = (d: ResourceDef): boolean => d.namespaced && servedVerbs(d).includes('list') && servedVerbs(d).includes('delete');

interface NsStatus {
  phase?: string;
  conditions?: NamespaceCondition[];
}
const statusOf = (ns: KObject): NsStatus => (ns.status ?? {});
const specFinalizers = (ns: KObject): string[] => ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []);

export class NamespaceController implements Controller {
  readonly name = NAMESPACE_COMPONENT;
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly informer: Informer;

  constructor(private readonly ctx: ControllerContext, private readonly workers = 2) {
    this.queue = new WorkQueue({ timer: ctx.timer, ...NAMESPACE_QUEUE });
    this.informer = ctx.informers.for(nsRef);
    const enqueue = (o: KObject) => {
      if (o.metadata.deletionTimestamp) this.queue.add(o.metadata.name ?? '');
    };
    this.informer.addHandler({ onAdd: enqueue, onUpdate: (_old, o) => enqueue(o) });
    this.ready = this.informer.hasSynced;
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    await this.queue.run(this.workers, (k) => this.sync(k), signal, (key, err) => {
      if (err instanceof LateContentError) return this.ctx.log.debug({ controller: this.name, namespace: key }, err.message);
      this.ctx.log.warn({ controller: this.name, namespace: key, err: errMessage(err) }, 'namespace deletion failed; will retry');
    });
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Asks for a namespace to be looked at now (tests; a resync). */
  enqueue(name: string): void {
    this.queue.add(name);
  }

  private async sync(name: string): Promise<void> {
    try {
      await this.delete(name);
    } catch (err) {
      // Content still going away: come back when upstream would, not on the error backoff.
      if (!(err instanceof RemainingError)) throw err;
      this.queue.addAfter(name, requeueSeconds(err.estimate) * 1000);
    }
  }

  private getNs(name: string): Promise<KObject | undefined> {
    return getIfExists(this.ctx.client, nsRef, undefined, name);
  }

  /** Upstream's namespacedResourcesDeleter.Delete. */
  private async delete(name: string): Promise<void> {
    let ns = await this.getNs(name);
    if (!ns?.metadata.deletionTimestamp) return;
    if (statusOf(ns).phase !== 'Terminating') {
      try {
        ns = await this.ctx.client.update(nsRef, undefined, { ...ns, status: { ...statusOf(ns), phase: 'Terminating' } }, {}, 'status');
      } catch (err) {
        if (isReason(err, 'NotFound')) return;
        throw err;
      }
    }
    // As upstream: done once spec.finalizers is empty. Custom finalizers alone (someone finalized
    // "kubernetes" away by hand) still get the content deleted; only the finalize step is ours.
    if (specFinalizers(ns).length === 0) return;

    const report = await this.deleteAllContent(ns);
    const { conditions, changed } = updateConditions(statusOf(ns).conditions ?? [], report, this.ctx.clock.now());
    if (changed) {
      try {
        ns = await this.ctx.client.update(nsRef, undefined, { ...ns, status: { ...statusOf(ns), conditions } }, {}, 'status');
      } catch (err) {
        // As upstream: a failed condition update is reported, not fatal.
        this.ctx.log.warn({ controller: this.name, namespace: name, err: errMessage(err) }, "couldn't update status conditions");
      }
    }
    const errs = report.results.flatMap((r) => (r.error ? [r.error] : []));
    if (report.discoveryError) errs.unshift(report.discoveryError);
    if (errs.length) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    const estimate = overallEstimate(report);
    if (estimate > 0) throw new RemainingError(estimate);
    // A create that passed admission just before the deletionTimestamp was set can land after
    // our pass listed its resource. Upstream waits namespaceDeletionGracePeriod (5 s) before
    // starting, for such writes to land; instead (users would wait those 5 s on every delete),
    // look once more right before finalizing, and start over if anything is there. Once
    // finalized the namespace is gone, so anything missed here would be orphaned.
    if (await this.hasContent(name)) throw new LateContentError();
    await this.finalize(name);
  }

  /** Whether any deletable kind still lists an object in the namespace. */
  private async hasContent(ns: string): Promise<boolean> {
    for (const def of this.ctx.defs.filter(deletable)) {
      if ((await this.ctx.client.list(refOf(def), ns, { limit: 1 })).items.length > 0) return true;
    }
    return false;
  }

  /** Removes our finalizer through namespaces/finalize, re-reading on conflict. */
  private async finalize(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const ns = await this.getNs(name);
      // Without our token upstream's finalize would only re-sort the others' list: skip the write.
      if (!ns || !specFinalizers(ns).includes(FINALIZER_KUBERNETES)) return;
      const next: KObject = { ...ns, spec: { ...(ns.spec as object), finalizers: finalizedSpec(specFinalizers(ns)) } };
      try {
        await this.ctx.client.update(nsRef, undefined, next, {}, 'finalize');
        return;
      } catch (err) {
        if (isReason(err, 'NotFound')) return;
        if (!isReason(err, 'Conflict') || attempt >= 5) throw err;
      }
    }
  }

  /** Deletes every namespaced resource's content; never stops at the first failing resource. */
  private async deleteAllContent(ns: KObject): Promise<ContentReport> {
    const name = ns.metadata.name ?? '';
    const deletedAt = ns.metadata.deletionTimestamp ?? '';
    const results: ResourceResult[] = [];
    for (const def of this.ctx.defs.filter(deletable)) {
      results.push(await this.deleteResourceContent(def, name, deletedAt));
    }
    return { results };
  }

  private async deleteResourceContent(def: ResourceDef, ns: string, deletedAt: string): Promise<ResourceResult> {
    const ref = refOf(def);
    const gvr = { group: def.group, version: ref.version, resource: def.plural };
    const failed = (estimateSeconds: number, err: unknown): ResourceResult => ({ resource: def.plural, group: def.group, estimateSeconds, remaining: 0, finalizers: {}, error: errMessage(err) });
    let estimate = 0;
    try {
      const items = (await this.ctx.client.list(ref, ns)).items;
      if (def.group === '' && def.plural === 'pods') estimate = estimatePods(items, deletedAt, this.ctx.clock.now());
      for (const it of items) {
        if (it.metadata.deletionTimestamp) continue;
        try {
          await this.ctx.client.delete(ref, ns, it.metadata.name ?? '', { propagationPolicy: 'Background' });
        } catch (err) {
          if (!isReason(err, 'NotFound') && !isReason(err, 'MethodNotAllowed')) throw err;
        }
      }
    } catch (err) {
      return failed(estimate, err);
    }
    try {
      const left = (await this.ctx.client.list(ref, ns)).items;
      return judgeRemaining(gvr, ns, left, estimate);
    } catch (err) {
      return failed(estimate, err);
    }
  }
}
