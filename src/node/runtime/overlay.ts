// The container's root filesystem: an overlay of the image's layers (read-only) with a
// per-instance upper/work directory pair.
import { mkdir, realpath } from 'node:fs/promises';
import { readMounts } from '../../storage/mountinfo';
import { run } from './exec-file';

/** True when `path` is a mount point; mountinfo shows resolved paths with octal escapes, so compare the realpath with the unescaped entries. */
export async function isMounted(path: string): Promise<boolean> {
  const real = await realpath(path).catch(() => path);
  return (await readMounts()).some((m) => m.mountPoint === real);
}

export async function mountOverlay(layers: string[], upper: string, work: string, target: string): Promise<void> {
  if (layers.length === 0) throw new Error('Cannot mount the rootfs: the image has no layers; re-pull the image');
  await mkdir(upper, { recursive: true });
  await mkdir(work, { recursive: true });
  await mkdir(target, { recursive: true });
  if (await isMounted(target)) return;
  const opts = `lowerdir=${layers.join(':')},upperdir=${upper},workdir=${work}`;
  if (opts.length > 4000) throw new Error(`Cannot mount the rootfs: overlay options are ${opts.length} bytes (limit 4096); use a shorter data dir`);
  await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, target]);
}

/** Unmounts `target` (lazily if busy); not mounted is fine. */
export async function unmount(target: string): Promise<void> {
  while (await isMounted(target)) {
    try {
      await run('umount', [target]);
    } catch {
      await run('umount', ['-l', target]);
    }
  }
}
