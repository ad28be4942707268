// Questions about the mount table for namespace files: which paths are nsfs binds, how mounts propagate.
import type { MountEntry } from '../../storage/mountinfo';

export type NsKind = 'net' | 'ipc' | 'uts';

/**
 * The namespace a path is bound to ("net:[4026532179]"), or undefined when the path is not an
 * nsfs mount of that kind. The top-most mount at the path wins (mountinfo lists in mount order).
 */
export function nsBinding(mounts: readonly MountEntry[], path: string, kind: NsKind): string | undefined {
  let top: MountEntry | undefined;
  for (const m of mounts) if (m.mountPoint === path) top = m;
  if (!top || top.fsType !== 'nsfs' || !top.root.startsWith(`${kind}:[`)) return undefined;
  return top.root;
}

/** The mount a path lives on: the last-mounted entry with the longest mount point containing it. */
export function containingMount(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const inside = path === mp || mp === '/' || path.startsWith(`${mp}/`);
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

export function isShared(m: MountEntry): boolean {
  return m.optional.some((o) => o.startsWith('shared:'));
}

export function mountsAt(mounts: readonly MountEntry[], path: string): number {
  return mounts.filter((m) => m.mountPoint === path).length;
}
