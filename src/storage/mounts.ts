// Thin layer over the mount table and util-linux mount(8)/umount(8). Node has no mount(2),
// so mounts go through the binaries; the table is read from /proc/self/mountinfo.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type MountEntry, readMounts } from './mountinfo';
import { isWithin } from './paths';

const run = promisify(execFile);

/** Mount entries at `path` (the last one is on top). */
export async function mountsAt(path: string): Promise<MountEntry[]> {
  return (await readMounts()).filter((m) => m.mountPoint === path);
}

/** Mount points at or below `dir`, deepest first, each once (stacked mounts repeat in the table). */
export async function mountPointsUnder(dir: string): Promise<string[]> {
  const points = new Set((await readMounts()).filter((m) => isWithin(dir, m.mountPoint)).map((m) => m.mountPoint));
  return [...points].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
}

async function mountCmd(args: string[]): Promise<void> {
  try {
    await run('mount', args);
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim();
    throw new Error(`mount ${args.join(' ')} failed: ${stderr || (e as Error).message}`, { cause: e });
  }
}

/** tmpfs at `target`; size in bytes (omitted: the kernel default, half of RAM). */
export async function mountTmpfs(target: string, opts: { sizeBytes?: bigint; mode?: number } = {}): Promise<void> {
  const o = [`mode=${(opts.mode ?? 0o777).toString(8).padStart(4, '0')}`];
  if (opts.sizeBytes !== undefined) o.push(`size=${opts.sizeBytes}`);
  await mountCmd(['-t', 'tmpfs', '-o', o.join(','), 'tmpfs', target]);
}

/** A tmpfs's size in bytes from its mount options (undefined: unlimited or not shown). */
export function tmpfsSize(m: MountEntry): bigint | undefined {
  const kb = /(?:^|,)size=(\d+)k(?:,|$)/.exec(m.superOptions);
  return kb ? BigInt(kb[1] ?? '0') * 1024n : undefined;
}

/** Changes the size of the tmpfs at `target`. */
export async function resizeTmpfs(target: string, sizeBytes: bigint): Promise<void> {
  await mountCmd(['--no-canonicalize', '-o', `remount,size=${sizeBytes}`, target]);
}

/**
 * Bind-mounts `source` on `target` without canonicalizing either path: a /proc/<pid>/fd/<n>
 * source must reach mount(2) as written, or mount(8) would turn it back into a path that a
 * symlink swap could redirect.
 */
export async function bindMount(source: string, target: string): Promise<void> {
  await mountCmd(['--no-canonicalize', '--bind', source, target]);
}

export async function unmount(target: string): Promise<void> {
  try {
    // A network filesystem whose server is gone can block umount forever: give up after a minute
    // and detach it lazily (the kernel lets go once nothing uses it), as the kubelet forces it.
    await run('umount', ['--no-canonicalize', target], { timeout: 60_000 }).catch(async (e: unknown) => {
      if ((e as { killed?: boolean }).killed !== true) throw e;
      await run('umount', ['--no-canonicalize', '-l', target]);
    });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim() ?? '';
    if (/not mounted|no mount point/i.test(stderr)) return;
    throw new Error(`Cannot unmount ${target}: ${stderr || (e as Error).message}; stop the processes using it (fuser -vm ${target}) and retry`, { cause: e });
  }
}
