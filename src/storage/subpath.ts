// Safe subPath mounts (CVE-2017-1002101, CVE-2021-25741). A container can put symlinks in its
// volume, so a subPath is never handed to mount(2) as a path: it is resolved, checked to stay in
// the volume, then opened one component at a time with O_NOFOLLOW relative to the previous
// component's descriptor. The bind mount's source is that final descriptor (/proc/<pid>/fd/<n>),
// so a symlink swapped in after the check cannot redirect it.
import { constants } from 'node:fs';
import { type FileHandle, chmod, lstat, mkdir, open, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { bindMount, mountsAt, unmount } from './mounts';
import { isWithin, subPathSegments } from './paths';

// Linux's O_PATH (x86_64, arm64): a descriptor that names a file without opening it for I/O.
const O_PATH = 0o10000000;
const OPEN_FLAGS = O_PATH | constants.O_NOFOLLOW;

export interface SubPathOptions {
  /** The volume's directory on the host. */
  volumeRoot: string;
  subPath: string;
  /** Where the resolved target is bind-mounted (pods/<uid>/volume-subpaths/<vol>/<ctr>/<i>). */
  target: string;
  /** Create a missing subPath as a directory (writable volumes). */
  create: boolean;
  /** Test seam: runs after the path was resolved and checked, before it is opened. */
  afterCheck?: () => Promise<void>;
}

const fdPath = (fh: FileHandle) => `/proc/self/fd/${fh.fd}`;

/** Opens `seg` inside the directory `parent` without following a symlink at `seg`. */
async function openChild(parent: FileHandle, seg: string, root: string): Promise<FileHandle> {
  const fh = await open(`${fdPath(parent)}/${seg}`, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    if (st.isSymbolicLink()) throw new Error(`a component of the subPath was replaced by a symlink while it was being mounted (${seg}); refusing to follow it`);
    const where = await readlink(fdPath(fh));
    if (!isWithin(root, where)) throw new Error('the subPath left the volume while it was being mounted; refusing');
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Opens root/segs[0]/…/segs[n] one component at a time; creates missing directories when asked. */
async function openBeneath(root: string, segs: string[], createMode: number | undefined): Promise<FileHandle> {
  let cur = await open(root, OPEN_FLAGS | constants.O_DIRECTORY);
  try {
    for (const seg of segs) {
      let next: FileHandle;
      try {
        next = await openChild(cur, seg, root);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || createMode === undefined) throw e;
        // mkdir through the parent's descriptor: a symlink planted at `seg` makes it fail (EEXIST).
        await mkdir(`${fdPath(cur)}/${seg}`, { mode: createMode });
        next = await openChild(cur, seg, root);
        await chmod(fdPath(next), createMode);
      }
      await cur.close();
      cur = next;
    }
    return cur;
  } catch (e) {
    await cur.close();
    throw e;
  }
}

async function resolveInside(root: string, segs: string[], subPath: string, create: boolean): Promise<string[]> {
  let resolved: string;
  try {
    resolved = await realpath(join(root, ...segs));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    if (!create) throw new Error(`subPath "${subPath}" does not exist in the volume; create it first or use a writable volume`, { cause: e });
    // Missing: the existing prefix must resolve inside the volume; the rest is created below it.
    const mode = (await stat(root)).mode & 0o7777;
    const prefix = await existingPrefix(root, segs);
    await (await openBeneath(root, [...prefix.resolved, ...segs.slice(prefix.length)], mode)).close();
    resolved = await realpath(join(root, ...segs));
  }
  if (!isWithin(root, resolved)) throw new Error(`subPath "${subPath}" leads outside its volume through a symlink; a subPath must resolve to a path inside the volume`);
  return relative(root, resolved).split('/').filter((s) => s !== '');
}

/** The longest prefix of segs that exists (its length, and its path with symlinks resolved inside the volume). */
async function existingPrefix(root: string, segs: string[]): Promise<{ length: number; resolved: string[] }> {
  for (let n = segs.length; n > 0; n--) {
    const p = join(root, ...segs.slice(0, n));
    const real = await realpath(p).catch(() => undefined);
    if (real === undefined) {
      // A dangling symlink (it may point anywhere on the host) is not a missing path.
      if ((await lstat(p).catch(() => undefined))?.isSymbolicLink()) throw new Error(`subPath component "${segs.slice(0, n).join('/')}" is a dangling symlink; refusing to create through it`);
      continue;
    }
    if (!isWithin(root, real)) throw new Error(`subPath "${segs.join('/')}" leads outside its volume through a symlink; a subPath must resolve to a path inside the volume`);
    return { length: n, resolved: relative(root, real).split('/').filter((s) => s !== '') };
  }
  return { length: 0, resolved: [] };
}

async function prepareTarget(target: string, isDir: boolean): Promise<void> {
  await mkdir(dirname(target), { recursive: true, mode: 0o750 });
  const st = await lstat(target).catch(() => undefined);
  if (st && st.isDirectory() === isDir) return;
  if (st) throw new Error(`Cannot bind the subPath at ${target}: a ${st.isDirectory() ? 'directory' : 'file'} is there; remove it`);
  if (isDir) await mkdir(target, { mode: 0o750 });
  else await (await open(target, 'a', 0o640)).close();
}

/** Bind-mounts the volume's subPath at `target` safely; reuses a mount already there for the same file. */
export async function mountSubPath(o: SubPathOptions): Promise<void> {
  const segs = subPathSegments(o.subPath);
  const root = await realpath(o.volumeRoot);
  const rel = await resolveInside(root, segs, o.subPath, o.create);
  if (o.afterCheck) await o.afterCheck();
  const fh = await openBeneath(root, rel, undefined);
  try {
    const src = await fh.stat();
    if ((await mountsAt(o.target)).length > 0) {
      const cur = await stat(o.target);
      if (cur.dev === src.dev && cur.ino === src.ino) return;
      await unmount(o.target);
    }
    await prepareTarget(o.target, src.isDirectory());
    await bindMount(`/proc/${process.pid}/fd/${fh.fd}`, o.target);
    const got = await stat(o.target);
    if (got.dev !== src.dev || got.ino !== src.ino) {
      await unmount(o.target);
      throw new Error(`subPath "${o.subPath}" mount does not show the checked file; refusing`);
    }
  } finally {
    await fh.close();
  }
}
