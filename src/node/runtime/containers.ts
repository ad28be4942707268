// Container instances on disk, supervised by conmon + runc. One instance per (container,
// attempt) under pods/<uid>/containers/<name>/<attempt>/: config.json + rootfs (overlay) form the
// bundle; meta.json says what it is; conmon leaves pid, conmon.pid, exit and oom there. The
// disk and runc are the truth, so a restarted agent finds everything again.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Timer } from '../../controllers/queue';
import { createWithConmon } from './conmon';
import type { OciSpec } from './oci-spec';
import { mountOverlay, unmount } from './overlay';
import { Runc } from './runc';

export interface InstanceMeta {
  id: string;
  podUid: string;
  podName: string;
  podNamespace: string;
  name: string;
  attempt: number;
  /** As written in the pod spec, e.g. "busybox". */
  image: string;
  /** Normalized name, e.g. "docker.io/library/busybox:latest". */
  imageName: string;
  /** Repo digest, e.g. "docker.io/library/busybox@sha256:…". */
  imageRef: string;
  imageId: string;
  createdAt: string;
  startedAt?: string;
  stopSignal?: string;
  /** Set when runc could not start the process (reason StartError / ContainerCannotRun). */
  startError?: string;
  /** The host's boot id when the instance was made: after a reboot nothing of it runs any more. */
  bootId?: string;
}

export type InstanceState = 'created' | 'running' | 'exited';

export interface Instance {
  meta: InstanceMeta;
  dir: string;
  state: InstanceState;
  exitCode?: number;
  oom: boolean;
  finishedAt?: Date;
  pid?: number;
}

export interface RuntimeOptions {
  dataDir: string;
  timer: Timer;
  runcBinary?: string;
  conmonBinary?: string;
  /** How long conmon may take to report the container's pid. */
  conmonTimeoutMs?: number;
  /** Defaults to /proc/sys/kernel/random/boot_id. */
  bootId?: string;
}

/** This boot's id ('' when the kernel does not say). */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

async function readText(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and is the conmon of container `id` (a pid number from before a reboot may belong to anything now). */
async function isConmonOf(pid: number, id: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const cmdline = await readText(`/proc/${pid}/cmdline`);
  return cmdline !== undefined && cmdline.split('\0').includes(id);
}

/** Says how a stop may end early: `hurry` aborted means SIGKILL now, `abandon` aborted means stop waiting and leave the container as it is. */
export interface StopControl {
  hurry?: AbortSignal;
  abandon?: AbortSignal;
}

export class ContainerRuntime {
  readonly runc: Runc;
  readonly bootId: string;

  constructor(private readonly o: RuntimeOptions) {
    this.runc = new Runc(join(o.dataDir, 'runc'), o.runcBinary ?? 'runc');
    this.bootId = o.bootId ?? currentBootId();
  }

  /**
   * Where conmon links each container's attach socket (`<dir>/<id>` → bundle). Beside runc's
   * root, not in it: runc would take the dir for a broken container.
   */
  socketDir(): string {
    return join(this.o.dataDir, 'sock');
  }

  podDir(uid: string): string {
    return join(this.o.dataDir, 'pods', uid);
  }

  instanceDir(uid: string, name: string, attempt: number): string {
    return join(this.podDir(uid), 'containers', name, String(attempt));
  }

  logPath(uid: string, name: string, attempt: number): string {
    return join(this.podDir(uid), 'logs', name, `${attempt}.log`);
  }

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.o.timer.setTimeout(r, ms));
  }

  /** Prepares the bundle (overlay rootfs, termination log) and returns its dir; config.json comes next. */
  async prepare(meta: InstanceMeta, layers: string[]): Promise<string> {
    const dir = this.instanceDir(meta.podUid, meta.name, meta.attempt);
    await mkdir(dir, { recursive: true });
    await mkdir(join(this.podDir(meta.podUid), 'logs', meta.name), { recursive: true });
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ ...meta, bootId: this.bootId }));
    await writeFile(join(dir, 'termination-log'), '');
    await mountOverlay(layers, join(dir, 'upper'), join(dir, 'work'), join(dir, 'rootfs'));
    return dir;
  }

  /** Creates (through conmon) and starts the container; on failure the meta records why. */
  async start(created: InstanceMeta, spec: OciSpec, startedAt: () => string): Promise<InstanceMeta> {
    const meta = { ...created, bootId: this.bootId };
    const dir = this.instanceDir(meta.podUid, meta.name, meta.attempt);
    await writeFile(join(dir, 'config.json'), JSON.stringify(spec));
    const socketDir = this.socketDir();
    await mkdir(socketDir, { recursive: true });
    try {
      await createWithConmon({
        runc: this.runc,
        ...(this.o.conmonBinary ? { binary: this.o.conmonBinary } : {}),
        id: meta.id,
        bundle: dir,
        logPath: this.logPath(meta.podUid, meta.name, meta.attempt),
        persistDir: dir,
        socketDir,
        tty: spec.process.terminal,
        stdin: false,
        ...(this.o.conmonTimeoutMs !== undefined ? { timeoutMs: this.o.conmonTimeoutMs } : {}),
      });
      await this.runc.start(meta.id);
    } catch (err) {
      const failed = { ...meta, startError: (err as Error).message };
      await writeFile(join(dir, 'meta.json'), JSON.stringify(failed));
      throw err;
    }
    const started = { ...meta, startedAt: startedAt() };
    await writeFile(join(dir, 'meta.json'), JSON.stringify(started));
    return started;
  }

  /** Reads an instance's actual state from its dir, conmon's files and runc. */
  async inspect(dir: string): Promise<Instance | undefined> {
    const metaText = await readText(join(dir, 'meta.json'));
    if (!metaText) return undefined;
    const meta = JSON.parse(metaText) as InstanceMeta;
    const oom = (await readText(join(dir, 'oom'))) !== undefined;
    const exited = await this.exitFile(meta, dir);
    if (exited) return exited;
    if (meta.startError) return { meta, dir, state: 'exited', exitCode: 128, oom, finishedAt: new Date(meta.createdAt) };
    // Made before a reboot: its processes, conmon and runc state are gone whatever the files say.
    if (meta.bootId && this.bootId && meta.bootId !== this.bootId) {
      return { meta, dir, state: meta.startedAt ? 'exited' : 'created', exitCode: 255, oom, finishedAt: new Date(meta.startedAt ?? meta.createdAt) };
    }
    const pidText = await readText(join(dir, 'conmon.pid'));
    const conmonAlive = pidText !== undefined && (await isConmonOf(Number(pidText.trim()), meta.id));
    const pid = Number((await readText(join(dir, 'pid'))) ?? '0');
    // conmon alive and no exit file: the container runs (no runc call on the hot path).
    if (conmonAlive && meta.startedAt && pid > 0) return { meta, dir, state: 'running', oom, pid };
    const st = await this.runc.state(meta.id);
    if (st && (st.status === 'running' || st.status === 'paused')) return { meta, dir, state: meta.startedAt ? 'running' : 'created', oom, pid: st.pid };
    if (st?.status === 'created' || !meta.startedAt) return { meta, dir, state: 'created', oom };
    // Stopped: conmon is about to write the exit file, unless it is gone (then the code is lost).
    if (conmonAlive) return { meta, dir, state: 'running', oom, pid };
    // conmon writes the exit file before it exits, so it may have done both since the first look.
    return (await this.exitFile(meta, dir)) ?? { meta, dir, state: 'exited', exitCode: 255, oom, finishedAt: new Date(meta.startedAt) };
  }

  /** The instance as conmon's exit (and oom) files report it, when they exist. */
  private async exitFile(meta: InstanceMeta, dir: string): Promise<Instance | undefined> {
    const exitText = await readText(join(dir, 'exit'));
    if (exitText === undefined || exitText.trim() === '') return undefined;
    const st = await stat(join(dir, 'exit'));
    const oom = (await readText(join(dir, 'oom'))) !== undefined;
    return { meta, dir, state: 'exited', exitCode: Number(exitText.trim()), oom, finishedAt: st.mtime };
  }

  /** Every instance of a pod's containers, by container name, newest attempt first. */
  async podInstances(uid: string): Promise<Map<string, Instance[]>> {
    const out = new Map<string, Instance[]>();
    const base = join(this.podDir(uid), 'containers');
    const names = await readdir(base).catch(() => [] as string[]);
    for (const name of names) {
      const entries = await readdir(join(base, name)).catch(() => [] as string[]);
      const attempts = entries.map(Number).filter((n) => Number.isInteger(n)).sort((a, b) => b - a);
      const list: Instance[] = [];
      for (const a of attempts) {
        const inst = await this.inspect(join(base, name, String(a)));
        if (inst) list.push(inst);
      }
      out.set(name, list);
    }
    return out;
  }

  /** Signals the container, waits up to graceMs for it to exit, then SIGKILLs it. */
  async stop(inst: Instance, graceMs: number, ctl: StopControl = {}): Promise<void> {
    const exited = async () => (await readText(join(inst.dir, 'exit'))) !== undefined || (await this.runc.state(inst.meta.id)) === undefined;
    if (await exited()) return;
    const deadline = this.o.timer.now() + graceMs;
    if (graceMs > 0 && !ctl.hurry?.aborted) {
      await this.runc.kill(inst.meta.id, inst.meta.stopSignal || 'SIGTERM');
      while (this.o.timer.now() < deadline && !ctl.hurry?.aborted) {
        if (ctl.abandon?.aborted) return;
        if (await exited()) return;
        await this.sleep(Math.min(100, Math.max(1, deadline - this.o.timer.now())));
      }
    }
    if (ctl.abandon?.aborted) return;
    await this.runc.kill(inst.meta.id, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      if (await exited()) return;
      await this.sleep(100);
    }
  }

  /** Drops the runc container and the rootfs; keeps meta, exit code and logs (for lastState and --previous). */
  async release(inst: Instance): Promise<void> {
    await this.runc.delete(inst.meta.id);
    // conmon leaves its attach-socket link behind when the container exits.
    await rm(join(this.socketDir(), inst.meta.id), { force: true });
    await unmount(join(inst.dir, 'rootfs'));
    for (const d of ['rootfs', 'upper', 'work']) await rm(join(inst.dir, d), { recursive: true, force: true });
  }

  /** Removes an instance entirely, its log included. */
  async purge(inst: Instance): Promise<void> {
    await this.release(inst);
    await rm(inst.dir, { recursive: true, force: true });
    await rm(this.logPath(inst.meta.podUid, inst.meta.name, inst.meta.attempt), { force: true });
  }
}
