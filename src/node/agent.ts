// The node agent (Berth's kubelet): watches the pods bound to this node, runs a PodWorker per
// pod on a work queue keyed by uid, re-adopts the containers a previous agent left running and
// cleans up pods that are gone, and serves the streaming server's exec/attach/logs/port-forward.
// Containers are supervised by conmon, so stopping the agent leaves them running.
import { readFile, readdir, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import type { Log } from '../controllers/controller';
import { type EventRecorder, Recorder } from '../controllers/events';
import { Informer } from '../controllers/informer';
import { type Timer, WorkQueue, realTimer } from '../controllers/queue';
import type { ApiClient } from '../machinery/client';
import type { Clock } from '../machinery/clock';
import type { KObject } from '../machinery/types';
import { podsRef, type PodDeps } from './pods/deps';
import { PodWorker } from './pods/worker';
import { ContainerRuntime } from './runtime/containers';
import { runcExec } from './runtime/exec';
import { followLog } from './runtime/follow-log';
import { type ImageProvider, type NodeConfig, type Pod, type PodNetworkProvider, type PodRef, type StreamIO, type StreamRuntime, StreamTargetError, type VolumeProvider } from './types';

export interface NodeAgentOptions {
  client: ApiClient;
  config: NodeConfig;
  images: ImageProvider;
  network: PodNetworkProvider;
  volumes: VolumeProvider;
  clock: Clock;
  /** Decisions (resyncs, back-off requeues, probes). */
  timer?: Timer;
  /** Polling inside the runtime (waiting for a container to exit); real time unless a test says otherwise. */
  runtimeTimer?: Timer;
  log: Log;
  recorder?: EventRecorder;
  /** Parallel pod syncs. */
  workers?: number;
  hostResolvConf?: () => Promise<string>;
}

/** True when two versions of a pod differ at most in status and bookkeeping metadata. */
function sameDesire(a: Pod, b: Pod): boolean {
  const pick = (p: Pod) => JSON.stringify([p.metadata.uid, p.metadata.deletionTimestamp, p.metadata.deletionGracePeriodSeconds, p.metadata.labels, p.metadata.annotations, p.spec]);
  return pick(a) === pick(b);
}

export class NodeAgent implements StreamRuntime {
  readonly runtime: ContainerRuntime;
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly workers = new Map<string, PodWorker>();
  private readonly queue: WorkQueue;
  private readonly timer: Timer;
  private readonly deps: PodDeps;
  private informer: Informer | undefined;

  constructor(private readonly o: NodeAgentOptions) {
    this.timer = o.timer ?? realTimer;
    this.ready = new Promise((r) => (this.markReady = r));
    this.queue = new WorkQueue({ timer: this.timer, baseDelayMs: 500, maxDelayMs: 30_000 });
    this.runtime = new ContainerRuntime({ dataDir: o.config.dataDir, timer: o.runtimeTimer ?? realTimer });
    this.deps = {
      client: o.client,
      config: o.config,
      images: o.images,
      network: o.network,
      volumes: o.volumes,
      runtime: this.runtime,
      clock: o.clock,
      timer: this.timer,
      log: o.log,
      recorder: o.recorder ?? new Recorder({ client: o.client, clock: o.clock, source: { component: 'kubelet', host: o.config.nodeName }, log: o.log }),
      hostResolvConf: o.hostResolvConf ?? (() => readFile('/etc/resolv.conf', 'utf8').catch(() => '')),
      node: { cpuMilli: os.cpus().length * 1000, memoryBytes: os.totalmem() },
      requeue: (uid, ms) => this.queue.addAfter(uid, ms),
    };
  }

  /** Runs until `signal` aborts; containers keep running afterwards. */
  async start(signal: AbortSignal): Promise<void> {
    const inf = new Informer({ client: this.o.client, resource: podsRef, timer: this.timer, fieldSelector: `spec.nodeName=${this.o.config.nodeName}`, log: this.o.log });
    this.informer = inf;
    inf.addHandler({
      onAdd: (p) => this.upsert(p as Pod),
      onUpdate: (_old, p) => this.upsert(p as Pod),
      onDelete: (p) => this.removed(p),
    });
    const informerDone = inf.start(signal);
    await Promise.race([inf.hasSynced, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    if (signal.aborted) return informerDone;
    await this.cleanOrphans();
    const run = this.queue.run(this.o.workers ?? 8, (uid) => this.syncOne(uid), signal, (uid, err) => {
      this.o.log.warn({ uid, err: err instanceof Error ? err.message : String(err) }, 'pod sync failed');
    });
    this.markReady();
    await Promise.all([informerDone, run]);
    for (const w of this.workers.values()) w.shutdown();
  }

  private upsert(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const w = this.workers.get(uid);
    if (!w) this.workers.set(uid, new PodWorker(this.deps, pod));
    else {
      const statusOnly = sameDesire(w.pod, pod);
      w.pod = pod;
      // Our own status writes come back as updates; they need no sync (the kubelet ignores them too).
      if (statusOnly) return;
    }
    this.queue.add(uid);
  }

  private removed(obj: KObject): void {
    const uid = obj.metadata.uid ?? '';
    const w = this.workers.get(uid);
    if (!w || w.finished) return;
    w.gone = true;
    this.queue.add(uid);
  }

  private async syncOne(uid: string): Promise<void> {
    const w = this.workers.get(uid);
    if (!w) return;
    const next = await w.sync();
    if (w.finished) this.workers.delete(uid);
    else if (next !== undefined) this.queue.addAfter(uid, next);
  }

  /** Pod dirs and runc containers whose pod is no longer bound here are removed; the rest is re-adopted by its worker. */
  private async cleanOrphans(): Promise<void> {
    const live = new Set((this.informer?.list() ?? []).map((p) => p.metadata.uid ?? ''));
    const podsDir = join(this.o.config.dataDir, 'pods');
    let uids: string[] = [];
    try {
      uids = await readdir(podsDir);
    } catch {
      // first start
    }
    for (const uid of uids) {
      if (live.has(uid)) continue;
      this.o.log.info({ uid }, 'removing the leftovers of a pod that no longer exists');
      const stub = new PodWorker(this.deps, { metadata: { uid, name: '', namespace: '' }, spec: { containers: [] } });
      try {
        await stub.teardown();
      } catch (err) {
        this.o.log.warn({ uid, err: (err as Error).message }, 'could not clean up an orphaned pod');
      }
    }
    for (const c of await this.runtime.runc.list().catch(() => [])) {
      const exists = await stat(c.bundle).then(() => true, () => false);
      if (!exists) await this.runtime.runc.delete(c.id).catch(() => undefined);
    }
  }

  /** Marks a pod Failed/Evicted and kills its containers (the VolumeManager's onEvict). */
  evict(uid: string, message: string): void {
    const w = this.workers.get(uid);
    if (!w) return;
    w.evict(message);
    this.queue.add(uid);
  }

  // ------------------------------------------------------------ StreamRuntime

  private worker(ref: PodRef): PodWorker {
    for (const w of this.workers.values()) {
      const m = w.pod.metadata;
      if (m.namespace === ref.namespace && m.name === ref.name && (!ref.uid || ref.uid === w.uid) && !w.finished) return w;
    }
    throw new StreamTargetError('NotFound', `pod "${ref.name}" in namespace "${ref.namespace}" is not running on node ${this.o.config.nodeName}`);
  }

  private containerOf(w: PodWorker, name: string): void {
    const all = [...w.pod.spec.containers, ...(w.pod.spec.initContainers ?? [])];
    if (!all.some((c) => c.name === name)) throw new StreamTargetError('NotFound', `container ${name} is not valid for pod ${w.pod.metadata.name ?? ''}`);
  }

  async exec(pod: PodRef, container: string, command: string[], io: StreamIO): Promise<number> {
    const w = this.worker(pod);
    this.containerOf(w, container);
    const inst = await w.running(container);
    if (!inst) throw new StreamTargetError('BadRequest', `container ${container} is not running in pod ${pod.name}; wait for it to start (kubectl get pod ${pod.name})`);
    if (command.length === 0) throw new StreamTargetError('BadRequest', 'command is required; pass one after --');
    return runcExec(this.runtime.runc, inst.meta.id, command, io);
  }

  /** Output-only attach: follows the container's log until it exits or the client leaves (stdin is not forwarded). */
  async attach(pod: PodRef, container: string, io: StreamIO): Promise<void> {
    const w = this.worker(pod);
    this.containerOf(w, container);
    const inst = await w.running(container);
    if (!inst) throw new StreamTargetError('BadRequest', `container ${container} is not running in pod ${pod.name}`);
    // Output only (conmon's attach socket is SOCK_SEQPACKET, which Node can't open): input is
    // read and dropped so a typing client never stalls the session.
    io.stdin?.resume();
    await followLog(this.runtime.logPath(w.uid, container, inst.meta.attempt), io, async () => (await w.running(container))?.meta.id === inst.meta.id);
  }

  async logFile(pod: PodRef, container: string, previous: boolean): Promise<string> {
    const w = this.worker(pod);
    this.containerOf(w, container);
    const list = (await this.runtime.podInstances(w.uid)).get(container) ?? [];
    const inst = previous ? list[1] : list[0];
    if (!inst) {
      if (previous) throw new StreamTargetError('BadRequest', `previous terminated container "${container}" in pod "${pod.name}" not found`);
      throw new StreamTargetError('BadRequest', `container "${container}" in pod "${pod.name}" is waiting to start: ContainerCreating`);
    }
    return this.runtime.logPath(w.uid, container, inst.meta.attempt);
  }

  async portForward(pod: PodRef, port: number): Promise<net.Socket> {
    const w = this.worker(pod);
    const ip = (w.pod.status?.['podIP'] as string | undefined) ?? (await w.podIP());
    if (!ip) throw new StreamTargetError('BadRequest', `pod ${pod.name} has no IP yet; wait for it to be Running`);
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: ip, port });
      s.once('connect', () => resolve(s));
      s.once('error', (err) => reject(new StreamTargetError('BadRequest', `failed to connect to ${ip}:${port} in pod ${pod.name}: ${err.message}`)));
    });
  }
}
