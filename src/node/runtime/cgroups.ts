// cgroup v1 helpers: pod-level directories under every mounted hierarchy are created by runc
// (cgroupsPath is absolute) and removed here once the pod's containers are gone.
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

const root = '/sys/fs/cgroup';

async function hierarchies(): Promise<string[]> {
  try {
    return (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(root, d.name));
  } catch {
    return [];
  }
}

/** Removes `<hierarchy>/<path>` bottom-up in every hierarchy; missing ones are fine. */
export async function removeCgroup(path: string): Promise<void> {
  for (const h of await hierarchies()) await removeTree(join(h, path));
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
export async function cgroupExists(path: string): Promise<boolean> {
  for (const h of await hierarchies()) {
    try {
      await readdir(join(h, path));
      return true;
    } catch {
      // not in this hierarchy
    }
  }
  return false;
}
