// nfs volumes (a PV's spec.nfs or a pod's inline nfs source), mounted with the host's kernel NFS
// client as the kubelet does: `mount -t nfs server:path <pod volume dir>`. A host without the
// client (no nfs in /proc/filesystems and no mount.nfs helper) gets an error naming the fix
// instead of a mount that hangs or fails obscurely.
import { execFile } from 'node:child_process';
import { access, mkdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { mountsAt } from './mounts';

const run = promisify(execFile);

export interface NfsSource {
  server: string;
  path: string;
  readOnly: boolean;
  mountOptions: string[];
}

const HELPERS = ['/sbin/mount.nfs', '/usr/sbin/mount.nfs', '/bin/mount.nfs', '/usr/bin/mount.nfs'];

/**
 * Pure: why the host can't mount NFS, before trying. Only a missing mount.nfs helper stops the
 * attempt: with it, mount(2) loads the nfs module itself on a host that has one.
 */
export function nfsClientProblem(procFilesystems: string, hasHelper: boolean): string | undefined {
  if (hasHelper) return undefined;
  const kernel = procFilesystems.split('\n').some((l) => /\tnfs4?$/.test(l));
  if (!kernel) return "this host's kernel cannot mount NFS: install nfs-common / load the nfs module (modprobe nfs), or use a hostPath or local volume";
  return 'the mount.nfs helper is missing: install nfs-common (apt-get install nfs-common)';
}

/** Pure: the hint added to a failed mount when the kernel lists no NFS client. */
export function nfsKernelHint(procFilesystems: string): string {
  return procFilesystems.split('\n').some((l) => /\tnfs4?$/.test(l)) ? '' : " (this host's kernel lists no NFS client: load the nfs module, modprobe nfs)";
}

/** Pure: the mount(8) arguments for a source at `target`. */
export function nfsMountArgs(src: NfsSource, target: string): string[] {
  const opts = [...(src.readOnly ? ['ro'] : []), ...src.mountOptions];
  // An IPv6 server is written in brackets, as mount.nfs expects.
  const server = src.server.includes(':') && !src.server.startsWith('[') ? `[${src.server}]` : src.server;
  // `--`: nothing from the PV (a server starting with "-") is read as a mount option.
  return ['-t', 'nfs', ...(opts.length ? ['-o', opts.join(',')] : []), '--', `${server}:${src.path}`, target];
}

const procFilesystems = () => readFile('/proc/filesystems', 'utf8').catch(() => '');

async function hostProblem(): Promise<string | undefined> {
  let helper = false;
  for (const h of HELPERS) if (await access(h).then(() => true, () => false)) helper = true;
  return nfsClientProblem(await procFilesystems(), helper);
}

/** Mounts the export at `target` (idempotent); throws naming the fix when the host can't. */
export async function mountNfs(src: NfsSource, target: string, what: string): Promise<void> {
  if (!src.server || !src.path) throw new Error(`${what} has an nfs source without server or path; set both`);
  // Checked in /proc before touching the path: a stat of a mount whose server is gone would hang.
  if ((await mountsAt(target)).some((m) => m.fsType.startsWith('nfs'))) return;
  const problem = await hostProblem();
  if (problem) throw new Error(`${what} is an nfs volume and ${problem}`);
  await mkdir(target, { recursive: true, mode: 0o750 });
  try {
    // A server that does not answer must not hold the pod's volume setup forever.
    await run('mount', nfsMountArgs(src, target), { timeout: 120_000 });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim();
    throw new Error(`mount failed for ${what} (${src.server}:${src.path}): ${stderr || (e as Error).message}${nfsKernelHint(await procFilesystems())}; check that the server exports the path to this node`, { cause: e });
  }
}
