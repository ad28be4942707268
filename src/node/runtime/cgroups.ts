// Pod-level cgroup directories are created by runc (cgroupsPath is absolute) and removed here
// once the pod's containers are gone. On a cgroup v1 host every directory under the root is a
// hierarchy holding its own copy of the path; on a cgroup v2 (unified) host the root itself is
// the one hierarchy (it has cgroup.controllers), e.g. Debian 12's default.
import { access, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

export const cgroupRoot = '/sys/fs/cgroup';

/** True when `root` is a cgroup2 mount (the unified hierarchy). */
export async function isCgroup2(root = cgroupRoot): Promise<boolean> {
  return access(join(root, 'cgroup.controllers')).then(() => true, () => false);
}

async function hierarchies(root: string): Promise<string[]> {
  if (await isCgroup2(root)) return [root];
  try {
    return (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(root, d.name));
  } catch {
    return [];
  }
}

/** Removes `<hierarchy>/<path>` bottom-up in every hierarchy; missing ones are fine. */
export async function removeCgroup(path: string, root = cgroupRoot): Promise<void> {
  for (const h of await hierarchies(root)) await removeTree(join(h, path));
}

async function removeTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name));
  try {
    await rmdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot remove cgroup ${dir}: ${(err as Error).message}; a process still runs in it`, { cause: err });
  }
}

/** True when any hierarchy still has `path`. */
export async function cgroupExists(path: string, root = cgroupRoot): Promise<boolean> {
  for (const h of await hierarchies(root)) {
    try {
      await readdir(join(h, path));
      return true;
    } catch {
      // not in this hierarchy
    }
  }
  return false;
}
