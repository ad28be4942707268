// The mount table, parsed from /proc/self/mountinfo (one parser for the volume plugins and the
// pod network's namespace files).
import { readFile } from 'node:fs/promises';

export interface MountEntry {
  id: number;
  parent: number;
  /** Path inside the mounted filesystem, e.g. "net:[4026532179]" for an nsfs bind mount. */
  root: string;
  mountPoint: string;
  /** Optional fields, e.g. ["shared:1"] or ["master:3"]. */
  optional: string[];
  fsType: string;
  source: string;
  /** Per-superblock options, e.g. "rw,size=4096k,mode=755". */
  superOptions: string;
}

// mountinfo escapes space, tab, newline and backslash as three octal digits.
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/<pid>/mountinfo text. */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || f[4] === undefined) continue;
    out.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      root: unescape(f[3] ?? ''),
      mountPoint: unescape(f[4]),
      optional: f.slice(6, sep),
      fsType: unescape(f[sep + 1] ?? ''),
      source: unescape(f[sep + 2] ?? ''),
      superOptions: f[sep + 3] ?? '',
    });
  }
  return out;
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}
