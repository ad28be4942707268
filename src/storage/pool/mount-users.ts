// Who uses a volume, read from the mount table so the answer survives a restart: bind mounts of
// a dir volume (same filesystem, same path inside it), and mounts or device-node binds of a
// block volume's loop device.
import { basename, relative } from 'node:path';
import type { MountEntry } from '../mountinfo';
import { isWithin } from '../paths';

/** The top mount holding `path` (the deepest mount point above it; the last one when stacked). */
export function mountHolding(path: string, mounts: MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    if (!isWithin(m.mountPoint, path)) continue;
    if (!best || m.mountPoint.length >= best.mountPoint.length) best = m;
  }
  return best;
}

const joinRoot = (root: string, rel: string): string => (rel === '' ? root : `${root === '/' ? '' : root}/${rel}`);

/**
 * Mount points that show the directory `dir` (or a part of it) somewhere else, or that are
 * mounted inside it: a dir volume with any of these is in use.
 */
export function bindMountsOf(dir: string, mounts: MountEntry[]): string[] {
  const host = mountHolding(dir, mounts);
  const out = new Set<string>();
  for (const m of mounts) {
    if (m !== host && isWithin(dir, m.mountPoint)) out.add(m.mountPoint);
  }
  if (!host) return [...out];
  if (host.mountPoint === dir) out.add(dir);
  const inFs = joinRoot(host.root, relative(host.mountPoint, dir));
  for (const m of mounts) {
    if (m === host || m.source !== host.source || m.fsType !== host.fsType) continue;
    if (isWithin(inFs, m.root)) out.add(m.mountPoint);
  }
  return [...out];
}

/**
 * Mount points of the block device `dev` (mounted filesystems and binds of the device node). A
 * bind of the node shows root /loopN whatever holds /dev: devtmpfs on the host, a tmpfs inside a
 * container.
 */
export function deviceMounts(dev: string, mounts: MountEntry[]): string[] {
  const node = `/${basename(dev)}`;
  return mounts.filter((m) => m.source === dev || m.root === node).map((m) => m.mountPoint);
}
