// One pod's life on the node, driven level-based: every sync re-reads what actually runs
// (conmon's files, runc) and moves the pod one step towards its spec — sandbox, volumes, init
// containers in order, app containers, restarts with back-off — or, once it is being deleted,
// stops everything gracefully, tears the pod down and deletes the API object. Waiting for a
// grace period happens in a per-pod background task (the kubelet's "terminating" state), never
// inside sync, so a slow stop does not hold one of the node's shared sync workers.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../machinery/errors';
import { removeCgroup } from '../runtime/cgroups';
import type { Instance } from '../runtime/containers';
import type { ContainerSpec, Pod } from '../types';
import { Backoff } from './backoff';
import { type PodDeps, podsRef } from './deps';
import { ProbeManager, runHook } from './probes';
import { type Sandbox, createSandbox, readSandbox, staleSandbox } from './sandbox';
import { type StartContext, type Waiting, startContainer } from './start-container';
import { type ContainerView, computePodStatus } from './status';
import { observed, terminationMessage, writePodStatus } from './status-writer';

/** How often a pod with live containers is looked at again (the kubelet's PLEG relists every 1 s). */
export const resyncMs = 1000;

export class PodWorker {
  pod: Pod;
  readonly uid: string;
  private sandbox: Sandbox | undefined;
  private readonly crashBackoff = new Backoff();
  private readonly imageBackoff = new Backoff();
  private readonly imageFailedAt = new Map<string, number>();
  /** When this worker first saw each instance exited (clock ms): back-off counts from here. */
  private readonly exitSeen = new Map<string, number>();
  private readonly waiting = new Map<string, Waiting>();
  /** Containers whose create failed (config, mounts, rootfs): retried after this back-off. */
  private readonly createBackoff = new Backoff({ initialMs: 1000, maxMs: 10_000 });
  private readonly createFailedAt = new Map<string, number>();
  private lastStatus = '';
  private evicted: string | undefined;
  /** The pod's stop (kill with grace, teardown, API delete) while it runs in the background. */
  private stopping: Promise<void> | undefined;
  private stoppingGraceMs = 0;
  /** Aborted: running stops SIGKILL at once (a shorter grace period or a force delete came in). */
  private readonly hurry = new AbortController();
  /** Aborted: the agent is shutting down; background stops leave the containers as they are. */
  private readonly abandon = new AbortController();
  /** Instances being stopped after a failed liveness probe. */
  private readonly killing = new Set<string>();
  /** True once a finished pod gave back its rootfs mounts, cgroups and network. */
  private released = false;
  /** True once the API object is gone (force delete) or the pod was fully torn down. */
  gone = false;
  finished = false;
  readonly probes: ProbeManager;

  constructor(private readonly deps: PodDeps, pod: Pod) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? '';
    this.probes = new ProbeManager(deps, () => this.pod, (name) => this.exec(name), () => this.sandbox?.podIP, () => deps.requeue(this.uid, 0));
  }

  get dir(): string {
    return this.deps.runtime.podDir(this.uid);
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  evict(message: string): void {
    this.evicted = message;
  }

  /** The agent stops: background work ends without touching the containers (they keep running under conmon). */
  shutdown(): void {
    this.abandon.abort();
    this.probes.stopAll();
  }

  /** One step; resolves to the delay before the next sync (undefined: none needed). */
  async sync(): Promise<number | undefined> {
    if (this.finished) return undefined;
    const pod = this.pod;
    if (this.gone || pod.metadata.deletionTimestamp) return this.terminate();
    const phase = pod.status?.['phase'];
    if (this.evicted !== undefined) {
      await this.killAll(0);
      await this.writeStatus(true, this.evicted);
      await this.releaseFinished();
      return undefined;
    }
    if (phase === 'Succeeded' || phase === 'Failed') {
      // A terminal pod never runs again (also after an agent restart).
      await this.killAll(0);
      await this.releaseFinished();
      return undefined;
    }
    if (!(await this.ensureSandbox())) return this.writeStatusAnd(2000);
    try {
      await this.deps.volumes.setUp(pod);
    } catch (err) {
      const msg = (err as Error).message;
      this.deps.recorder.event(pod, 'Warning', 'FailedMount', msg);
      return this.writeStatusAnd(2000);
    }
    const all = await this.deps.runtime.podInstances(this.uid);
    let next = resyncMs;
    const wake = (ms: number) => (next = Math.min(next, ms));
    const ctx: StartContext = { deps: this.deps, pod, ns: this.sandbox!.ns, podIP: this.sandbox!.podIP, imageBackoff: this.imageBackoff, imageFailedAt: this.imageFailedAt };
    const policy = pod.spec.restartPolicy ?? 'Always';

    let initDone = true;
    for (const c of pod.spec.initContainers ?? []) {
      const list = all.get(c.name) ?? [];
      const cur = list[0];
      if (cur?.state === 'exited' && cur.exitCode === 0) continue;
      initDone = false;
      if (cur?.state === 'running') break;
      if (cur?.state === 'exited' && policy === 'Never') break;
      await this.step(ctx, c, list, wake, true);
      break;
    }
    if (initDone) {
      for (const c of pod.spec.containers) {
        const list = all.get(c.name) ?? [];
        const cur = list[0];
        if (cur?.state === 'running') {
          this.waiting.delete(c.name);
          if (this.probes.livenessFailed(c.name, cur.meta.id) && !this.killing.has(cur.meta.id)) {
            this.deps.recorder.event(pod, 'Normal', 'Killing', `Container ${c.name} failed liveness probe, will be restarted`);
            this.killInBackground(cur);
          }
          continue;
        }
        if (cur?.state === 'exited') {
          const restart = policy === 'Always' || (policy === 'OnFailure' && cur.exitCode !== 0);
          if (!restart) {
            this.waiting.delete(c.name);
            continue;
          }
        }
        await this.step(ctx, c, list, wake, false);
      }
    }
    await this.syncProbes(all);
    await this.writeStatus(false);
    return next;
  }

  /** Starts (or restarts, after the back-off) one container. */
  private async step(ctx: StartContext, c: ContainerSpec, list: Instance[], wake: (ms: number) => void, init: boolean): Promise<void> {
    const cur = list[0];
    const pod = this.pod;
    if (cur?.state === 'created') {
      // Left half-made by an agent that stopped mid-start.
      await this.deps.runtime.purge(cur);
      list.shift();
      return this.step(ctx, c, list, wake, init);
    }
    if (cur?.state === 'exited') {
      const seen = this.exitSeen.get(cur.meta.id) ?? this.now();
      this.exitSeen.set(cur.meta.id, seen);
      const left = this.crashBackoff.remaining(c.name, seen, this.now());
      if (left > 0) {
        const delay = this.crashBackoff.delay(c.name) / 1000;
        this.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${fmtSecs(delay)} restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${this.uid})` });
        this.deps.recorder.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${this.uid})`);
        wake(left);
        return;
      }
      this.crashBackoff.next(c.name, this.now());
      await this.deps.runtime.release(cur);
      for (const old of list.slice(1)) await this.deps.runtime.purge(old);
    }
    const failedAt = this.createFailedAt.get(c.name);
    const left = failedAt === undefined ? 0 : this.createBackoff.remaining(c.name, failedAt, this.now());
    if (left > 0) {
      // The waiting reason of the failed create stays until the retry.
      wake(left);
      return;
    }
    const attempt = cur ? cur.meta.attempt + 1 : 0;
    this.waiting.set(c.name, { reason: init ? 'PodInitializing' : 'ContainerCreating' });
    let w: Waiting | undefined;
    try {
      w = await startContainer(ctx, c, attempt);
    } catch (err) {
      // Anything unforeseen fails this container only; the others still start.
      const message = err instanceof Error ? err.message : String(err);
      this.deps.recorder.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      w = { reason: 'CreateContainerError', message };
    }
    if (w?.reason === 'CreateContainerConfigError' || w?.reason === 'CreateContainerError') {
      this.createBackoff.next(c.name, this.now());
      this.createFailedAt.set(c.name, this.now());
      this.waiting.set(c.name, w);
      wake(this.createBackoff.delay(c.name));
    } else if (w) {
      this.waiting.set(c.name, w);
      // Pulls are retried only once their back-off passed; meanwhile the status shows ImagePullBackOff.
      wake(w.reason === 'ImagePullBackOff' || w.reason === 'ErrImagePull' ? 1000 : 2000);
    } else {
      this.createBackoff.reset(c.name);
      this.createFailedAt.delete(c.name);
      this.waiting.delete(c.name);
      wake(200);
    }
  }

  /** Stops one container (liveness failure) without holding the sync; the next sync restarts it. */
  private killInBackground(i: Instance): void {
    this.killing.add(i.meta.id);
    void this.deps.runtime.stop(i, this.graceMs(), { hurry: this.hurry.signal, abandon: this.abandon.signal })
      .catch((err: unknown) => this.deps.log.warn({ pod: this.pod.metadata.name, container: i.meta.name, err: (err as Error).message }, 'stopping a container failed'))
      .finally(() => {
        this.killing.delete(i.meta.id);
        if (!this.abandon.signal.aborted) this.deps.requeue(this.uid, 0);
      });
  }

  private graceMs(): number {
    const p = this.pod;
    const s = p.metadata.deletionTimestamp ? p.metadata.deletionGracePeriodSeconds ?? p.spec.terminationGracePeriodSeconds : p.spec.terminationGracePeriodSeconds;
    return Math.max(0, (s ?? 30) * 1000);
  }

  private async ensureSandbox(): Promise<boolean> {
    if (this.sandbox) return true;
    try {
      let found = await readSandbox(this.dir);
      if (found && staleSandbox(found, this.deps.runtime.bootId)) {
        // Made before a reboot: its namespaces are gone; give back its IP and make a new one.
        this.deps.log.info({ pod: this.pod.metadata.name }, 'the sandbox is from before a reboot; recreating it');
        await this.deps.network.tearDown(this.uid, join(this.dir, 'ns'));
        found = undefined;
      }
      this.sandbox = found ?? (await createSandbox(this.deps, this.pod, this.dir));
      return true;
    } catch (err) {
      this.deps.recorder.event(this.pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      this.deps.log.warn({ pod: this.pod.metadata.name, err: (err as Error).message }, 'sandbox failed');
      return false;
    }
  }

  private async writeStatusAnd(ms: number): Promise<number> {
    await this.writeStatus(false);
    return ms;
  }

  /** Stops every running container (app containers first, in parallel) with the grace period. */
  private async killAll(graceMs: number): Promise<void> {
    const all = await this.deps.runtime.podInstances(this.uid);
    this.probes.stopAll();
    const running = [...all.values()].map((l) => l[0]).filter((i): i is Instance => i !== undefined && i.state !== 'exited');
    await Promise.all(running.map(async (i) => {
      this.deps.recorder.event(this.pod, 'Normal', 'Killing', `Stopping container ${i.meta.name}`);
      const spent = this.hurry.signal.aborted ? 0 : await this.preStop(i, graceMs);
      await this.deps.runtime.stop(i, Math.max(0, graceMs - spent), { hurry: this.hurry.signal, abandon: this.abandon.signal });
    }));
  }

  /** Runs the container's preStop hook within the grace period; returns the milliseconds it took. */
  private async preStop(i: Instance, graceMs: number): Promise<number> {
    const spec = this.pod.spec.containers.find((c) => c.name === i.meta.name);
    const hook = spec?.lifecycle?.['preStop'] as Record<string, unknown> | undefined;
    if (!spec || !hook || graceMs <= 0) return 0;
    const t0 = this.deps.clock.now().getTime();
    const r = await runHook(this.deps, spec, hook, i.meta.id, this.sandbox?.podIP ?? '', graceMs);
    if (!r.ok) this.deps.recorder.event(this.pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${r.output}`);
    return this.deps.clock.now().getTime() - t0;
  }

  /** Starts the pod's stop in the background (once); sync returns at once and the task asks for a sync when it is done. */
  private terminate(): number | undefined {
    const grace = this.gone ? 0 : this.graceMs();
    if (this.stopping) {
      // A shorter grace period (or a force delete) during the stop cuts the wait short.
      if (grace < this.stoppingGraceMs) {
        this.stoppingGraceMs = grace;
        this.hurry.abort();
      }
      return undefined;
    }
    this.stoppingGraceMs = grace;
    this.stopping = this.stop(grace)
      .catch((err: unknown) => this.deps.log.warn({ pod: this.pod.metadata.name, err: (err as Error).message }, 'stopping the pod failed; retrying'))
      .finally(() => {
        this.stopping = undefined;
        if (!this.abandon.signal.aborted) this.deps.requeue(this.uid, this.finished ? 0 : 1000);
      });
    return undefined;
  }

  /** Graceful stop, teardown, then the API object goes (grace 0, uid precondition). */
  private async stop(graceMs: number): Promise<void> {
    await this.killAll(graceMs);
    if (this.abandon.signal.aborted) return;
    if (!this.gone) await this.writeStatus(true);
    await this.teardown();
    if (!this.gone) {
      try {
        await this.deps.client.delete(podsRef, this.pod.metadata.namespace, this.pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
      } catch (err) {
        if (!(err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict'))) throw err;
      }
    }
    this.finished = true;
  }

  /** A finished pod keeps its logs and container metadata (status, kubectl logs) but gives back its rootfs mounts, cgroups, IP and namespaces, as the kubelet does. */
  private async releaseFinished(): Promise<void> {
    if (this.released) return;
    const all = await this.deps.runtime.podInstances(this.uid);
    for (const list of all.values()) for (const i of list) await this.deps.runtime.release(i);
    await removeCgroup(`/${this.deps.config.cgroupParent}/pod${this.uid}`);
    await this.deps.network.tearDown(this.uid, join(this.dir, 'ns'));
    this.released = true;
  }

  /** Removes containers, cgroups, volumes, namespaces and the pod's dir. Safe to repeat. */
  async teardown(): Promise<void> {
    this.probes.stopAll();
    const all = await this.deps.runtime.podInstances(this.uid);
    for (const list of all.values()) {
      for (const i of list) {
        if (i.state !== 'exited') await this.deps.runtime.stop(i, 0);
        await this.deps.runtime.purge(i);
      }
    }
    await removeCgroup(`/${this.deps.config.cgroupParent}/pod${this.uid}`);
    await this.deps.volumes.tearDown(this.uid);
    await this.deps.network.tearDown(this.uid, join(this.dir, 'ns'));
    await rm(this.dir, { recursive: true, force: true });
    this.sandbox = undefined;
  }

  private async syncProbes(all: Map<string, Instance[]>): Promise<void> {
    for (const c of this.pod.spec.containers) {
      const cur = all.get(c.name)?.[0];
      this.probes.ensure(c, cur?.state === 'running' ? cur.meta.id : undefined, cur?.meta.startedAt);
    }
  }

  /** The instance a `kubectl exec` (or exec probe) targets. */
  async running(name: string): Promise<Instance | undefined> {
    const cur = (await this.deps.runtime.podInstances(this.uid)).get(name)?.[0];
    return cur?.state === 'running' ? cur : undefined;
  }

  /** The pod IP from the sandbox (this agent's or the one it re-adopted). */
  async podIP(): Promise<string | undefined> {
    return (this.sandbox ?? (await readSandbox(this.dir)))?.podIP;
  }

  private exec(name: string): Promise<Instance | undefined> {
    return this.running(name);
  }

  private async views(): Promise<{ init: ContainerView[]; app: ContainerView[] }> {
    const all = await this.deps.runtime.podInstances(this.uid);
    const view = (c: ContainerSpec, init: boolean): ContainerView => {
      const list = all.get(c.name) ?? [];
      const [cur, prev] = [list[0], list[1]];
      const running = cur?.state === 'running';
      const started = running && this.probes.started(c, cur.meta.id);
      const w = this.waiting.get(c.name);
      return {
        name: c.name,
        ...(cur ? { current: observed(cur) } : {}),
        ...(prev ? { previous: observed(prev) } : {}),
        ...(w && !running ? { waiting: w } : {}),
        ready: !init && running && started && this.probes.ready(c, cur.meta.id),
        started: init ? false : started,
        specImage: c.image ?? '',
      };
    };
    return { init: (this.pod.spec.initContainers ?? []).map((c) => view(c, true)), app: this.pod.spec.containers.map((c) => view(c, false)) };
  }

  /** Writes status through pods/status when it changed. */
  private async writeStatus(terminal: boolean, evicted?: string): Promise<void> {
    const { init, app } = await this.views();
    for (const v of [...init, ...app]) {
      if (v.current?.state !== 'exited') continue;
      const m = await terminationMessage(this.deps, this.pod, v.name, v.current);
      if (m) v.current.message = m;
    }
    const status = computePodStatus({
      pod: this.pod, init, app, hostIP: this.deps.network.hostIP,
      ...(this.sandbox ? { podIP: this.sandbox.podIP } : {}),
      sandboxReady: this.sandbox !== undefined, now: this.deps.clock.now(),
      ...(evicted !== undefined ? { evicted } : {}), terminal,
    });
    this.lastStatus = await writePodStatus(this.deps, this.pod, status, this.lastStatus);
  }
}

function fmtSecs(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  return r ? `${m}m${r}s` : `${m}m0s`;
}
