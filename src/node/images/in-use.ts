// Whether an image's layers are mounted as a container's rootfs right now, read from the mount
// table. `berth images rm` uses it when no runtime is at hand to ask (e.g. the CLI while
// `berth server` runs containers): deleting mounted layers would pull a rootfs out from under them.
import { readFile } from 'node:fs/promises';

/** The lowerdir lists of every overlay mount in a mountinfo text, unescaped (\040 → space, "\:" → ":"). */
export function overlayLowerdirs(mountinfo: string): string[][] {
  const out: string[][] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'overlay') continue;
    const opt = superOpts.split(/,(?=[a-z_]+=|[a-z_]+(?:,|$))/).find((o) => o.startsWith('lowerdir='));
    if (!opt) continue;
    const dirs = opt
      .slice('lowerdir='.length)
      .split(/(?<!\\):/)
      .map((d) => d.replace(/\\:/g, ':').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
    out.push(dirs);
  }
  return out;
}

/** True when some overlay's lowerdirs are exactly `layerPaths` (the image's own stack). */
export function isMounted(layerPaths: string[], mounts: string[][]): boolean {
  if (layerPaths.length === 0) return false;
  return mounts.some((m) => m.length === layerPaths.length && m.every((d, i) => d === layerPaths[i]));
}

export async function readOverlayMounts(): Promise<string[][]> {
  return overlayLowerdirs(await readFile('/proc/self/mountinfo', 'utf8'));
}
