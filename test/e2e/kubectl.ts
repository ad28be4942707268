// Runs the real kubectl (any installed minor) against a Berth kubeconfig.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type KubectlVersion = '1.27' | '1.28' | '1.29' | '1.30' | '1.31' | '1.32' | '1.33';

export interface KubectlOptions {
  kubeconfig?: string;
  input?: string;
  /** A specific minor version (gcloud's kubectl.1.NN); /usr/bin/kubectl otherwise. */
  version?: KubectlVersion;
  /** Resolve with a non-zero code instead of rejecting. */
  allowFail?: boolean;
  timeoutMs?: number;
}

const kubectlDir = '/usr/lib/google-cloud-sdk/bin';

/** The pinned kubectl versions this machine has. */
export function kubectlVersions(): KubectlVersion[] {
  const all: KubectlVersion[] = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'];
  return all.filter((v) => existsSync(join(kubectlDir, `kubectl.${v}`)));
}

/** Runs kubectl with KUBECONFIG set; rejects on a non-zero exit unless allowFail. */
export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = opts.version ? join(kubectlDir, `kubectl.${opts.version}`) : '/usr/bin/kubectl';
  if (!existsSync(bin)) return Promise.reject(new Error(`${bin} not found`));
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.kubeconfig) {
    env['KUBECONFIG'] = opts.kubeconfig;
    // Discovery cache per server, so a restarted server's API set is never read from another's cache.
    env['KUBECACHEDIR'] = join(dirname(opts.kubeconfig), '.kubectl-cache');
  }
  return new Promise((resolve, reject) => {
    const c = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    c.on('error', reject);
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      const r = { code: code ?? 128, stdout, stderr };
      if (r.code !== 0 && !opts.allowFail) {
        reject(new Error(`kubectl ${args.join(' ')} exited ${code ?? signal}:\n${stderr}${stdout}`));
      } else resolve(r);
    });
    c.stdin.on('error', () => {}); // kubectl may exit before reading stdin
    c.stdin.end(opts.input ?? '');
  });
}
