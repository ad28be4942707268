// Reading /proc/self/mountinfo: which paths are namespace bind mounts and how mounts propagate.
import { readFile } from 'node:fs/promises';

export interface MountEntry {
  id: number;
  parent: number;
  /** Path inside the filesystem that is mounted, e.g. "net:[4026532179]" for an nsfs bind mount. */
  root: string;
  mountPoint: string;
  /** Optional fields, e.g. ["shared:1"] or ["master:3"]. */
  optional: string[];
  fstype: string;
}

// mountinfo escapes space, tab, newline and backslash as three octal digits.
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 6) continue;
    out.push({
      id: Number(fields[0]),
      parent: Number(fields[1]),
      root: unescape(fields[3] ?? ''),
      mountPoint: unescape(fields[4] ?? ''),
      optional: fields.slice(6, sep),
      fstype: fields[sep + 1] ?? '',
    });
  }
  return out;
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

export type NsKind = 'net' | 'ipc' | 'uts';

/**
 * The namespace a path is bound to ("net:[4026532179]"), or undefined when the path is not an
 * nsfs mount of that kind. The top-most mount at the path wins (mountinfo lists in mount order).
 */
export function nsBinding(mounts: readonly MountEntry[], path: string, kind: NsKind): string | undefined {
  let top: MountEntry | undefined;
  for (const m of mounts) if (m.mountPoint === path) top = m;
  if (!top || top.fstype !== 'nsfs' || !top.root.startsWith(`${kind}:[`)) return undefined;
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
