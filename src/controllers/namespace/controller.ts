// namespace-controller: a namespace being deleted gets phase Terminating, all its namespaced
// content deleted, status conditions describing progress, and finally the "kubernetes" spec
// finalizer removed through namespaces/finalize (the apiserver then removes the namespace).
import type { ResourceRef } from '../../machinery/client';
import type { ResourceDef } from '../../machinery/resource';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, refOf } from '../controller';
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
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.informer = ctx.informers.for(nsRef);
    const enqueue = (o: KObject) => {
      if (o.metadata.deletionTimestamp) this.queue.add(o.metadata.name ?? '');
    };
    this.informer.addHandler({ onAdd: enqueue, onUpdate: (_old, o) => enqueue(o) });
    this.ready = this.informer.hasSynced;
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.race([this.ready, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await this.queue.run(this.workers, (k) => this.sync(k), signal, (key, err) => {
      if (err instanceof RemainingError) return;
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

  private async getNs(name: string): Promise<KObject | undefined> {
    try {
      return await this.ctx.client.get(nsRef, undefined, name);
    } catch (err) {
      if (isReason(err, 'NotFound')) return undefined;
      throw err;
    }
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
    if (!specFinalizers(ns).includes(FINALIZER_KUBERNETES)) return;

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
    await this.finalize(name);
  }

  /** Removes our finalizer through namespaces/finalize, re-reading on conflict. */
  private async finalize(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const ns = await this.getNs(name);
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
    for (const def of this.ctx.defs.filter((d) => d.namespaced)) {
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
