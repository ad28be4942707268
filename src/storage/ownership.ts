// Volume ownership for a pod's fsGroup (the kubelet's SetVolumeOwnership): every file and
// directory of the volume is given the group fsGroup and group read/write (read for read-only
// volumes), directories also group execute and setgid so new files inherit the group. Symlinks
// are skipped, never followed, so a link a container made cannot redirect the walk.
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
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

async function fix(path: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  if (st.gid !== fsGroup) await lchown(path, st.uid, fsGroup);
  const want = ownedMode(st.mode, st.isDirectory(), readOnly);
  // chown clears setgid on some filesystems: set the mode after it.
  if ((st.mode & 0o7777) !== want || st.gid !== fsGroup) await chmod(path, want);
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await fix(join(path, name), fsGroup, readOnly);
}

/**
 * Applies fsGroup to the volume at `root`. fsGroupChangePolicy OnRootMismatch skips the walk when
 * the root already has the group and mode; Always (the default) walks every time.
 */
export async function setVolumeOwnership(root: string, fsGroup: number, readOnly: boolean, changePolicy: string | undefined): Promise<void> {
  if (changePolicy === 'OnRootMismatch') {
    const st = await lstat(root);
    if (rootMatches(st.gid, st.mode, fsGroup, readOnly)) return;
  }
  await fix(root, fsGroup, readOnly);
}

/**
 * Pure: whether a CSI volume's ownership is managed (the CSIDriver's fsGroupPolicy; absent:
 * ReadWriteOnceWithFSType — only with an fsType and a single-node writer access mode).
 */
export function csiManagesOwnership(policy: string | undefined, capability: VolumeCapability): boolean {
  if (capability.accessType === 'block') return false;
  if (policy === 'File') return true;
  if (policy === 'None') return false;
  const rwo: CsiAccessMode[] = ['SINGLE_NODE_WRITER', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER'];
  return Boolean(capability.fsType) && rwo.includes(capability.accessMode);
}
