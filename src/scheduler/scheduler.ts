// default-scheduler: binds pending pods to nodes through pods/binding. A pod that fits nowhere
// gets PodScheduled=False (Unschedulable) and a FailedScheduling event, and is retried with
// backoff (1 s doubling to 10 s) when nodes or pods change, and at least every 5 minutes.
import type { KObject } from '../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controllers/controller';
import type { EventRecorder } from '../controllers/events';
import type { Informer } from '../controllers/informer';
import { WorkQueue, backoffDelay } from '../controllers/queue';
import { decide } from './decide';
import { type VolumeWorld, selectedNodePatches } from './volumes';
import { csiDriverRef, csiNodeRef, nodeRef, podRef, pvRef, pvcRef, scRef } from '../machinery/refs';

export const SCHEDULER_NAME = 'default-scheduler';

export const INITIAL_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 10_000;
/** Upstream's podMaxInUnschedulablePodsDuration. */
export const UNSCHEDULABLE_FLUSH_MS = 5 * 60_000;
/** An assumed binding not seen by the informer by then is forgotten (upstream: 30 s). */
const ASSUME_TTL_MS = 30_000;

const keyOf = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
const spec = (p: KObject) => (p.spec ?? {}) as { nodeName?: string; schedulerName?: string; schedulingGates?: unknown[] };
const phase = (p: KObject) => (p.status as { phase?: string } | undefined)?.phase ?? '';
const terminal = (p: KObject) => phase(p) === 'Succeeded' || phase(p) === 'Failed';

/** A pod this scheduler should place. */
export function wantsScheduling(p: KObject): boolean {
  const s = spec(p);
  return !s.nodeName && (s.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME && !p.metadata.deletionTimestamp && !terminal(p) && (s.schedulingGates ?? []).length === 0;
}

export class Scheduler implements Controller {
  readonly name = SCHEDULER_NAME;
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly recorder: EventRecorder;
  private readonly world: VolumeWorld;
  /** Pods bound but not yet seen bound by the informer: key → node, uid and when. */
  private readonly assumed = new Map<string, { node: string; pod: KObject; at: number }>();
  /** Unschedulable pods: key → attempts so far and when the last one failed. */
  private readonly unschedulable = new Map<string, { attempts: number; at: number }>();
  private cancelFlush: (() => void) | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.recorder = ctx.recorder(SCHEDULER_NAME);
    this.pods = ctx.informers.for(podRef);
    this.nodes = ctx.informers.for(nodeRef);
    this.pods.addHandler({
      onAdd: (p) => this.podSeen(p),
      onUpdate: (old, p) => {
        this.podSeen(p);
        // A bound pod finishing frees room on its node.
        if (spec(p).nodeName && !terminal(old) && terminal(p)) this.retryUnschedulable();
      },
      onDelete: (p) => {
        this.assumed.delete(keyOf(p));
        this.unschedulable.delete(keyOf(p));
        if (spec(p).nodeName) this.retryUnschedulable();
      },
    });
    const nodeChanged = () => this.retryUnschedulable();
    this.nodes.addHandler({ onAdd: nodeChanged, onUpdate: nodeChanged });
    // Claims, volumes and classes decide the volume filters: any change may let a pod in.
    const storage = [pvcRef, pvRef, scRef, csiNodeRef, csiDriverRef].map((r) => ctx.informers.for(r));
    for (const inf of storage) inf.addHandler({ onAdd: nodeChanged, onUpdate: nodeChanged, onDelete: nodeChanged });
    const [pvcs, pvs, classes, csiNodes, csiDrivers] = storage as [Informer, Informer, Informer, Informer, Informer];
    this.world = {
      claim: (ns, name) => pvcs.get(ns, name),
      volume: (name) => pvs.get(undefined, name),
      volumes: () => pvs.list(),
      storageClass: (name) => classes.get(undefined, name),
      csiDriversOn: (node) => {
        const n = csiNodes.get(undefined, node);
        return n ? ((n.spec as { drivers?: { name?: string }[] } | undefined)?.drivers ?? []).map((d) => d.name ?? '') : undefined;
      },
      isCsiDriver: (name) => csiDrivers.get(undefined, name) !== undefined,
    };
    this.ready = Promise.all([this.pods.hasSynced, this.nodes.hasSynced, ...storage.map((i) => i.hasSynced)]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    const flush = () => {
      this.retryUnschedulable();
      this.cancelFlush = this.ctx.timer.setTimeout(flush, UNSCHEDULABLE_FLUSH_MS);
    };
    this.cancelFlush = this.ctx.timer.setTimeout(flush, UNSCHEDULABLE_FLUSH_MS);
    signal.addEventListener('abort', () => this.cancelFlush?.(), { once: true });
    // One worker: each decision sees the previous one's assumed binding, as upstream's single loop does.
    await this.queue.run(1, (k) => this.scheduleOne(k), signal, (key, err) => this.ctx.log.warn({ component: this.name, pod: key, err: errMessage(err) }, 'scheduling failed; will retry'));
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private podSeen(p: KObject): void {
    const key = keyOf(p);
    if (spec(p).nodeName) {
      this.assumed.delete(key);
      this.unschedulable.delete(key);
      return;
    }
    if (wantsScheduling(p) && !this.unschedulable.has(key)) this.queue.add(key);
  }

  /** Cluster changed: unschedulable pods go back to the queue once their backoff has passed. */
  private retryUnschedulable(): void {
    const now = this.ctx.timer.now();
    for (const [key, u] of this.unschedulable) {
      const wait = u.at + backoffDelay(u.attempts - 1, INITIAL_BACKOFF_MS, MAX_BACKOFF_MS) - now;
      this.unschedulable.delete(key);
      this.queue.addAfter(key, Math.max(0, wait));
    }
  }

  /** Pods that count against a node: bound, not finished, plus our assumed bindings. */
  private podsOn(node: string): KObject[] {
    const now = this.ctx.timer.now();
    const out = this.pods.list().filter((p) => spec(p).nodeName === node && !terminal(p));
    for (const [key, a] of this.assumed) {
      if (now - a.at > ASSUME_TTL_MS) this.assumed.delete(key);
      else if (a.node === node) out.push(a.pod);
    }
    return out;
  }

  /** Pods holding their volumes: bound and not finished, plus our assumed bindings. */
  private placed(): KObject[] {
    const bound = this.pods.list().filter((p) => spec(p).nodeName && !terminal(p));
    // Assumed pods are bound in intent only: give them their node so node-keyed rules (RWO) see it.
    return [...bound, ...[...this.assumed.values()].map((a) => ({ ...a.pod, spec: { ...(a.pod.spec as object), nodeName: a.node } }))];
  }

  private async scheduleOne(key: string): Promise<void> {
    const i = key.indexOf('/');
    const pod = this.pods.get(key.slice(0, i), key.slice(i + 1));
    if (!pod || !wantsScheduling(pod) || this.assumed.has(key)) return;
    const decision = decide(pod, this.nodes.list(), (n) => this.podsOn(n), { world: this.world, placed: this.placed() });
    if (decision.node === undefined) return this.failed(pod, key, decision.message);
    const node = decision.node;
    this.assumed.set(key, { node, pod, at: this.ctx.timer.now() });
    try {
      // PreBind: the claim's binder or provisioner acts for the chosen node.
      for (const { claim, patch } of selectedNodePatches(decision.claims?.delayed ?? [], node)) {
        await this.ctx.client.patch(pvcRef, claim.metadata.namespace, claim.metadata.name ?? '', 'merge', patch);
      }
    } catch (err) {
      // Failed PreBind: forget the node; the queue retries with backoff.
      this.assumed.delete(key);
      throw err;
    }
    try {
      await this.ctx.client.create(podRef, pod.metadata.namespace, { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', uid: pod.metadata.uid ?? '' }, target: { apiVersion: 'v1', kind: 'Node', name: node } }, {}, 'binding');
    } catch (err) {
      this.assumed.delete(key);
      // Already bound or gone: nothing left to do for it.
      if (isReason(err, 'NotFound') || isReason(err, 'Conflict')) return;
      throw err;
    }
    this.unschedulable.delete(key);
    this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${node}`);
  }

  private async failed(pod: KObject, key: string, message: string): Promise<void> {
    const prev = this.unschedulable.get(key);
    const attempts = (prev?.attempts ?? 0) + 1;
    this.unschedulable.set(key, { attempts, at: this.ctx.timer.now() });
    this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    const conds = ((pod.status as { conditions?: Record<string, unknown>[] } | undefined)?.conditions ?? []);
    const cur = conds.find((c) => c.type === 'PodScheduled');
    if (cur?.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) return;
    const now = this.ctx.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const cond = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: cur?.status === 'False' ? (cur.lastTransitionTime ?? now) : now, reason: 'Unschedulable', message };
    try {
      await this.ctx.client.patch(podRef, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { status: { conditions: [...conds.filter((c) => c !== cur), cond] } }, {}, 'status');
    } catch (err) {
      if (!isReason(err, 'NotFound')) this.ctx.log.warn({ component: this.name, pod: key, err: errMessage(err) }, 'could not record PodScheduled=False');
    }
  }
}
