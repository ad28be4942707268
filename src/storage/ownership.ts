// Volume ownership for a pod's fsGroup (the kubelet's SetVolumeOwnership): every file and
// directory of the volume is given the group fsGroup and group read/write (read for read-only
// volumes), directories also group execute and setgid so new files inherit the group.
// Containers may be running and changing the tree while it is walked, so every entry is opened
// through its parent's descriptor with O_NOFOLLOW and changed through its own descriptor: a
// symlink (or a directory swapped for one) is never followed out of the volume.
import { constants } from 'node:fs';
import { type FileHandle, open, readdir } from 'node:fs/promises';
import type { CsiAccessMode, VolumeCapability } from './csi/types';

const SETGID = 0o2000;

/** Pure: the mode a path gets (upstream: rw 0660 / ro 0440, dirs also 0110 and setgid). */
export function ownedMode(mode: number, isDir: boolean, readOnly: boolean): number {
  let want = mode | (readOnly ? 0o440 : 0o660);
  if (isDir) want |= 0o110 | SETGID;
  return want & 0o7777;
}

/** Pure: OnRootMismatch skips the walk when the volume's root already looks done. */
export function rootMatches(gid: number, mode: number, fsGroup: number, readOnly: boolean): boolean {
  return gid === fsGroup && (mode & 0o7777) === ownedMode(mode, true, readOnly);
}

const gone = (e: unknown): boolean => ['ENOENT', 'ELOOP', 'ENXIO', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

/** Opens `path` without following a final symlink and without blocking on FIFOs (libuv adds O_CLOEXEC); undefined when gone or a link. */
async function openNoFollow(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    // ELOOP: a symlink (skipped, as upstream); ENOENT: removed meanwhile; ENXIO: a socket.
    if (gone(e)) return undefined;
    throw e;
  }
}

async function fix(fh: FileHandle, fsGroup: number, readOnly: boolean): Promise<void> {
  const st = await fh.stat();
  if (!st.isFile() && !st.isDirectory()) return;
  if (st.gid !== fsGroup) await fh.chown(st.uid, fsGroup);
  const want = ownedMode(st.mode, st.isDirectory(), readOnly);
  // chown clears setgid on some filesystems: set the mode after it.
  if ((st.mode & 0o7777) !== want || st.gid !== fsGroup) await fh.chmod(want);
  if (!st.isDirectory()) return;
  // Children are named through this directory's descriptor, so a rename of it can't redirect them.
  const dir = `/proc/self/fd/${fh.fd}`;
  for (const name of await readdir(dir).catch((e: unknown) => (gone(e) ? [] : Promise.reject(e as Error)))) {
    const child = await openNoFollow(`${dir}/${name}`);
    if (!child) continue;
    try {
      await fix(child, fsGroup, readOnly);
    } finally {
      await child.close();
    }
  }
}

/**
 * Applies fsGroup to the volume at `root`. fsGroupChangePolicy OnRootMismatch skips the walk when
 * the root already has the group and mode; Always (the default) walks every time.
 */
export async function setVolumeOwnership(root: string, fsGroup: number, readOnly: boolean, changePolicy: string | undefined): Promise<void> {
  const fh = await openNoFollow(root);
  if (!fh) return;
  try {
    if (changePolicy === 'OnRootMismatch') {
      const st = await fh.stat();
      if (rootMatches(st.gid, st.mode, fsGroup, readOnly)) return;
    }
    await fix(fh, fsGroup, readOnly);
  } finally {
    await fh.close();
  }
}

/**
 * Pure: whether a CSI volume's ownership is managed (the CSIDriver's fsGroupPolicy; absent:
 * ReadWriteOnceWithFSType — only with an fsType and a single-node writer access mode). A
 * read-only mount is never changed (upstream's supportsFSGroup).
 */
export function csiManagesOwnership(policy: string | undefined, capability: VolumeCapability, readOnly = false): boolean {
  if (capability.accessType === 'block' || readOnly) return false;
  if (policy === 'File') return true;
  if (policy === 'None') return false;
  const rwo: CsiAccessMode[] = ['SINGLE_NODE_WRITER', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER'];
  return Boolean(capability.fsType) && rwo.includes(capability.accessMode);
}
