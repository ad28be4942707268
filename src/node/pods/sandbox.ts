// The pod sandbox: shared net/ipc/uts namespaces (from the PodNetworkProvider), the pod IP, and
// the files every container mounts (etc-hosts, resolv.conf, hostname). sandbox.json records it
// so a restarted agent re-adopts the sandbox instead of making another.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortMapping, Pod, SandboxNamespaces } from '../types';
import type { PodDeps } from './deps';
import { etcHosts, podHostname, resolvConf } from './sandbox-files';

export interface Sandbox {
  ns: SandboxNamespaces;
  podIP: string;
  /** The host's boot id when the sandbox was made (absent in sandboxes from older agents). */
  bootId?: string;
}

/** True when the sandbox was made before the last reboot (its namespace mounts and veth are gone). */
export function staleSandbox(s: Sandbox, bootId: string): boolean {
  return s.bootId !== undefined && bootId !== '' && s.bootId !== bootId;
}

export async function readSandbox(podDir: string): Promise<Sandbox | undefined> {
  try {
    return JSON.parse(await readFile(join(podDir, 'sandbox.json'), 'utf8')) as Sandbox;
  } catch {
    return undefined;
  }
}

function portMappings(pod: Pod): PortMapping[] {
  return pod.spec.containers.flatMap((c) =>
    (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({
      containerPort: p.containerPort,
      hostPort: p.hostPort ?? 0,
      protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'],
      ...(p.hostIP ? { hostIP: p.hostIP } : {}),
    })),
  );
}

export async function createSandbox(deps: PodDeps, pod: Pod, podDir: string): Promise<Sandbox> {
  await mkdir(podDir, { recursive: true });
  const hostname = podHostname(pod);
  const ns = await deps.network.createNamespaces(join(podDir, 'ns'), hostname);
  // hostNetwork pods are not wired: they use the node's address.
  const { ip } = pod.spec.hostNetwork
    ? { ip: deps.network.hostIP }
    : await deps.network.setUp({ uid: pod.metadata.uid ?? '', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', portMappings: portMappings(pod) }, ns);
  await writeFile(join(podDir, 'etc-hosts'), etcHosts(pod, ip));
  await writeFile(join(podDir, 'resolv.conf'), resolvConf(pod, await deps.hostResolvConf()));
  await writeFile(join(podDir, 'hostname'), `${hostname}\n`);
  const sandbox: Sandbox = { ns, podIP: ip, ...(deps.runtime.bootId ? { bootId: deps.runtime.bootId } : {}) };
  await writeFile(join(podDir, 'sandbox.json'), JSON.stringify(sandbox));
  return sandbox;
}
