// Finds CSI drivers by name: the built-in drivers added in-process, and external drivers that put
// a unix socket (`*.sock`) into the plugin directory. Each new socket is asked GetPluginInfo and
// registered under the name it gives; a socket that disappears (or is replaced) is dropped. A
// rescan runs when the directory changes (fs.watch) and periodically, since watches can miss.
import { type FSWatcher, watch } from 'node:fs';
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Timer, realTimer } from '../../controllers/queue';
import { GrpcCsiDriver } from './grpc/driver';
import { CsiError, type CsiDriver, type CsiDriverRegistry } from './types';

export interface RegistryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** An external driver: a CsiDriver holding a connection. */
export interface ExternalCsiDriver extends CsiDriver {
  close(): void;
}

export interface DriverRegistryOptions {
  log: RegistryLog;
  /** Directory scanned for driver sockets (e.g. <data>/csi-plugins); without it, built-ins only. */
  pluginDir?: string;
  timer?: Timer;
  /** Period of the safety-net rescan (default 5 s). */
  rescanMs?: number;
  /** Also rescan on directory events (default true). */
  watch?: boolean;
  /** Connects to a socket (default: GrpcCsiDriver with its default deadlines). */
  connect?: (socket: string) => ExternalCsiDriver;
}

/** Sockets to drop and to (re)identify, given the inodes known and found; a new inode is a new driver. */
export function planScan(known: ReadonlyMap<string, number>, found: ReadonlyMap<string, number>): { removed: string[]; added: string[] } {
  const removed = [...known].filter(([s, ino]) => found.get(s) !== ino).map(([s]) => s);
  const added = [...found].filter(([s, ino]) => known.get(s) !== ino).map(([s]) => s);
  return { removed: removed.sort(), added: added.sort() };
}

/** Why a socket's driver name cannot be registered, or undefined when it can. */
export function refusal(name: string, socket: string, builtins: ReadonlySet<string>, externals: ReadonlyMap<string, string>): string | undefined {
  if (builtins.has(name)) return `Cannot register the CSI driver on ${socket}: ${name} is a built-in driver of Berth; give the external driver another name`;
  const other = externals.get(name);
  if (other !== undefined && other !== socket) return `Cannot register the CSI driver on ${socket}: ${other} already serves ${name}; remove one of the two sockets`;
  return undefined;
}

interface SocketEntry {
  ino: number;
  driver?: ExternalCsiDriver;
  name?: string;
  /** What kept it from registering last time (a change is logged). */
  problem?: string;
}

const msgOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class DriverRegistry implements CsiDriverRegistry {
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly builtins = new Map<string, CsiDriver>();
  private readonly sockets = new Map<string, SocketEntry>();
  private readonly byName = new Map<string, string>();
  private readonly timer: Timer;
  private running: Promise<void> | undefined;
  private pending: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: DriverRegistryOptions) {
    this.timer = o.timer ?? realTimer;
    this.ready = new Promise((r) => (this.markReady = r));
  }

  /** Adds a built-in driver; built-ins win over external drivers of the same name. */
  add(name: string, driver: CsiDriver): void {
    if (this.builtins.has(name)) throw new Error(`Cannot add the built-in CSI driver ${name}: one is registered under that name already`);
    this.builtins.set(name, driver);
    const socket = this.byName.get(name);
    if (socket !== undefined) this.drop(socket, refusal(name, socket, new Set([name]), new Map()));
  }
  /** The built-in drivers' names (in the order added). */
  builtinNames(): string[] {
    return [...this.builtins.keys()];
  }


  get(name: string): CsiDriver | undefined {
    const builtin = this.builtins.get(name);
    if (builtin) return builtin;
    const socket = this.byName.get(name);
    return socket === undefined ? undefined : this.sockets.get(socket)?.driver;
  }

  names(): string[] {
    return [...new Set([...this.builtins.keys(), ...this.byName.keys()])].sort();
  }

  /** External drivers by name → socket. */
  externals(): Map<string, string> {
    return new Map(this.byName);
  }

  /** Scans the plugin directory, watches it, and rescans until `signal` aborts; then closes connections. */
  async start(signal: AbortSignal): Promise<void> {
    const dir = this.o.pluginDir;
    let watcher: FSWatcher | undefined;
    let cancelTick: (() => void) | undefined;
    let cancelSoon: (() => void) | undefined;
    if (dir !== undefined && !signal.aborted) {
      await mkdir(dir, { recursive: true }).catch((e: unknown) => this.o.log.warn({ dir, err: msgOf(e) }, 'cannot create the CSI plugin directory'));
      await this.rescan();
      if (this.o.watch ?? true) {
        try {
          watcher = watch(dir, () => {
            // Events come in bursts (bind, chmod): one rescan shortly after.
            cancelSoon ??= this.timer.setTimeout(() => {
              cancelSoon = undefined;
              void this.rescan();
            }, 50);
          });
          watcher.on('error', (e) => this.o.log.warn({ dir, err: msgOf(e) }, 'CSI plugin directory watch failed; rescanning periodically only'));
        } catch (e) {
          this.o.log.warn({ dir, err: msgOf(e) }, 'cannot watch the CSI plugin directory; rescanning periodically only');
        }
      }
      const tick = () => {
        cancelTick = this.timer.setTimeout(() => void this.rescan().finally(() => !signal.aborted && tick()), this.o.rescanMs ?? 5_000);
      };
      tick();
    }
    this.markReady();
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    this.stopped = true;
    watcher?.close();
    cancelTick?.();
    cancelSoon?.();
    await this.running;
    for (const socket of [...this.sockets.keys()]) this.drop(socket);
  }

  /** One scan of the plugin directory (after any scan in progress). */
  rescan(): Promise<void> {
    if (this.running) {
      this.pending ??= this.running.then(() => {
        this.pending = undefined;
        return this.rescan();
      });
      return this.pending;
    }
    this.running = this.scan().finally(() => (this.running = undefined));
    return this.running;
  }

  private async scan(): Promise<void> {
    const dir = this.o.pluginDir;
    if (dir === undefined || this.stopped) return;
    const found = new Map<string, number>();
    try {
      for (const name of await readdir(dir)) {
        if (!name.endsWith('.sock')) continue;
        const st = await lstat(join(dir, name)).catch(() => undefined);
        if (st?.isSocket()) found.set(join(dir, name), st.ino);
      }
    } catch (e) {
      this.o.log.warn({ dir, err: msgOf(e) }, 'cannot scan the CSI plugin directory');
      return;
    }
    const known = new Map([...this.sockets].map(([s, e]) => [s, e.ino]));
    const plan = planScan(known, found);
    for (const socket of plan.removed) this.drop(socket);
    for (const socket of plan.added) this.sockets.set(socket, { ino: found.get(socket) ?? 0 });
    // Sockets not registered yet (new, or failed/refused before) are asked again, all at once so
    // one hung driver costs a scan one identity deadline, not one per socket.
    const unnamed = [...this.sockets].filter(([, e]) => e.name === undefined);
    await Promise.all(unnamed.map(([socket, entry]) => this.identify(socket, entry)));
  }

  private async identify(socket: string, entry: SocketEntry): Promise<void> {
    const driver = entry.driver ?? (this.o.connect ?? ((s) => new GrpcCsiDriver({ socket: s })))(socket);
    entry.driver = driver;
    let name: string;
    try {
      name = (await driver.getPluginInfo()).name;
    } catch (e) {
      // A fresh connection next time: the socket may belong to a driver that is still starting.
      driver.close();
      delete entry.driver;
      // Keyed by the status code: deadline messages carry timings and would log on every scan.
      const key = `GetPluginInfo ${e instanceof CsiError ? e.code : msgOf(e)}`;
      return this.problem(socket, entry, `Cannot identify the CSI driver on ${socket}: GetPluginInfo failed: ${msgOf(e)}; retrying`, key);
    }
    if (this.stopped || this.sockets.get(socket) !== entry) return;
    const why = refusal(name, socket, new Set(this.builtins.keys()), this.byName);
    if (why !== undefined) return this.problem(socket, entry, why);
    entry.name = name;
    delete entry.problem;
    this.byName.set(name, socket);
    this.o.log.info({ driver: name, socket }, 'registered external CSI driver');
  }

  private problem(socket: string, entry: SocketEntry, why: string, key = why): void {
    if (entry.problem !== key) this.o.log.warn({ socket }, why);
    entry.problem = key;
  }

  /** Forgets a socket and closes its connection; `why` is logged when it was registered. */
  private drop(socket: string, why?: string): void {
    const entry = this.sockets.get(socket);
    if (!entry) return;
    this.sockets.delete(socket);
    entry.driver?.close();
    if (entry.name !== undefined && this.byName.get(entry.name) === socket) {
      this.byName.delete(entry.name);
      if (why !== undefined) this.o.log.warn({ driver: entry.name, socket }, why);
      else if (!this.stopped) this.o.log.info({ driver: entry.name, socket }, 'unregistered external CSI driver: its socket is gone');
    }
  }
}
