// NodePublish/NodeUnpublish for the built-in drivers: a bind mount of the volume's directory (or
// of the loop device node onto a file, for raw block) at the path the CO chose, remounted
// read-only when asked. Both are idempotent: a mounted target is left as it is, and an
// unmounted or missing one counts as unpublished.
import { lstat, mkdir, rmdir, unlink, writeFile } from 'node:fs/promises';
import { bindMount, mountsAt, unmount } from '../../mounts';
import { runTool } from '../../pool/exec';
import { CsiError } from '../types';

/** Binds `source` (a directory, or a device node when kind is 'file') at `target`. */
export async function publishBind(source: string, target: string, readOnly: boolean, kind: 'dir' | 'file'): Promise<void> {
  if ((await mountsAt(target)).length > 0) return;
  if (kind === 'dir') await mkdir(target, { recursive: true, mode: 0o750 });
  else await writeFile(target, '', { flag: 'a', mode: 0o600 });
  await bindMount(source, target);
  if (!readOnly) return;
  try {
    // A bind mount takes the source's flags; read-only needs a second, remounting step.
    await runTool('mount', ['--no-canonicalize', '-o', 'remount,bind,ro', target]);
  } catch (e) {
    await unmount(target);
    throw e;
  }
}

/** Unmounts `target` (every stacked mount) and removes it. */
export async function unpublish(target: string): Promise<void> {
  while ((await mountsAt(target)).length > 0) await unmount(target);
  let st;
  try {
    st = await lstat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    if (st.isDirectory()) await rmdir(target);
    else await unlink(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    // Not a mount point, yet not empty: data written there while nothing was mounted; keep it.
    throw new CsiError('INTERNAL', `Cannot remove ${target} after unmounting it: ${(e as Error).message}; look at what was written there (ls -la ${target}) and remove it by hand`, { cause: e });
  }
}
