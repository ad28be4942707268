// `runc exec` into a running container for the streaming server. With a TTY, runc runs inside a
// pseudo-terminal (node-pty) so runc proxies it to the container's own terminal and a resize of
// ours (SIGWINCH) reaches the process; without one, plain pipes. Resolves to the exit code.
import { spawn } from 'node:child_process';
import type { StreamIO } from '../types';
import type { Runc } from './runc';

export async function runcExec(runc: Runc, id: string, command: string[], io: StreamIO): Promise<number> {
  if (io.tty) return execTty(runc, id, command, io);
  return new Promise((resolve, reject) => {
    const child = spawn(runc.binary, runc.args('exec', id, ...command), { stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (io.stdin && child.stdin) {
      io.stdin.pipe(child.stdin);
      child.stdin.on('error', () => undefined);
    }
    if (io.stdout) child.stdout?.pipe(io.stdout, { end: false });
    else child.stdout?.resume();
    if (io.stderr) child.stderr?.pipe(io.stderr, { end: false });
    else child.stderr?.resume();
    const onAbort = () => child.kill('SIGKILL');
    io.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      io.signal?.removeEventListener('abort', onAbort);
      if (io.stdin && child.stdin) io.stdin.unpipe(child.stdin);
      resolve(code ?? (sig ? 128 + 9 : 1));
    });
  });
}

async function execTty(runc: Runc, id: string, command: string[], io: StreamIO): Promise<number> {
  const pty = await import('node-pty');
  return new Promise((resolve) => {
    const term = pty.spawn(runc.binary, runc.args('exec', '-t', id, ...command), { name: 'xterm', cols: 80, rows: 24, encoding: null, env: { ...process.env } });
    const out = term.onData((d) => io.stdout?.write(d));
    const onData = (d: Buffer | string) => term.write(d);
    io.stdin?.on('data', onData);
    io.onResize?.((s) => {
      if (s.width > 0 && s.height > 0) term.resize(s.width, s.height);
    });
    const onAbort = () => term.kill('SIGKILL');
    io.signal?.addEventListener('abort', onAbort, { once: true });
    term.onExit(({ exitCode }) => {
      out.dispose();
      io.stdin?.off('data', onData);
      io.signal?.removeEventListener('abort', onAbort);
      resolve(exitCode);
    });
  });
}
