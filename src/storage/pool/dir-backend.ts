// Dir volumes: <root>/dir/<name>. On btrfs each is a subvolume with a qgroup limit, so capacity
// is enforced and snapshots are instant and read-only; elsewhere a plain directory whose size is
// only recorded, and snapshots are copies (reflinked where the filesystem can).
import { chmod, lstat, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { readMounts } from '../mountinfo';
import { removeTree } from '../safe-remove';
import { clearStaleQgroups, createSubvolume, deleteSubvolume, enableQuota, fsTypeOf, isSubvolume, nestedSubvolumes, qgroupUsage, setLimit, snapshotSubvolume, BTRFS_SUPER_MAGIC } from './btrfs';
import { runTool } from './exec';
import { bindMountsOf } from './mount-users';

export interface Capacity {
  enforced: boolean;
  reason: string;
}

const exists = (p: string): Promise<boolean> => lstat(p).then(() => true, () => false);

export class DirBackend {
  readonly dir: string;
  private readonly snapDir: string;
  private btrfs = false;
  private quota: Promise<void> | undefined;
  private fsName = '';

  constructor(root: string) {
    this.dir = join(root, 'dir');
    this.snapDir = join(this.dir, '.snapshots');
  }

  async init(): Promise<void> {
    await mkdir(this.snapDir, { recursive: true, mode: 0o700 });
    const type = await fsTypeOf(this.dir);
    this.btrfs = type === BTRFS_SUPER_MAGIC;
    this.fsName = this.btrfs ? 'btrfs' : `a filesystem of type 0x${type.toString(16)}`;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  snapshotPath(name: string): string {
    return join(this.snapDir, name);
  }

  capacity(sizeBytes: bigint): Capacity {
    if (sizeBytes === 0n) return { enforced: false, reason: 'no size was given: the volume may use the free space of its filesystem' };
    if (this.btrfs) return { enforced: true, reason: 'btrfs subvolume with a qgroup limit: writes past the size fail with EDQUOT; subvolumes made inside the volume are neither limited by the qgroup nor included in snapshots' };
    return { enforced: false, reason: `recorded, not enforced: ${this.dir} is on ${this.fsName}, not btrfs; put the volume pool on btrfs for per-volume limits, or use a block volume` };
  }

  private async ensureQuota(): Promise<void> {
    this.quota ??= enableQuota(this.dir).catch((e: unknown) => {
      this.quota = undefined;
      throw e;
    });
    await this.quota;
  }

  /** Makes the volume; `from` is a snapshot or volume directory to start from. */
  async create(name: string, sizeBytes: bigint, from?: string): Promise<void> {
    const path = this.path(name);
    await this.removeLeftover(path);
    if (this.btrfs) {
      if (from !== undefined && (await isSubvolume(from))) await snapshotSubvolume(from, path, false);
      else {
        await createSubvolume(path);
        if (from !== undefined) await runTool('cp', ['-a', '--reflink=auto', `${from}/.`, path]);
      }
      try {
        await this.limit(path, sizeBytes);
      } catch (e) {
        await deleteSubvolume(path).catch(() => undefined);
        throw e;
      }
    } else if (from !== undefined) {
      const tmp = join(this.dir, `.tmp-${name}`);
      await this.removeLeftover(tmp);
      await runTool('cp', ['-a', '--reflink=auto', from, tmp], `check the free space of ${this.dir}`);
      await rename(tmp, path);
    } else {
      await mkdir(path);
    }
    // New volumes are writable by any pod user, as upstream's hostpath driver makes them.
    if (from === undefined) await chmod(path, 0o777);
  }

  private async limit(path: string, sizeBytes: bigint): Promise<void> {
    if (sizeBytes === 0n) return;
    await this.ensureQuota();
    await setLimit(path, sizeBytes);
  }

  async remove(name: string): Promise<void> {
    await this.removeLeftover(this.path(name));
  }

  /** Removes a volume/snapshot directory or subvolume (one left by a crash, too). */
  private async removeLeftover(path: string): Promise<void> {
    if (!(await exists(path))) return;
    if (this.btrfs && (await isSubvolume(path))) {
      await deleteSubvolume(path).catch(async (e: unknown) => {
        // A pod made subvolumes inside the volume: they must go first, deepest first.
        const nested = await nestedSubvolumes(path);
        if (nested.length === 0) throw e;
        for (const p of nested) await deleteSubvolume(p);
        await deleteSubvolume(path);
      });
      // The deleted subvolume's qgroup stays behind; drop those the cleaner has finished with.
      if (this.quota) await clearStaleQgroups(this.dir).catch(() => undefined);
    } else {
      await removeTree(path);
    }
  }

  async expand(name: string, sizeBytes: bigint): Promise<void> {
    if (this.btrfs) await this.limit(this.path(name), sizeBytes);
  }

  async snapshot(volume: string, snap: string): Promise<void> {
    const dst = this.snapshotPath(snap);
    await this.removeLeftover(dst);
    const src = this.path(volume);
    if (this.btrfs && (await isSubvolume(src))) return snapshotSubvolume(src, dst, true);
    const tmp = join(this.snapDir, `.tmp-${snap}`);
    await this.removeLeftover(tmp);
    await runTool('cp', ['-a', '--reflink=auto', src, tmp], `check the free space of ${this.dir}`);
    await rename(tmp, dst);
  }

  async deleteSnapshot(snap: string): Promise<void> {
    await this.removeLeftover(this.snapshotPath(snap));
  }

  /** Bytes the volume holds (the qgroup's referenced bytes on btrfs, else du). */
  async usedBytes(name: string): Promise<bigint> {
    const path = this.path(name);
    if (this.btrfs && (await isSubvolume(path))) {
      const q = await qgroupUsage(path).catch(() => undefined);
      if (q) return q.referenced;
    }
    const out = await runTool('du', ['-s', '-x', '-B1', path]);
    return BigInt(/^\d+/.exec(out)?.[0] ?? '0');
  }

  /** Where the volume is mounted (bind mounts of its directory). */
  async users(name: string): Promise<string[]> {
    return bindMountsOf(this.path(name), await readMounts());
  }
}
