// Deletes a tree without ever leaving it, even while a container's leftovers swap things around.
// Every directory is opened with O_NOFOLLOW and its entries are reached through that descriptor
// (/proc/self/fd/<fd>/<name>), never by re-walking a path: a directory replaced by a symlink
// between looking at it and opening it makes the open fail, and the symlink itself is unlinked.
// A directory on another mount (other mount id or device, or listed in mountinfo) stops the
// removal instead of being emptied.
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readFile, readlink, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { mountPointsUnder } from './mounts';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const fdPath = (fh: FileHandle): string => `/proc/self/fd/${fh.fd}`;
const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

export interface RemoveTreeOptions {
  /** Test seam: runs when an entry was seen to be a directory, before it is opened. */
  beforeOpen?: (path: string) => Promise<void>;
}

interface Walk {
  /** The mount and device every removed directory must be on (those of the tree's parent). */
  mountId: string;
  dev: number;
  mounted: Set<string>;
  opts: RemoveTreeOptions;
}

const mountError = (p: string): Error => new Error(`Cannot remove ${p}: it is still a mount point; unmount it first (umount ${p})`);

/** The mount id of an open file (/proc/self/fdinfo; Linux 3.15+). */
async function mountIdOf(fh: FileHandle): Promise<string> {
  const info = await readFile(`/proc/self/fdinfo/${fh.fd}`, 'utf8');
  const id = /^mnt_id:\s*(\d+)\s*$/m.exec(info)?.[1];
  if (id === undefined) throw new Error(`Cannot remove files safely: /proc/self/fdinfo/${fh.fd} shows no mnt_id; a Linux kernel 3.15 or newer with /proc mounted is needed`);
  return id;
}

/** Removes the entry `name` of the open directory `parent`; `shown` is its path, for messages. */
async function removeEntry(parent: FileHandle, name: string, shown: string, w: Walk): Promise<void> {
  const at = `${fdPath(parent)}/${name}`;
  // The entry may change kind under us; look again a few times, then give up with the error.
  for (let attempt = 1; ; attempt++) {
    const retry = attempt < 4;
    if (w.mounted.has(shown)) throw mountError(shown);
    let st;
    try {
      st = await lstat(at);
    } catch (e) {
      if (errno(e) === 'ENOENT') return;
      throw e;
    }
    if (!st.isDirectory()) {
      try {
        await unlink(at);
        return;
      } catch (e) {
        if (errno(e) === 'ENOENT') return;
        if (errno(e) === 'EISDIR' && retry) continue;
        throw e;
      }
    }
    await w.opts.beforeOpen?.(shown);
    let dir: FileHandle;
    try {
      dir = await open(at, DIR_FLAGS);
    } catch (e) {
      if (errno(e) === 'ENOENT') return;
      // Replaced by a symlink or a file since the lstat: never follow it, remove what is there now.
      if ((errno(e) === 'ELOOP' || errno(e) === 'ENOTDIR') && retry) continue;
      throw e;
    }
    try {
      await emptyDir(dir, shown, w);
    } finally {
      await dir.close();
    }
    try {
      await rmdir(at);
      return;
    } catch (e) {
      if (errno(e) === 'ENOENT') return;
      // The emptied directory was moved away and something else put at its name: remove that.
      if (errno(e) === 'ENOTDIR' && retry) continue;
      throw e;
    }
  }
}

async function emptyDir(dir: FileHandle, shown: string, w: Walk): Promise<void> {
  // Bind mounts of the same filesystem keep st_dev, so the mount id and the mount table count too.
  if ((await dir.stat()).dev !== w.dev || (await mountIdOf(dir)) !== w.mountId || w.mounted.has(await readlink(fdPath(dir)))) {
    throw mountError(shown);
  }
  // Read until empty: an entry renamed in during the walk is removed too (rmdir reports the rest).
  for (let pass = 0; pass < 4; pass++) {
    const names = await readdir(fdPath(dir));
    if (names.length === 0) return;
    for (const name of names) await removeEntry(dir, name, join(shown, name), w);
  }
}

/** Removes `dir` (absolute, symlink-free) and everything in it; refuses to cross into mounts. Missing is fine. */
export async function removeTree(dir: string, opts: RemoveTreeOptions = {}): Promise<void> {
  if (!isAbsolute(dir) || basename(dir) === '') throw new Error(`Cannot remove "${dir}": expected an absolute path below /`);
  let parent: FileHandle;
  try {
    parent = await open(dirname(dir), constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    if (errno(e) === 'ENOENT') return;
    throw e;
  }
  try {
    // The reference mount is the parent's: a still-mounted volume root is refused too.
    const w: Walk = { mountId: await mountIdOf(parent), dev: (await parent.stat()).dev, mounted: new Set(await mountPointsUnder(dir)), opts };
    await removeEntry(parent, basename(dir), dir, w);
  } finally {
    await parent.close();
  }
}
