// Deletes a tree without ever leaving it: entries are examined with lstat (symlinks are removed,
// not followed), and a directory that is a mount point (listed in mountinfo, or on another
// device) stops the removal instead of being emptied.
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { mountPointsUnder } from './mounts';

async function remove(p: string, dev: number, mounted: Set<string>): Promise<void> {
  const st = await lstat(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!st) return;
  if (mounted.has(p) || (st.isDirectory() && st.dev !== dev)) throw new Error(`Cannot remove ${p}: it is still a mount point; unmount it first (umount ${p})`);
  if (!st.isDirectory()) {
    await unlink(p);
    return;
  }
  for (const name of await readdir(p)) await remove(join(p, name), dev, mounted);
  await rmdir(p);
}

/** Removes `dir` (absolute, symlink-free) and everything in it; refuses to cross into mounts. Missing is fine. */
export async function removeTree(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) {
    await unlink(dir);
    return;
  }
  // Bind mounts of the same filesystem keep st_dev, so the mount table is consulted too.
  const mounted = new Set(await mountPointsUnder(dir));
  // The reference device is the parent's: a still-mounted volume root is refused too.
  const parent = await lstat(join(dir, '..'));
  await remove(dir, parent.dev, mounted);
}
