// Block volumes: a sparse image <root>/block/<name>.img, with ext4 unless raw ('none'), attached
// through a loop device when staged. Capacity is the image size, so it is always enforced.
// Snapshots are sparse (or reflinked) copies of the image, taken with the filesystem frozen when
// it is mounted so the copy holds one consistent moment.
import { chmod, mkdir, open, rename, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readMounts } from '../mountinfo';
import { mountsAt, unmount } from '../mounts';
import { PoolError } from './errors';
import { runTool, runToolRaw, toolError } from './exec';
import { mkfsExt4 } from './ext4';
import { attach, detach, devicesOf, flushBuffers, refreshSize } from './loop';
import { deviceMounts } from './mount-users';

/** sh -c script: $1 mount point, $2 source image, $3 destination; exits with cp's status. */
const FROZEN_COPY = [
  'fsfreeze -u "$1" 2>/dev/null',
  'fsfreeze -f "$1" || exit 1',
  'cp --reflink=auto --sparse=always "$2" "$3"',
  'r=$?',
  'fsfreeze -u "$1" || exit 1',
  'exit $r',
].join('\n');

const unlinkQuiet = (p: string): Promise<void> =>
  unlink(p).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  });

export class BlockBackend {
  readonly dir: string;
  private readonly snapDir: string;

  constructor(root: string) {
    this.dir = join(root, 'block');
    this.snapDir = join(this.dir, '.snapshots');
  }

  async init(): Promise<void> {
    await mkdir(this.snapDir, { recursive: true, mode: 0o700 });
  }

  image(name: string): string {
    return join(this.dir, `${name}.img`);
  }

  snapshotImage(name: string): string {
    return join(this.snapDir, `${name}.img`);
  }

  /** Makes the image (a copy of `from`, an image path, when given) grown to sizeBytes. */
  async create(name: string, sizeBytes: bigint, fsType: string, from?: { image: string; volume?: string }): Promise<void> {
    const tmp = join(this.dir, `.tmp-${name}.img`);
    await unlinkQuiet(tmp);
    try {
      if (from) {
        await this.copyImage(from.image, tmp, from.volume);
        await chmod(tmp, 0o600);
        if ((await stat(tmp)).size < sizeBytes) await truncate(tmp, Number(sizeBytes));
      } else {
        const fh = await open(tmp, 'wx', 0o600);
        try {
          await fh.truncate(Number(sizeBytes));
        } finally {
          await fh.close();
        }
        if (fsType === 'ext4') await mkfsExt4(tmp);
      }
      await rename(tmp, this.image(name));
    } catch (e) {
      await unlinkQuiet(tmp);
      throw e;
    }
  }

  /**
   * Copies an image. When `volume` (its owner) is attached: with the filesystem frozen while it
   * is mounted, else after flushing the device's cache to the file.
   */
  private async copyImage(src: string, dst: string, volume?: string): Promise<void> {
    const dev = volume === undefined ? undefined : await this.device(volume);
    const mounted = dev === undefined ? undefined : (await readMounts()).find((m) => m.source === dev)?.mountPoint;
    if (mounted !== undefined) {
      // Freeze, copy and thaw are one child process: if Berth dies mid-copy the child still
      // thaws, so a pod's filesystem is never left frozen. A freeze left by an older crash is
      // thawed first (fsfreeze -f on a frozen filesystem fails with EBUSY).
      await runTool('sh', ['-c', FROZEN_COPY, 'sh', mounted, src, dst], `the volume must be mounted read-write to be frozen, and ${this.dir} needs free space for the copy; if ${mounted} stays frozen, thaw it: fsfreeze -u ${mounted}`);
      return;
    }
    if (dev !== undefined) await flushBuffers(dev);
    await runTool('cp', ['--reflink=auto', '--sparse=always', src, dst], `check the free space of ${this.dir}`);
  }

  async remove(name: string): Promise<void> {
    const dev = await this.device(name);
    if (dev) throw new PoolError('InUse', `Cannot remove volume ${name}: it is attached as ${dev}; stop the pods or containers using it (unstage the volume) first`);
    await unlinkQuiet(this.image(name));
  }

  /** Grows the image; an attached loop device is told its new size. */
  async expand(name: string, sizeBytes: bigint): Promise<void> {
    await truncate(this.image(name), Number(sizeBytes));
    const dev = await this.device(name);
    if (dev) await refreshSize(dev);
  }

  async snapshot(volume: string, snap: string): Promise<void> {
    const tmp = join(this.snapDir, `.tmp-${snap}.img`);
    await unlinkQuiet(tmp);
    try {
      await this.copyImage(this.image(volume), tmp, volume);
      await chmod(tmp, 0o400);
      await rename(tmp, this.snapshotImage(snap));
    } catch (e) {
      await unlinkQuiet(tmp);
      throw e;
    }
  }

  async deleteSnapshot(snap: string): Promise<void> {
    await unlinkQuiet(this.snapshotImage(snap));
  }

  /** Bytes the sparse image takes on the host. */
  async usedBytes(name: string): Promise<bigint> {
    return BigInt((await stat(this.image(name))).blocks) * 512n;
  }

  /** The loop device the image is attached to, if any (found again after a restart). */
  async device(name: string): Promise<string | undefined> {
    return (await devicesOf(this.image(name)))[0];
  }

  async attach(name: string): Promise<string> {
    return attach(this.image(name));
  }

  /**
   * Thaws the filesystem on `dev` if it is mounted and frozen (a snapshot interrupted by a
   * crash of an older Berth); a filesystem that is not frozen answers EINVAL, which is fine.
   */
  async thaw(dev: string): Promise<void> {
    const mounted = (await readMounts()).find((m) => m.source === dev)?.mountPoint;
    if (mounted === undefined) return;
    const r = await runToolRaw('fsfreeze', ['-u', mounted]);
    if (!r.ok && !/Invalid argument/i.test(r.stderr)) throw toolError('fsfreeze', ['-u', mounted], r, `the filesystem of ${dev} may be frozen; thaw it by hand (fsfreeze -u ${mounted})`);
  }

  /** Mounts the ext4 on `dev` at `stagingPath` unless it is mounted there already. */
  async mount(name: string, dev: string, stagingPath: string, mountFlags: string[]): Promise<void> {
    const top = (await mountsAt(stagingPath)).at(-1);
    if (top?.source === dev) return;
    if (top) throw new PoolError('InUse', `Cannot stage volume ${name} at ${stagingPath}: ${top.source} (${top.fsType}) is mounted there; unmount it (umount ${stagingPath}) or use another staging path`);
    await mkdir(stagingPath, { recursive: true, mode: 0o750 });
    const opts = mountFlags.length > 0 ? ['-o', mountFlags.join(',')] : [];
    await runTool('mount', ['--no-canonicalize', '-t', 'ext4', ...opts, dev, stagingPath], `check the filesystem of volume ${name} (e2fsck -n ${dev}) and the mount options`);
  }

  /**
   * Unmounts `stagingPath` and detaches the device. Refuses, changing nothing, while the device
   * is mounted anywhere else (a pod's publish bind mount still holds it).
   */
  async unstage(name: string, stagingPath: string): Promise<void> {
    const devs = await devicesOf(this.image(name));
    const mounts = await readMounts();
    for (const dev of devs) {
      const others = deviceMounts(dev, mounts).filter((p) => p !== stagingPath);
      if (others.length > 0) throw new PoolError('InUse', `Cannot unstage volume ${name} (${dev}): it is still mounted at ${others.join(', ')}; unpublish it from those paths first`);
    }
    // A frozen filesystem outlives its unmount and keeps the loop device busy: thaw it first.
    for (const dev of devs) await this.thaw(dev);
    while ((await mountsAt(stagingPath)).length > 0) await unmount(stagingPath);
    for (const dev of devs) await detach(dev);
  }

  /** Mount points and devices using the volume. */
  async users(name: string): Promise<string[]> {
    const devs = await devicesOf(this.image(name));
    const mounts = await readMounts();
    return devs.flatMap((d) => [d, ...deviceMounts(d, mounts)]);
  }
}
