// Runs a host tool (ip, iptables, mount, unshare, CNI plugins) and collects its output.
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Never rejects for a non-zero exit (callers decide); rejects only when the program cannot start. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // A hung plugin must not wedge pod start forever.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined); // the program may exit without reading stdin
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run, but throws when the program fails, naming the command and its stderr. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  let res: RunResult;
  try {
    res = await run(cmd, args, opts);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`Cannot run ${cmd}: not found on PATH; ${installHint(cmd)}`, { cause: e });
    throw e;
  }
  if (res.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.code}): ${(res.stderr || res.stdout).trim()}`);
  }
  return res.stdout;
}

function installHint(cmd: string): string {
  const pkg: Record<string, string> = {
    ip: 'iproute2',
    iptables: 'iptables',
    unshare: 'util-linux',
    nsenter: 'util-linux',
    mount: 'mount',
    umount: 'mount',
  };
  return `install the Debian package ${pkg[cmd] ?? cmd}`;
}
