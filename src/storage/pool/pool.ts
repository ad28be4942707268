// The node's volume pool: named volumes (a directory or an ext4 image on a loop device) with a
// metadata record each, snapshots, growth, and staging of block volumes. One store serves the
// built-in CSI drivers (a PV's csi.volumeHandle is a pool volume name) and a Docker volume API
// (`docker volume create` labels and driver options are kept on the same record).
import { join, resolve } from 'node:path';
import type { Clock } from '../../machinery/clock';
import { readMounts } from '../mountinfo';
import { BlockBackend } from './block-backend';
import { DirBackend } from './dir-backend';
import { PoolError } from './errors';
import { growOffline, growOnline } from './ext4';
import { KeyedLock } from '../../machinery/keyed-lock';
import { deviceMounts } from './mount-users';
import { checkName, nameError } from './names';
import { RecordStore, type SnapshotRecord, type VolumeRecord } from './records';
import { type CreateVolumeOptions, createDifference, resolveCreate } from './plan-create';
import { roundUpMiB } from './sizes';

export interface VolumePoolOptions {
  /**
   * The pool's directory, e.g. <node data>/volumes; btrfs there makes dir capacity enforced.
   * Give it without symlinks (realpath): mounts are matched against /proc/self/mountinfo paths.
   */
  root: string;
  clock: Clock;
}


export type { CreateVolumeOptions };

export interface ExpandResult {
  sizeBytes: bigint;
  /** block ext4: the filesystem is smaller than the volume and must still be grown (node step). */
  filesystemResizeRequired: boolean;
}

export type GrowResult = { status: 'grown' } | { status: 'offline-required'; message: string };

const notFound = (name: string): PoolError => new PoolError('NotFound', `volume ${name} not found; list the pool's volumes (docker volume ls / kubectl get pv)`);

export class VolumePool {
  readonly root: string;
  private readonly clock: Clock;
  private readonly volumes: RecordStore<VolumeRecord>;
  private readonly snapshots: RecordStore<SnapshotRecord>;
  private readonly dirs: DirBackend;
  private readonly blocks: BlockBackend;
  private readonly lock = new KeyedLock();
  private ready: Promise<void> | undefined;

  constructor(opts: VolumePoolOptions) {
    this.root = resolve(opts.root);
    this.clock = opts.clock;
    this.volumes = new RecordStore(join(this.root, 'meta', 'volumes'));
    this.snapshots = new RecordStore(join(this.root, 'meta', 'snapshots'));
    this.dirs = new DirBackend(this.root);
    this.blocks = new BlockBackend(this.root);
  }

  /** Creates the pool's directories (done by every call; explicit for an early error). */
  async init(): Promise<void> {
    this.ready ??= (async () => {
      await this.volumes.init();
      await this.snapshots.init();
      await this.dirs.init();
      await this.blocks.init();
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
  }

  /** Whether a dir volume of this size would have its capacity enforced here, and why. */
  async dirCapacity(sizeBytes: bigint): Promise<{ enforced: boolean; reason: string }> {
    await this.init();
    return this.dirs.capacity(sizeBytes);
  }

  /** Creates a volume; the same request again returns the existing one, a different one fails. */
  async create(name: string, opts: CreateVolumeOptions): Promise<VolumeRecord> {
    checkName(name);
    // The source names become file names too: checked like the volume's own name.
    if (opts.from) {
      if ('snapshot' in opts.from) checkName(opts.from.snapshot, 'snapshot');
      else checkName(opts.from.volume);
    }
    await this.init();
    const srcKey = opts.from && ('snapshot' in opts.from ? `s:${opts.from.snapshot}` : `v:${opts.from.volume}`);
    return this.lock.run([`v:${name}`, ...(srcKey ? [srcKey] : [])], async () => {
      const src = opts.from && ('snapshot' in opts.from ? await this.snapshots.get(opts.from.snapshot) : await this.volumes.get(opts.from.volume));
      const existing = await this.volumes.get(name);
      // A retry after the source was deleted: the volume made from it is still the answer.
      if (existing && !src && opts.from && JSON.stringify(existing.source) === JSON.stringify(opts.from)) return existing;
      const plan = resolveCreate(name, opts, src);
      if (existing) {
        const diff = createDifference(existing, plan);
        if (diff) throw new PoolError('AlreadyExists', `volume ${name} already exists with ${diff}; use another name or remove it first`);
        return existing;
      }
      const from = opts.from && ('snapshot' in opts.from ? { snapshot: opts.from.snapshot } : { volume: opts.from.volume });
      if (plan.driver === 'dir') {
        const fromPath = from && ('snapshot' in from ? this.dirs.snapshotPath(from.snapshot) : this.dirs.path(from.volume));
        await this.dirs.create(name, plan.sizeBytes, fromPath);
      } else {
        const fromImage = from && ('snapshot' in from ? { image: this.blocks.snapshotImage(from.snapshot) } : { image: this.blocks.image(from.volume), volume: from.volume });
        await this.blocks.create(name, plan.sizeBytes, plan.fsType, fromImage);
      }
      const cap = plan.driver === 'dir' ? this.dirs.capacity(plan.sizeBytes) : { enforced: true, reason: 'block volume: the image size is the filesystem size' };
      const rec: VolumeRecord = { ...plan, name, createdAt: this.clock.now().toISOString(), capacityEnforced: cap.enforced, capacityNote: cap.reason };
      await this.volumes.put(rec);
      return rec;
    });
  }

  async get(name: string): Promise<VolumeRecord | undefined> {
    if (checkNameQuiet(name)) return undefined;
    await this.init();
    return this.volumes.get(name);
  }

  async list(): Promise<VolumeRecord[]> {
    await this.init();
    return this.volumes.list();
  }

  /** The volume's directory (dir) or image file (block). */
  async path(name: string): Promise<string> {
    const rec = await this.must(name);
    return rec.driver === 'dir' ? this.dirs.path(name) : this.blocks.image(name);
  }

  /** Mount points (and for block the loop device) using the volume; empty when idle. */
  async users(name: string): Promise<string[]> {
    const rec = await this.must(name);
    return rec.driver === 'dir' ? this.dirs.users(name) : this.blocks.users(name);
  }

  /** Removes a volume and its data; refuses while it is mounted or attached. */
  async remove(name: string): Promise<void> {
    await this.lock.run([`v:${name}`], async () => {
      const rec = await this.must(name);
      if (rec.driver === 'dir') {
        const users = await this.dirs.users(name);
        if (users.length > 0) throw new PoolError('InUse', `Cannot remove volume ${name}: it is mounted at ${users.join(', ')}; stop the pods or containers using it first`);
        await this.dirs.remove(name);
      } else {
        await this.blocks.remove(name);
      }
      await this.volumes.delete(name);
    });
  }

  /** Grows a volume (also while it is in use); the size never shrinks. */
  async expand(name: string, sizeBytes: bigint): Promise<ExpandResult> {
    return this.lock.run([`v:${name}`], async () => {
      const rec = await this.must(name);
      const size = roundUpMiBSafe(sizeBytes);
      if (size < rec.sizeBytes) throw new PoolError('OutOfRange', `Cannot shrink volume ${name} from ${rec.sizeBytes} to ${size} bytes; volumes only grow`);
      if (size > rec.sizeBytes) {
        if (rec.driver === 'dir') await this.dirs.expand(name, size);
        else await this.blocks.expand(name, size);
        const cap = rec.driver === 'dir' ? this.dirs.capacity(size) : undefined;
        rec.sizeBytes = size;
        if (cap) Object.assign(rec, { capacityEnforced: cap.enforced, capacityNote: cap.reason });
        await this.volumes.put(rec);
      }
      return { sizeBytes: rec.sizeBytes, filesystemResizeRequired: fsNeedsGrowth(rec) };
    });
  }

  /** Bytes the volume takes (qgroup, du, or the sparse image's allocation). */
  async usage(name: string): Promise<{ sizeBytes: bigint; usedBytes: bigint }> {
    const rec = await this.must(name);
    const used = rec.driver === 'dir' ? await this.dirs.usedBytes(name) : await this.blocks.usedBytes(name);
    return { sizeBytes: rec.sizeBytes, usedBytes: used };
  }

  /** Takes a snapshot; again with the same volume returns it, with another volume fails. */
  async snapshot(volume: string, snap: string): Promise<SnapshotRecord> {
    checkName(snap, 'snapshot');
    return this.lock.run([`v:${volume}`, `s:${snap}`], async () => {
      const existing = await this.snapshots.get(snap);
      if (existing) {
        if (existing.volume === volume) return existing;
        throw new PoolError('AlreadyExists', `snapshot ${snap} already exists, of volume ${existing.volume}; use another snapshot name`);
      }
      const rec = await this.must(volume);
      if (rec.driver === 'dir') await this.dirs.snapshot(volume, snap);
      else await this.blocks.snapshot(volume, snap);
      const s: SnapshotRecord = { name: snap, volume, driver: rec.driver, sizeBytes: rec.sizeBytes, fsType: rec.fsType, createdAt: this.clock.now().toISOString(), ...(rec.fsSizedFor === undefined ? {} : { fsSizedFor: rec.fsSizedFor }) };
      await this.snapshots.put(s);
      return s;
    });
  }

  async getSnapshot(snap: string): Promise<SnapshotRecord | undefined> {
    if (checkNameQuiet(snap)) return undefined;
    await this.init();
    return this.snapshots.get(snap);
  }

  async listSnapshots(volume?: string): Promise<SnapshotRecord[]> {
    await this.init();
    return (await this.snapshots.list()).filter((s) => volume === undefined || s.volume === volume);
  }

  async deleteSnapshot(snap: string): Promise<void> {
    await this.lock.run([`s:${snap}`], async () => {
      const s = await this.getSnapshot(snap);
      if (!s) throw new PoolError('NotFound', `snapshot ${snap} not found`);
      if (s.driver === 'dir') await this.dirs.deleteSnapshot(snap);
      else await this.blocks.deleteSnapshot(snap);
      await this.snapshots.delete(snap);
    });
  }

  /** The loop device of an attached block volume. */
  async device(name: string): Promise<string | undefined> {
    const rec = await this.mustBlock(name);
    return this.blocks.device(rec.name);
  }

  /** Attaches a block volume (no mount: raw block use); the same device when already attached. */
  async attach(name: string): Promise<string> {
    return this.lock.run([`v:${name}`], async () => this.blocks.attach((await this.mustBlock(name)).name));
  }

  /**
   * Attaches a block volume and mounts its ext4 at `stagingPath`, growing the filesystem first
   * when the volume grew while it was not mounted. Idempotent, also after a restart.
   */
  async stage(name: string, stagingPath: string, opts: { mountFlags?: string[] } = {}): Promise<{ device: string; grown: boolean }> {
    return this.lock.run([`v:${name}`], async () => {
      const rec = await this.mustBlock(name);
      if (rec.fsType === 'none') throw new PoolError('InvalidArgument', `Cannot mount volume ${name}: it is a raw block volume without a filesystem; use it as a block device (volumeMode: Block)`);
      const device = await this.blocks.attach(name);
      let grown = false;
      // Only an unused device may be checked and grown offline (a raw-block bind counts as use).
      const inUse = deviceMounts(device, await readMounts()).length > 0;
      if (inUse) await this.blocks.thaw(device);
      if (!inUse && fsNeedsGrowth(rec)) {
        await growOffline(device);
        rec.fsSizedFor = rec.sizeBytes;
        await this.volumes.put(rec);
        grown = true;
      }
      await this.blocks.mount(name, device, stagingPath, opts.mountFlags ?? []);
      return { device, grown };
    });
  }

  /** Unmounts `stagingPath` and detaches the volume's loop device. Idempotent. */
  async unstage(name: string, stagingPath: string): Promise<void> {
    checkName(name);
    await this.init();
    await this.lock.run([`v:${name}`], () => this.blocks.unstage(name, stagingPath));
  }

  /** Grows a mounted block volume's filesystem now, or says it must wait for the next stage. */
  async growFilesystem(name: string): Promise<GrowResult> {
    return this.lock.run([`v:${name}`], async () => {
      const rec = await this.mustBlock(name);
      if (!fsNeedsGrowth(rec)) return { status: 'grown' };
      const device = await this.blocks.device(name);
      const mounted = device !== undefined && (await readMounts()).some((m) => m.source === device);
      if (!mounted) return { status: 'offline-required', message: `volume ${name} is not mounted; the filesystem grows when the volume is next staged` };
      const r = await growOnline(device);
      if (!r.grown) return { status: 'offline-required', message: `the host cannot grow a mounted ext4 filesystem (no CAP_SYS_RESOURCE: ${r.reason}); the filesystem grows when the volume is next staged` };
      rec.fsSizedFor = rec.sizeBytes;
      await this.volumes.put(rec);
      return { status: 'grown' };
    });
  }

  private async must(name: string): Promise<VolumeRecord> {
    const rec = await this.get(name);
    if (!rec) throw notFound(name);
    return rec;
  }

  private async mustBlock(name: string): Promise<VolumeRecord> {
    const rec = await this.must(name);
    if (rec.driver !== 'block') throw new PoolError('InvalidArgument', `volume ${name} is a dir volume, not a block volume; mount its directory (${this.dirs.path(name)}) instead`);
    return rec;
  }
}

const fsNeedsGrowth = (rec: VolumeRecord): boolean => rec.driver === 'block' && rec.fsType !== 'none' && (rec.fsSizedFor ?? 0n) < rec.sizeBytes;
const checkNameQuiet = (name: string): boolean => nameError(name) !== undefined;
const roundUpMiBSafe = (b: bigint): bigint => {
  if (b <= 0n) throw new PoolError('OutOfRange', `Invalid size ${b}: give a positive number of bytes`);
  return roundUpMiB(b);
};
