// btrfs pieces of the dir volumes: a subvolume per volume with a qgroup limit on its referenced
// bytes (the kernel then fails writes past it with EDQUOT), read-only snapshots, and the
// qgroup's accounting for usage. btrfs-progs 6.2's JSON output aborts, so the text is parsed.
import { lstat, readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from './exec';

export const BTRFS_SUPER_MAGIC = 0x9123683e;
/** Every btrfs subvolume's root directory has this inode number. */
const SUBVOLUME_ROOT_INO = 256;

export async function fsTypeOf(path: string): Promise<number> {
  return (await statfs(path)).type;
}

export async function onBtrfs(path: string): Promise<boolean> {
  return (await fsTypeOf(path)) === BTRFS_SUPER_MAGIC;
}

export async function isSubvolume(path: string): Promise<boolean> {
  return (await onBtrfs(path)) && (await stat(path)).ino === SUBVOLUME_ROOT_INO;
}

const FIX = 'check that the pool root is a writable btrfs filesystem (btrfs filesystem show)';

export async function createSubvolume(path: string): Promise<void> {
  await runTool('btrfs', ['subvolume', 'create', path], FIX);
}

export async function snapshotSubvolume(src: string, dst: string, readOnly: boolean): Promise<void> {
  await runTool('btrfs', ['subvolume', 'snapshot', ...(readOnly ? ['-r'] : []), src, dst], FIX);
}

export async function deleteSubvolume(path: string): Promise<void> {
  await runTool('btrfs', ['subvolume', 'delete', path], FIX);
}

/**
 * The subvolumes below the subvolume at `path`, deepest first (the order they can be deleted
 * in). Found by walking the directories for the subvolume root inode: `btrfs subvolume list`
 * names paths from the filesystem's top level, which need not be mounted anywhere.
 */
export async function nestedSubvolumes(path: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      await walk(p);
      if ((await lstat(p)).ino === SUBVOLUME_ROOT_INO) out.push(p);
    }
  };
  await walk(path);
  return out;
}

/** Turns quota accounting on (a no-op when it is on already). */
export async function enableQuota(path: string): Promise<void> {
  await runTool('btrfs', ['quota', 'enable', path], `${FIX}; quotas need a kernel with btrfs qgroup support`);
}

/** Limits the referenced bytes of the subvolume at `path`; 0n removes the limit. */
export async function setLimit(path: string, bytes: bigint): Promise<void> {
  await runTool('btrfs', ['qgroup', 'limit', bytes === 0n ? 'none' : bytes.toString(), path], `${FIX}; enable quotas with btrfs quota enable <mount point>`);
}

/** Removes the qgroups of subvolumes that no longer exist. */
export async function clearStaleQgroups(path: string): Promise<void> {
  await runTool('btrfs', ['qgroup', 'clear-stale', path], FIX);
}

export interface QgroupUsage {
  referenced: bigint;
  /** Max referenced; undefined when unlimited. */
  limit: bigint | undefined;
}

/** Parses `btrfs qgroup show -rf --raw <path>`: the first row after the dashes. */
export function parseQgroupShow(text: string): QgroupUsage | undefined {
  const lines = text.split('\n');
  const dash = lines.findIndex((l) => l.trimStart().startsWith('---'));
  const row = lines[dash + 1]?.trim().split(/\s+/);
  if (dash < 0 || !row || row.length < 4 || !/^\d+$/.test(row[1] ?? '')) return undefined;
  const max = row[3] ?? 'none';
  return { referenced: BigInt(row[1] ?? '0'), limit: /^\d+$/.test(max) ? BigInt(max) : undefined };
}

export async function qgroupUsage(path: string): Promise<QgroupUsage | undefined> {
  return parseQgroupShow(await runTool('btrfs', ['qgroup', 'show', '-rf', '--raw', path], FIX));
}
