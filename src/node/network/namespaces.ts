// A pod's persistent net/ipc/uts namespaces: nsfs bind mounts at <dir>/{net,ipc,uts} that no
// process holds, so containers can come and go (and Berth can restart) around them.
import { mkdir, open, realpath, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxNamespaces } from '../types';
import { type MountEntry, readMounts } from '../../storage/mountinfo';
import { type NsKind, containingMount, isShared, mountsAt, nsBinding } from './mountinfo';
import { runOk } from './run';

const KINDS: readonly NsKind[] = ['net', 'ipc', 'uts'];

export function namespacePaths(dir: string): SandboxNamespaces {
  return { net: join(dir, 'net'), ipc: join(dir, 'ipc'), uts: join(dir, 'uts') };
}

/** What each namespace file of `dir` is bound to right now (undefined: missing or stale). */
export async function inspectNamespaces(dir: string): Promise<Record<NsKind, string | undefined>> {
  const real = await realpath(dir).catch(() => dir);
  const mounts = await readMounts();
  return {
    net: nsBinding(mounts, join(real, 'net'), 'net'),
    ipc: nsBinding(mounts, join(real, 'ipc'), 'ipc'),
    uts: nsBinding(mounts, join(real, 'uts'), 'uts'),
  };
}

export function checkHostname(hostname: string): void {
  if (hostname.length === 0 || hostname.length > 64 || !/^[A-Za-z0-9.-]+$/.test(hostname)) {
    throw new Error(`Cannot set pod hostname "${hostname}": it must be 1-64 letters, digits, "-" or "."; shorten or fix spec.hostname`);
  }
}

/** Creates whichever of the three namespaces is missing; valid ones (e.g. after a restart) are kept. */
export async function createNamespaces(dir: string, hostname: string): Promise<SandboxNamespaces> {
  checkHostname(hostname);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const real = await realpath(dir);
  await ensureSharedMount(real, await readMounts());
  const mounts = await readMounts();
  const missing = KINDS.filter((k) => nsBinding(mounts, join(real, k), k) === undefined);
  if (missing.length > 0) {
    const args: string[] = [];
    for (const kind of missing) {
      const file = join(real, kind);
      // A stale mount of the wrong kind would shadow the new bind; drop it first.
      for (let i = mountsAt(mounts, file); i > 0; i--) await runOk('umount', [file]);
      await (await open(file, 'a', 0o444)).close(); // unshare binds onto an existing file
      args.push(`--${kind}=${file}`);
    }
    // The hostname is written from inside the new UTS namespace; it is passed as $1, never parsed.
    const body = missing.includes('uts') ? ['sh', '-c', 'printf %s "$1" > /proc/sys/kernel/hostname', 'sh', hostname] : ['true'];
    try {
      await runOk('unshare', [...args, '--', ...body]);
    } catch (e) {
      throw new Error(`Cannot create the pod namespaces in ${dir}: ${(e as Error).message}; check that we run as root with util-linux installed`, { cause: e });
    }
  }
  return namespacePaths(real);
}

/**
 * Like `ip netns`, keep namespace files on a shared mount: when they are unmounted here, the
 * unmount also reaches copies in mount namespaces created since (runc, systemd units), so the
 * namespace is really freed. A private parent gets a self bind mount that is made shared.
 */
async function ensureSharedMount(dir: string, mounts: readonly MountEntry[]): Promise<void> {
  const m = containingMount(mounts, dir);
  if (m && isShared(m)) return;
  // One mount(8) call binds and shares (util-linux applies propagation flags after the bind).
  if (!m || m.mountPoint !== dir) await runOk('mount', ['--bind', '--make-shared', dir, dir]);
  else await runOk('mount', ['--make-shared', dir]);
}

/** Unmounts and removes the namespace files and `dir` itself. Safe on missing or half-made dirs. */
export async function removeNamespaces(dir: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    return; // nothing left
  }
  const files = KINDS.map((k) => join(real, k));
  // Several rounds: a file may carry stacked mounts, and the dir's self bind goes last.
  for (let round = 0; round < 4; round++) {
    const mounts = await readMounts();
    const targets = files.filter((f) => mountsAt(mounts, f) > 0);
    if (targets.length === 0 && mountsAt(mounts, real) > 0 && !mounts.some((m) => m.mountPoint.startsWith(`${real}/`))) {
      targets.push(real);
    }
    if (targets.length === 0) break;
    await runOk('umount', targets);
  }
  for (const f of files) await rm(f, { force: true });
  await rmdir(real).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT' && e.code !== 'ENOTEMPTY') throw e;
  });
}
