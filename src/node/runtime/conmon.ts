// Starts a container under conmon the way CRI-O does: conmon forks itself away (own session,
// reparented to init) so the container outlives Berth, runs `runc create`, and reports the
// container's pid over the sync pipe (fd 3, `_OCI_SYNCPIPE`) as one JSON line
// `{"data": <pid>}` — or `{"data": -1, "message": "..."}` when the runtime failed. It then
// logs stdout/stderr in the CRI format to the k8s-file and writes the exit code to
// `<exit-dir>/<id>` and `<persist-dir>/exit` (plus `<persist-dir>/oom` after an OOM kill).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Runc } from './runc';

export interface ConmonOptions {
  runc: Runc;
  binary?: string;
  id: string;
  /** Bundle dir (config.json + rootfs); conmon's cwd too. */
  bundle: string;
  logPath: string;
  /** Holds `exit`, `oom`, `pid`, `conmon.pid` of this instance. */
  persistDir: string;
  /** Where conmon makes the attach socket symlink (keep the path short: sockets are limited to 108 bytes). */
  socketDir: string;
  tty: boolean;
  stdin: boolean;
  timeoutMs?: number;
  /** Log size cap in bytes (default containerLogMaxSize). */
  logSizeMax?: number;
}

/**
 * The kubelet's containerLogMaxSize. At this size conmon (2.1.6, --log-size-max) flushes, creates
 * `<log>.tmp` empty and renames it over the log: the old lines are dropped and followers must
 * reopen the path, so one chatty container cannot fill the disk.
 */
export const containerLogMaxSize = 10 * 1024 * 1024;

export function conmonArgs(o: ConmonOptions): string[] {
  const args = [
    '--api-version', '1',
    '-c', o.id,
    '-u', o.id,
    '-n', o.id,
    '-r', o.runc.binary,
    '-b', o.bundle,
    '-p', `${o.persistDir}/pid`,
    '-P', `${o.persistDir}/conmon.pid`,
    '-l', `k8s-file:${o.logPath}`,
    '--log-size-max', String(o.logSizeMax ?? containerLogMaxSize),
    '--exit-dir', o.persistDir,
    '--persist-dir', o.persistDir,
    '--socket-dir-path', o.socketDir,
    '--runtime-arg', '--root',
    '--runtime-arg', o.runc.root,
    '--log-level', 'warning',
  ];
  if (o.tty) args.push('-t');
  if (o.stdin) args.push('-i', '--leave-stdin-open');
  return args;
}

/** Parses the sync pipe's first message. */
export function parseSyncMessage(text: string): { pid: number } | { error: string } {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (!line) return { error: 'conmon closed the sync pipe without reporting a pid' };
  const msg = JSON.parse(line) as { data?: number; message?: string };
  if (typeof msg.data === 'number' && msg.data > 0) return { pid: msg.data };
  return { error: msg.message?.trim() || `conmon reported ${String(msg.data)}` };
}

/** Runs conmon (which runs `runc create`) and resolves to the container's init pid. */
export function createWithConmon(o: ConmonOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.binary ?? 'conmon', conmonArgs(o), {
      cwd: o.bundle,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, _OCI_SYNCPIPE: '3' },
    });
    let sync = '';
    let stderr = '';
    let done = false;
    const pipe = child.stdio[3] as Readable;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      pipe.destroy();
      child.stderr?.destroy();
      child.unref();
      fn();
    };
    const timeoutMs = o.timeoutMs ?? 60_000;
    // A conmon that never reports may still have made the container: kill it and drop the
    // container so nothing runs that no instance accounts for.
    const timer = setTimeout(() => finish(() => void abandon(o, child.pid).then(
      () => reject(new Error(`Cannot create container ${o.id}: conmon did not report within ${timeoutMs} ms; check ${o.logPath} and runc`)),
      (err: unknown) => reject(new Error(`Cannot create container ${o.id}: conmon did not report within ${timeoutMs} ms and cleaning up failed: ${(err as Error).message}; run runc --root ${o.runc.root} delete --force ${o.id}`)),
    )), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    pipe.on('data', (d: Buffer) => {
      sync += d.toString();
      if (!sync.includes('\n')) return;
      const r = parseSyncMessage(sync);
      finish(() => ('pid' in r ? resolve(r.pid) : reject(new Error(`Cannot create container ${o.id}: ${r.error}`))));
    });
    pipe.on('end', () => finish(() => {
      const r = parseSyncMessage(sync);
      if ('pid' in r) resolve(r.pid);
      else reject(new Error(`Cannot create container ${o.id}: ${r.error}${stderr ? `; conmon: ${stderr.trim()}` : ''}`));
    }));
    pipe.on('error', () => undefined);
    child.on('error', (err) => finish(() => reject(new Error(`Cannot run conmon: ${err.message}; install the conmon package`))));
  });
}

function kill(pid: number | undefined): void {
  if (!pid || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills the conmon we spawned and the one it forked (its pid file, if it names this container), then force-deletes the container. */
async function abandon(o: ConmonOptions, childPid: number | undefined): Promise<void> {
  kill(childPid);
  const pid = Number((await readFile(`${o.persistDir}/conmon.pid`, 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(o.id)) kill(pid);
  }
  await o.runc.delete(o.id);
}
