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

/** Pure: what the host lacks to mount NFS, from /proc/filesystems and whether mount.nfs exists. */
export function nfsClientProblem(procFilesystems: string, hasHelper: boolean): string | undefined {
  const kernel = procFilesystems.split('\n').some((l) => /\tnfs4?$/.test(l));
  if (!kernel && !hasHelper) return "this host's kernel cannot mount NFS: install nfs-common / load the nfs module (modprobe nfs), or use a hostPath or local volume";
  if (!kernel) return "this host's kernel has no NFS client (nfs is not in /proc/filesystems): load the nfs module (modprobe nfs), or use a hostPath or local volume";
  if (!hasHelper) return 'the mount.nfs helper is missing: install nfs-common (apt-get install nfs-common)';
  return undefined;
}

/** Pure: the mount(8) arguments for a source at `target`. */
export function nfsMountArgs(src: NfsSource, target: string): string[] {
  const opts = [...(src.readOnly ? ['ro'] : []), ...src.mountOptions];
  // An IPv6 server is written in brackets, as mount.nfs expects.
  const server = src.server.includes(':') && !src.server.startsWith('[') ? `[${src.server}]` : src.server;
  return ['-t', 'nfs', ...(opts.length ? ['-o', opts.join(',')] : []), `${server}:${src.path}`, target];
}

async function hostProblem(): Promise<string | undefined> {
  const fs = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  let helper = false;
  for (const h of HELPERS) if (await access(h).then(() => true, () => false)) helper = true;
  return nfsClientProblem(fs, helper);
}

/** Mounts the export at `target` (idempotent); throws naming the fix when the host can't. */
export async function mountNfs(src: NfsSource, target: string, what: string): Promise<void> {
  if (!src.server || !src.path) throw new Error(`${what} has an nfs source without server or path; set both`);
  const problem = await hostProblem();
  if (problem) throw new Error(`${what} is an nfs volume and ${problem}`);
  await mkdir(target, { recursive: true, mode: 0o750 });
  if ((await mountsAt(target)).some((m) => m.fsType.startsWith('nfs'))) return;
  try {
    // A server that does not answer must not hold the pod's volume setup forever.
    await run('mount', nfsMountArgs(src, target), { timeout: 120_000 });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim();
    throw new Error(`mount failed for ${what} (${src.server}:${src.path}): ${stderr || (e as Error).message}; check that the server exports the path to this node`, { cause: e });
  }
}
