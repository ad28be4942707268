// emptyDir: a directory on the node's disk, or a tmpfs for `medium: Memory`. Usage is measured
// the way the kubelet's du-based accounting does (allocated blocks, each inode once) so a
// sizeLimit can be enforced by eviction.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatQuantity, parseQuantityValue, quantityValue } from '../machinery/quantity';
import { mountsAt, mountTmpfs } from './mounts';

export interface EmptyDirSource {
  medium?: string;
  sizeLimit?: string | number;
}

/** The sizeLimit in bytes and as upstream prints it, or undefined when unset or zero. */
export function emptyDirLimit(src: EmptyDirSource): { bytes: bigint; text: string } | undefined {
  if (src.sizeLimit === undefined || src.sizeLimit === null) return undefined;
  const q = parseQuantityValue(src.sizeLimit);
  const bytes = quantityValue(q);
  return bytes > 0n ? { bytes, text: formatQuantity(q) } : undefined;
}

/** Creates the volume directory (0777, as the kubelet does) and mounts tmpfs for Memory. Idempotent. */
export async function setUpEmptyDir(dir: string, src: EmptyDirSource): Promise<void> {
  const medium = src.medium ?? '';
  if (medium !== '' && medium !== 'Memory') throw new Error(`emptyDir medium "${medium}" is not supported on this node; use "" (disk) or "Memory"`);
  await mkdir(dir, { recursive: true });
  if (medium === 'Memory') {
    if ((await mountsAt(dir)).some((m) => m.fsType === 'tmpfs')) return;
    const limit = emptyDirLimit(src);
    await mountTmpfs(dir, limit ? { sizeBytes: limit.bytes, mode: 0o777 } : { mode: 0o777 });
    return;
  }
  await chmod(dir, 0o777);
}

/** Bytes allocated below `dir` (st_blocks × 512, hard links once), not crossing into other mounts. */
export async function diskUsage(dir: string): Promise<bigint> {
  const root = await lstat(dir, { bigint: true });
  const seen = new Set<string>();
  let total = 0n;
  const walk = async (p: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(p);
    } catch {
      return; // removed while walking
    }
    for (const name of names) {
      const c = join(p, name);
      const st = await lstat(c, { bigint: true }).catch(() => undefined);
      if (!st || st.dev !== root.dev) continue;
      const key = `${st.ino}`;
      if (!seen.has(key)) {
        seen.add(key);
        total += st.blocks * 512n;
      }
      if (st.isDirectory()) await walk(c);
    }
  };
  await walk(dir);
  return total;
}

/** The eviction message when `usage` exceeds the volume's limit (upstream's wording), else undefined. */
export function emptyDirOverLimit(volume: string, src: EmptyDirSource, usage: bigint): string | undefined {
  const limit = emptyDirLimit(src);
  if (!limit || usage <= limit.bytes) return undefined;
  return `Usage of EmptyDir volume "${volume}" exceeds the limit "${limit.text}".`;
}
