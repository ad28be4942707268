// The node's volume manager: desired state is the pods handed to setUp, actual state what is
// on disk and mounted. A resync loop keeps API-data volumes current (ConfigMap/Secret edits
// reach running pods within resyncMs), grows published CSI filesystems whose volume was
// expanded, and measures emptyDir usage against sizeLimit.
import { cpus, totalmem } from 'node:os';
import { chmod, mkdir, readdir, realpath, rmdir, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EventRecorder } from '../../controllers/events';
import type { ApiClient } from '../../machinery/client';
import type { Clock } from '../../machinery/clock';
import { type Timer, realTimer } from '../../controllers/queue';
import type { NodeAllocatable } from '../../storage/downward-api';
import { diskUsage, type EmptyDirSource, emptyDirOverLimit } from '../../storage/empty-dir';
import { mountPointsUnder, unmount } from '../../storage/mounts';
import { removeTree } from '../../storage/safe-remove';
import { mountSubPath } from '../../storage/subpath';
import { expandSubPathExpr } from '../../storage/subpath-expr';
import { TokenCache } from '../../storage/service-account-token';
import type { CsiDriverRegistry } from '../../storage/csi/types';
import type { ContainerSpec, OciDevice, OciMount, Pod, VolumeProvider, VolumeSpec } from '../types';
import { blockDeviceNumbers } from './block-device';
import { CsiVolumes } from './csi-volumes';
import { VolumeMountError } from './mount-error';
import { KeyedLock } from '../../machinery/keyed-lock';
import { type SetUpDeps, type SetUpResult, setUpVolume } from './set-up-volume';
import { setVolumeOwnership } from '../../storage/ownership';
import { type VolumeKind, propagationOption, volumeKind, volumePath } from './volume-kind';

export interface VolumeLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface VolumeManagerOptions {
  /** NodeConfig.dataDir + '/pods'. */
  podsDir: string;
  client: ApiClient;
  clock: Clock;
  log?: VolumeLog;
  /** Called once per pod when an emptyDir exceeds its sizeLimit; the agent evicts the pod. */
  onEvict?: (podUid: string, message: string) => void;
  /** How often API-data volumes are refreshed (ms). */
  resyncMs?: number;
  /** How often emptyDir usage is measured (ms); the kubelet's eviction manager runs every 10 s. */
  usageMs?: number;
  timer?: Timer;
  /** Defaults for resourceFieldRef limits a container leaves unset (default: this machine). */
  allocatable?: NodeAllocatable;
  /** This node's name: claims' volumes with node affinity for another node are refused. */
  nodeName?: string;
  /** The CSI drivers on this node (claims whose PV has spec.csi); absent: csi volumes are refused. */
  csiDrivers?: CsiDriverRegistry;
  /** The node's data directory; CSI staging paths live in <dataDir>/plugins (default: podsDir's parent). */
  dataDir?: string;
  /** Where external CSI drivers put their sockets, named in errors (default: <dataDir>/plugins). */
  csiSocketDir?: string;
  /** Events on claims (FileSystemResizeSuccessful / FileSystemResizeFailed); absent: none. */
  recorder?: EventRecorder;
  /** This boot's id, for CSI staging records (default: the kernel's boot_id). */
  bootId?: () => Promise<string>;
}

interface ClaimState {
  path: string;
  readOnly: boolean;
  block: boolean;
}

const quiet: VolumeLog = { debug: () => {}, info: () => {}, warn: () => {} };
const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class VolumeManager implements VolumeProvider {
  private readonly desired = new Map<string, Pod>();
  /** pod uid → volume name → kind, for the volumes set up successfully. */
  private readonly actual = new Map<string, Map<string, VolumeKind>>();
  /** pod uid → claim volume name → its host path (or published CSI path), read-only, raw block. */
  private readonly claims = new Map<string, Map<string, ClaimState>>();
  private readonly evicted = new Set<string>();
  /** One operation at a time per pod. */
  private readonly locks = new KeyedLock();
  private readonly tokens: TokenCache;
  private readonly log: VolumeLog;
  private readonly csi: CsiVolumes;
  private rootDir: Promise<string> | undefined;
  private allocatable: Promise<NodeAllocatable> | undefined;

  constructor(private readonly o: VolumeManagerOptions) {
    this.tokens = new TokenCache(o.client, o.clock);
    this.log = o.log ?? quiet;
    const dataDir = o.dataDir ?? dirname(o.podsDir);
    this.csi = new CsiVolumes({
      dataDir, podsDir: () => this.root(), drivers: o.csiDrivers, socketDir: o.csiSocketDir ?? join(dataDir, 'plugins'), nodeName: o.nodeName ?? '',
      client: o.client, clock: o.clock, recorder: o.recorder, log: this.log, ...(o.bootId ? { bootId: o.bootId } : {}),
    });
  }

  /**
   * podsDir, created, private and with symlinks resolved (mountinfo shows resolved paths). It holds
   * container root filesystems with the images' setuid binaries: only root may walk in
   * (CVE-2021-41103), so the mode is set even on a directory an older version made 0755.
   */
  private root(): Promise<string> {
    this.rootDir ??= (async () => {
      await mkdir(this.o.podsDir, { recursive: true, mode: 0o700 });
      await chmod(this.o.podsDir, 0o700);
      return realpath(this.o.podsDir);
    })();
    return this.rootDir;
  }

  private node(): Promise<NodeAllocatable> {
    if (this.o.allocatable) return Promise.resolve(this.o.allocatable);
    this.allocatable ??= this.root().then(async (dir) => {
      const fs = await statfs(dir);
      return { cpuMillis: BigInt(cpus().length * 1000), memoryBytes: BigInt(totalmem()), ephemeralStorageBytes: BigInt(fs.blocks) * BigInt(fs.bsize) };
    });
    return this.allocatable;
  }

  /** The pod's securityContext.fsGroup on a volume that supports ownership management. */
  private async applyFsGroup(pod: Pod, r: SetUpResult): Promise<void> {
    const sc = (pod.spec as { securityContext?: { fsGroup?: unknown; fsGroupChangePolicy?: unknown } }).securityContext;
    if (typeof sc?.fsGroup !== 'number' || !r.ownership || !(await r.ownership())) return;
    await setVolumeOwnership(r.path, sc.fsGroup, r.readOnly, typeof sc.fsGroupChangePolicy === 'string' ? sc.fsGroupChangePolicy : undefined);
  }

  private async deps(): Promise<SetUpDeps> {
    return { podsDir: await this.root(), client: this.o.client, clock: this.o.clock, tokens: this.tokens, node: () => this.node(), nodeName: this.o.nodeName, csi: this.csi };
  }

  async setUp(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    if (!uid) throw new Error('Cannot set up volumes: the pod has no metadata.uid');
    const deps = await this.deps();
    await this.locks.run(uid, async () => {
      this.desired.set(uid, pod);
      const failures: VolumeMountError[] = [];
      const actual = this.actual.get(uid) ?? new Map<string, VolumeKind>();
      this.actual.set(uid, actual);
      for (const v of pod.spec.volumes ?? []) {
        try {
          const first = !actual.has(v.name);
          const r = await setUpVolume(pod, v, deps);
          // As the kubelet, ownership is applied when the volume is mounted (and after new content).
          if (first || r.changed) await this.applyFsGroup(pod, r);
          actual.set(v.name, r.kind);
          if (r.kind.type === 'persistentVolumeClaim') {
            const claims = this.claims.get(uid) ?? new Map<string, ClaimState>();
            claims.set(v.name, { path: r.path, readOnly: r.readOnly, block: r.block === true });
            this.claims.set(uid, claims);
          }
        } catch (e) {
          failures.push(new VolumeMountError(v.name, msg(e)));
        }
      }
      const [first, ...rest] = failures;
      if (first) throw new VolumeMountError(first.volume, first.reason, rest);
    });
  }

  async containerMounts(pod: Pod, container: ContainerSpec, env: Record<string, string>): Promise<OciMount[]> {
    const root = await this.root();
    const uid = pod.metadata.uid ?? '';
    const volumes = new Map<string, VolumeSpec>((pod.spec.volumes ?? []).map((v) => [v.name, v]));
    const out: OciMount[] = [];
    for (const [i, m] of (container.volumeMounts ?? []).entries()) {
      const v = volumes.get(m.name);
      if (!v) throw new Error(`Cannot mount volume "${m.name}" in container "${container.name}": the pod has no volume of that name; add it to spec.volumes`);
      const kind = volumeKind(v);
      const claim = this.claims.get(uid)?.get(m.name);
      if (kind.type === 'persistentVolumeClaim' && !claim) throw new Error(`Cannot mount volume "${m.name}" in container "${container.name}": its claim is not set up yet; setUp the pod first`);
      if (claim?.block) throw new Error(`Cannot mount volume "${m.name}" in container "${container.name}": its volume has volumeMode Block; list it under volumeDevices, not volumeMounts`);
      let source = claim ? claim.path : volumePath(root, uid, v, kind);
      const sub = m.subPathExpr ? expandSubPathExpr(m.subPathExpr, env) : (m.subPath ?? '');
      if (sub !== '') {
        const target = join(root, uid, 'volume-subpaths', m.name, container.name, String(i));
        try {
          await mountSubPath({ volumeRoot: source, subPath: sub, target, create: kind.writable });
        } catch (e) {
          throw new Error(`failed to prepare subPath for volumeMount "${m.name}" of container "${container.name}": ${msg(e)}`, { cause: e });
        }
        source = target;
      }
      const ro = m.readOnly === true || kind.readOnly || claim?.readOnly === true;
      out.push({ destination: m.mountPath, source, type: 'bind', options: ['rbind', propagationOption(m.mountPropagation), ro ? 'ro' : 'rw'] });
    }
    return out;
  }

  /** The block devices of a container's volumeDevices: its csi claims with volumeMode Block, as published on this node. */
  async containerDevices(pod: Pod, container: ContainerSpec): Promise<OciDevice[]> {
    const uid = pod.metadata.uid ?? '';
    const out: OciDevice[] = [];
    for (const d of (container['volumeDevices'] as { name?: unknown; devicePath?: unknown }[] | undefined) ?? []) {
      const name = typeof d.name === 'string' ? d.name : '';
      const claim = this.claims.get(uid)?.get(name);
      if (!claim) throw new Error(`Cannot add device "${name}" to container "${container.name}": no claim volume of that name is set up; add a persistentVolumeClaim volume "${name}" to spec.volumes`);
      if (!claim.block) throw new Error(`Cannot add device "${name}" to container "${container.name}": its volume has volumeMode Filesystem; list it under volumeMounts, or use a claim with volumeMode Block`);
      const { major, minor } = await blockDeviceNumbers(claim.path);
      out.push({ path: typeof d.devicePath === 'string' ? d.devicePath : '', type: 'b', major, minor, readOnly: claim.readOnly });
    }
    return out;
  }

  async tearDown(podUid: string): Promise<void> {
    const root = await this.root();
    await this.locks.run(podUid, async () => {
      this.desired.delete(podUid);
      this.actual.delete(podUid);
      this.claims.delete(podUid);
      this.evicted.delete(podUid);
      this.tokens.forget(podUid);
      const podDir = join(root, podUid);
      for (const sub of ['volume-subpaths', 'volumes', 'volumeDevices']) {
        // CSI volumes go back through their drivers (found from disk: survives restarts) once no
        // subPath bind keeps their filesystem busy, before the sweep of whatever else is mounted.
        if (sub === 'volumes') await this.csi.tearDown(podUid);
        const dir = join(podDir, sub);
        for (const p of await mountPointsUnder(dir)) await unmount(p);
        // Stacked mounts (mounted twice by a crash mid-setUp) need a second pass.
        for (const p of await mountPointsUnder(dir)) await unmount(p);
        const left = await mountPointsUnder(dir);
        if (left.length > 0) throw new Error(`Cannot remove the volumes of pod ${podUid}: ${left.join(', ')} still mounted; unmount them and retry`);
        await removeTree(dir);
      }
      // The pod directory goes when the other parts (runtime, network) have removed theirs.
      await rmdir(podDir).catch(() => undefined);
    });
  }

  /** Pod uids with volumes on disk (after a restart: the agent tears down those it no longer runs). */
  async podsOnDisk(): Promise<string[]> {
    const root = await this.root();
    const out: string[] = [];
    for (const uid of await readdir(root).catch(() => [] as string[])) {
      if ((await readdir(join(root, uid)).catch(() => [] as string[])).some((n) => n === 'volumes' || n === 'volume-subpaths' || n === 'volumeDevices')) out.push(uid);
    }
    return out;
  }

  /** Refreshes every set-up API-data volume of every desired pod once. */
  async resync(): Promise<void> {
    const deps = await this.deps();
    for (const uid of [...this.desired.keys()]) {
      await this.locks.run(uid, async () => {
        const pod = this.desired.get(uid);
        if (!pod) return;
        for (const v of pod.spec.volumes ?? []) {
          if (!this.actual.get(uid)?.get(v.name)?.atomic) continue;
          try {
            const r = await setUpVolume(pod, v, deps);
            if (r.changed) {
              await this.applyFsGroup(pod, r);
              this.log.info({ pod: uid, volume: v.name }, 'volume content updated');
            }
          } catch (e) {
            // The previous content stays, as upstream; the next resync tries again.
            this.log.warn({ pod: uid, volume: v.name, err: msg(e) }, 'volume resync failed');
          }
        }
      });
    }
    await this.csi.expandOnline();
  }

  /** Measures emptyDirs with a sizeLimit; over the limit → onEvict once per pod. */
  async checkUsage(): Promise<void> {
    for (const [uid, pod] of [...this.desired]) {
      if (this.evicted.has(uid)) continue;
      for (const v of pod.spec.volumes ?? []) {
        const src = v.emptyDir as EmptyDirSource | undefined;
        if (!src || src.sizeLimit === undefined || !this.actual.get(uid)?.has(v.name)) continue;
        const usage = await diskUsage(volumePath(await this.root(), uid, v)).catch(() => 0n);
        const message = emptyDirOverLimit(v.name, src, usage);
        if (message && this.desired.has(uid)) {
          this.evicted.add(uid);
          this.log.info({ pod: uid, volume: v.name, usage: String(usage) }, message);
          this.o.onEvict?.(uid, message);
          break;
        }
      }
    }
  }

  /** Runs the resync and usage loops until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    await this.root();
    await Promise.all([this.loop(signal, this.o.resyncMs ?? 2000, () => this.resync()), this.loop(signal, this.o.usageMs ?? 10_000, () => this.checkUsage())]);
  }

  private async loop(signal: AbortSignal, ms: number, fn: () => Promise<void>): Promise<void> {
    const timer = this.o.timer ?? realTimer;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          cancel();
          resolve();
        };
        const cancel = timer.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      if (signal.aborted) return;
      await fn().catch((e: unknown) => this.log.warn({ err: msg(e) }, 'volume manager pass failed'));
    }
  }
}
