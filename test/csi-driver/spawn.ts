// Runs the test CSI driver as a child process (main.ts through tsx), for tests where the driver
// must outlive or be killed apart from the test process.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

export interface SpawnedCsiDriver {
  readonly pid: number;
  /** SIGTERM (the driver removes its socket), SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>;
}

export async function spawnTestCsiDriver(o: { socket: string; root: string; name?: string; nodeId?: string }): Promise<SpawnedCsiDriver> {
  const args = ['--import', 'tsx', join(here, 'main.ts'), '--socket', o.socket, '--root', o.root];
  if (o.name) args.push('--name', o.name);
  if (o.nodeId) args.push('--node-id', o.nodeId);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let output = '';
  await new Promise<void>((resolveReady, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
      if (output.includes(' serving on ')) resolveReady();
    });
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => reject(new Error(`the test CSI driver exited (${code}) before serving: ${output}`)));
  });
  return {
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
