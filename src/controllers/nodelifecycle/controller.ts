// node-lifecycle-controller: a node whose Lease (and status heartbeat) goes unrenewed for the
// grace period gets its conditions set Unknown ("Kubelet stopped posting node status."); every
// node carries the NoSchedule taints its conditions imply (not-ready, unreachable, pressure,
// unschedulable), removed again when the kubelet reports healthy. NoExecute eviction is not done.
import type { ResourceRef } from '../../machinery/client';
import { rfc3339 } from '../../machinery/clock';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';
import { type Health, desiredTaints, observe, silentConditions } from './compute';
import { nodeRef } from '../../machinery/refs';

export const NODE_LIFECYCLE_COMPONENT = 'node-lifecycle-controller';
const leaseRef: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };
const LEASE_NS = 'kube-node-lease';

export interface NodeLifecycleOptions {
  /** nodeMonitorGracePeriod (upstream default 40 s). */
  gracePeriodMs?: number;
  /** nodeMonitorPeriod (upstream default 5 s). */
  monitorPeriodMs?: number;
}

export class NodeLifecycleController implements Controller {
  readonly name = NODE_LIFECYCLE_COMPONENT;
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly nodes: Informer;
  private readonly leases: Informer;
  private readonly health = new Map<string, Health>();
  private readonly graceMs: number;
  private readonly periodMs: number;

  constructor(private readonly ctx: ControllerContext, opts: NodeLifecycleOptions = {}) {
    this.graceMs = opts.gracePeriodMs ?? 40_000;
    this.periodMs = opts.monitorPeriodMs ?? 5000;
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.nodes = ctx.informers.for(nodeRef);
    this.leases = ctx.informers.for(leaseRef);
    const enqueue = (n: KObject) => this.queue.add(n.metadata.name ?? '');
    this.nodes.addHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (n) => this.health.delete(n.metadata.name ?? '') });
    this.leases.addHandler({
      onAdd: (l) => l.metadata.namespace === LEASE_NS && this.queue.add(l.metadata.name ?? ''),
      onUpdate: (_o, l) => l.metadata.namespace === LEASE_NS && this.queue.add(l.metadata.name ?? ''),
    });
    this.ready = Promise.all([this.nodes.hasSynced, this.leases.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    let cancel: (() => void) | undefined;
    const monitor = () => {
      for (const n of this.nodes.list()) this.queue.add(n.metadata.name ?? '');
      cancel = this.ctx.timer.setTimeout(monitor, this.periodMs);
    };
    monitor();
    signal.addEventListener('abort', () => cancel?.(), { once: true });
    await this.queue.run(1, (k) => this.sync(k), signal, (key, err) => this.ctx.log.warn({ controller: this.name, node: key, err: errMessage(err) }, 'node sync failed; will retry'));
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async sync(name: string): Promise<void> {
    let node = this.nodes.get(undefined, name);
    if (!node) return;
    const health = observe(this.health.get(name), node, this.leases.get(LEASE_NS, name), this.ctx.timer.now());
    this.health.set(name, health);
    const conditions = silentConditions(node, health, this.ctx.timer.now(), this.graceMs, rfc3339(this.ctx.clock.now()));
    try {
      if (conditions) {
        node = await this.ctx.client.patch(nodeRef, undefined, name, 'merge', { status: { conditions } }, {}, 'status');
        this.ctx.log.info({ controller: this.name, node: name }, 'node stopped posting status; marked Unknown');
      }
      const taints = desiredTaints(node);
      if (taints) await this.ctx.client.patch(nodeRef, undefined, name, 'merge', { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints } });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
    }
  }
}
