// Startup, liveness and readiness probes per container instance, on the injected timer:
// initialDelaySeconds, periodSeconds, successThreshold, failureThreshold as the kubelet's
// prober workers apply them. Liveness/readiness wait for the startup probe to succeed.
import { runcExec } from '../runtime/exec';
import type { Instance } from '../runtime/containers';
import type { ContainerSpec, Pod } from '../types';
import type { PodDeps } from './deps';
import { runProbe } from './probe-check';

type Obj = Record<string, unknown>;
type Kind = 'startup' | 'liveness' | 'readiness';

interface ProbeState {
  id: string;
  kind: Kind;
  successes: number;
  failures: number;
  /** Result after thresholds: undefined until decided. */
  result: boolean | undefined;
  cancel: () => void;
}

const probeField: Record<Kind, string> = { startup: 'startupProbe', liveness: 'livenessProbe', readiness: 'readinessProbe' };
const label: Record<Kind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

/** Runs a lifecycle handler (exec, httpGet, tcpSocket) once, bounded by `timeoutMs`. */
export function runHook(deps: PodDeps, c: ContainerSpec, handler: Obj, containerId: string, podIP: string, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return runProbe({ ...handler, timeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)) }, {
    podIP,
    container: c,
    exec: (cmd, out, signal) => runcExec(deps.runtime.runc, containerId, cmd, { tty: false, stdout: out, stderr: out, signal }),
  });
}

export class ProbeManager {
  private readonly states = new Map<string, ProbeState>();

  constructor(
    private readonly deps: PodDeps,
    private readonly pod: () => Pod,
    private readonly instance: (name: string) => Promise<Instance | undefined>,
    private readonly podIP: () => string | undefined,
    private readonly changed: () => void,
  ) {}

  private key(name: string, kind: Kind): string {
    return `${name}/${kind}`;
  }

  /** Starts probing a running instance (once per instance); stops probes of gone instances. */
  ensure(c: ContainerSpec, runningId: string | undefined, _startedAt?: string): void {
    for (const kind of ['startup', 'liveness', 'readiness'] as Kind[]) {
      const k = this.key(c.name, kind);
      const st = this.states.get(k);
      const probe = c[probeField[kind]] as Obj | undefined;
      if (st && st.id !== runningId) {
        st.cancel();
        this.states.delete(k);
      }
      if (!probe || !runningId || this.states.has(k)) continue;
      const s: ProbeState = { id: runningId, kind, successes: 0, failures: 0, result: undefined, cancel: () => undefined };
      this.states.set(k, s);
      const delay = Number(probe['initialDelaySeconds'] ?? 0) * 1000;
      this.schedule(c, s, probe, delay);
    }
  }

  private schedule(c: ContainerSpec, s: ProbeState, probe: Obj, ms: number): void {
    s.cancel = this.deps.timer.setTimeout(() => void this.tick(c, s, probe), ms);
  }

  private async tick(c: ContainerSpec, s: ProbeState, probe: Obj): Promise<void> {
    if (this.states.get(this.key(c.name, s.kind)) !== s) return;
    const period = Math.max(1, Number(probe['periodSeconds'] ?? 10)) * 1000;
    const startup = this.states.get(this.key(c.name, 'startup'));
    if (s.kind !== 'startup' && startup && startup.result !== true) return this.schedule(c, s, probe, period);
    if (s.kind === 'startup' && s.result === true) return;
    const r = await runProbe(probe, {
      podIP: this.podIP() ?? '',
      container: c,
      exec: async (cmd, out, signal) => {
        const inst = await this.instance(c.name);
        if (!inst) return 1;
        return runcExec(this.deps.runtime.runc, inst.meta.id, cmd, { tty: false, stdout: out, stderr: out, signal });
      },
    });
    if (this.states.get(this.key(c.name, s.kind)) !== s) return;
    const before = s.result;
    if (r.ok) {
      s.failures = 0;
      s.successes++;
      if (s.successes >= Number(probe['successThreshold'] ?? 1)) s.result = true;
    } else {
      s.successes = 0;
      s.failures++;
      this.deps.recorder.event(this.pod(), 'Warning', 'Unhealthy', `${label[s.kind]} probe failed: ${r.output}`);
      if (s.failures >= Number(probe['failureThreshold'] ?? 3)) s.result = false;
    }
    if (s.result !== before) this.changed();
    if (s.kind === 'liveness' && s.result === false) return;
    if (s.kind === 'startup' && s.result === false) return;
    this.schedule(c, s, probe, period);
  }

  livenessFailed(name: string, id: string): boolean {
    for (const kind of ['liveness', 'startup'] as Kind[]) {
      const s = this.states.get(this.key(name, kind));
      if (s?.id === id && s.result === false) return true;
    }
    return false;
  }

  started(c: ContainerSpec, id: string): boolean {
    if (!c.startupProbe) return true;
    const s = this.states.get(this.key(c.name, 'startup'));
    return s?.id === id && s.result === true;
  }

  ready(c: ContainerSpec, id: string): boolean {
    if (!c.readinessProbe) return true;
    const s = this.states.get(this.key(c.name, 'readiness'));
    return s?.id === id && s.result === true;
  }

  stopAll(): void {
    for (const s of this.states.values()) s.cancel();
    this.states.clear();
  }
}
