// What a node needs from its host before it can run pods. A missing piece doesn't stop Berth:
// the node registers NotReady with a message naming the fix (as the kubelet reports a runtime
// that is down), so the control plane still serves and nothing is scheduled there.
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface PreflightEnv {
  uid: number;
  path: string;
  exists: (file: string) => Promise<boolean>;
}

const packages: Record<string, string> = { runc: 'runc', conmon: 'conmon', mount: 'mount', unshare: 'util-linux', nsenter: 'util-linux', ip: 'iproute2', iptables: 'iptables', tar: 'tar' };
const plugins = ['bridge', 'host-local', 'portmap', 'loopback'];

/** Problems that keep this host from running pods, each with its fix; empty when ready. */
export async function nodeProblems(env: PreflightEnv, pluginDirs: string[] = ['/usr/lib/cni', '/opt/cni/bin']): Promise<string[]> {
  const problems: string[] = [];
  if (env.uid !== 0) problems.push('the node runs containers with runc, mounts and network namespaces, which need root: run berth as root, or pass --node=false for the control plane only');
  const missing: string[] = [];
  for (const bin of Object.keys(packages)) {
    const found = await anyExists(env, env.path.split(delimiter).filter((d) => d !== '').map((d) => join(d, bin)));
    if (!found) missing.push(bin);
  }
  const missingPlugins: string[] = [];
  for (const p of plugins) if (!(await anyExists(env, pluginDirs.map((d) => join(d, p))))) missingPlugins.push(p);
  if (missing.length > 0 || missingPlugins.length > 0) {
    const pkgs = new Set(missing.map((m) => packages[m] ?? m));
    if (missingPlugins.length > 0) pkgs.add('containernetworking-plugins');
    const what = [...missing.map((m) => `${m} is not in PATH`), ...(missingPlugins.length ? [`CNI plugins ${missingPlugins.join(', ')} are not in ${pluginDirs.join(' or ')}`] : [])];
    problems.push(`container runtime is not ready: ${what.join('; ')}; install them: apt-get install ${[...pkgs].sort().join(' ')}`);
  }
  return problems;
}

async function anyExists(env: PreflightEnv, files: string[]): Promise<boolean> {
  for (const f of files) if (await env.exists(f)) return true;
  return false;
}

/** The real host. */
export function hostEnv(): PreflightEnv {
  return {
    uid: process.getuid?.() ?? -1,
    path: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    exists: (f) => access(f, constants.X_OK).then(() => true, () => false),
  };
}
