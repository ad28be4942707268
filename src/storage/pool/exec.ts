// Runs the host tools the pool is built on (losetup, mkfs.ext4, btrfs, ...). A failure becomes a
// PoolError naming the command, its stderr and the fix, e.g. the package to install.
import { execFile } from 'node:child_process';
import { PoolError } from './errors';

/** Debian packages that provide each tool, for "command not found". */
const PACKAGE: Record<string, string> = {
  losetup: 'util-linux',
  fsfreeze: 'util-linux',
  blockdev: 'util-linux',
  mount: 'mount',
  'mkfs.ext4': 'e2fsprogs',
  e2fsck: 'e2fsprogs',
  resize2fs: 'e2fsprogs',
  dumpe2fs: 'e2fsprogs',
  btrfs: 'btrfs-progs',
  cp: 'coreutils',
  du: 'coreutils',
};

// The sbin directories hold most of these tools; a service started with a user's PATH may lack them.
const PATH = [process.env.PATH ?? '/usr/bin:/bin', '/usr/sbin', '/sbin'].join(':');

export interface ToolFailure {
  stderr: string;
  exitCode: number | undefined;
}

/** Runs `cmd args`; resolves stdout. `fix` is appended to the error message when it fails. */
export function runTool(cmd: string, args: string[], fix?: string): Promise<string> {
  return runToolRaw(cmd, args).then((r) => {
    if (r.ok) return r.stdout;
    throw toolError(cmd, args, r, fix);
  });
}

/** Runs `cmd args` and reports a non-zero exit instead of throwing (a missing tool still throws). */
export function runToolRaw(cmd: string, args: string[]): Promise<({ ok: true; stdout: string } | ({ ok: false } & ToolFailure))> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, PATH, LC_ALL: 'C' }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        const pkg = PACKAGE[cmd];
        return reject(new PoolError('CommandFailed', `Cannot run ${cmd}: it is not installed${pkg ? `; install it (apt-get install ${pkg})` : ''}`, { cause: err }));
      }
      resolve({ ok: false, stderr: stderr.trim() || err.message, exitCode: typeof code === 'number' ? code : undefined });
    });
  });
}

export function toolError(cmd: string, args: string[], f: ToolFailure, fix?: string): PoolError {
  const exit = f.exitCode === undefined ? '' : ` (exit ${f.exitCode})`;
  return new PoolError('CommandFailed', `${cmd} ${args.join(' ')} failed${exit}: ${f.stderr}${fix ? `; ${fix}` : ''}`);
}
