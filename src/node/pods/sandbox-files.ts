// The files the kubelet manages for every pod: /etc/hosts, /etc/resolv.conf and the hostname.
// Pure content builders; the worker writes them under pods/<uid>/.
import type { Pod } from '../types';

type Obj = Record<string, unknown>;

export function podHostname(pod: Pod): string {
  return (pod.spec.hostname || pod.metadata.name || '').slice(0, 63);
}

/** As the kubelet writes it (managedHostsFileContent), plus HostAliases. */
export function etcHosts(pod: Pod, podIP: string, clusterDomain = 'cluster.local'): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const host = podHostname(pod);
  const sub = pod.spec.subdomain;
  if (sub) lines.push(`${podIP}\t${host}.${sub}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}\t${host}`);
  else lines.push(`${podIP}\t${host}`);
  const aliases = Array.isArray(pod.spec['hostAliases']) ? (pod.spec['hostAliases'] as Obj[]) : [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${String(a['ip'])}\t${((a['hostnames'] as string[] | undefined) ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * There is no cluster DNS service, so every policy but None resolves like `Default`: the host's
 * resolv.conf without loopback nameservers (a host resolver on 127.x is unreachable from the pod's
 * network namespace). dnsConfig entries are added as upstream merges them.
 */
export function resolvConf(pod: Pod, hostResolvConf: string): string {
  const nameservers: string[] = [];
  const searches: string[] = [];
  const options: string[] = [];
  if (pod.spec.dnsPolicy !== 'None') {
    for (const raw of hostResolvConf.split('\n')) {
      const [kw, ...rest] = raw.trim().split(/\s+/);
      if (kw === 'nameserver' && rest[0] && !/^127\./.test(rest[0]) && rest[0] !== '::1') nameservers.push(rest[0]);
      else if (kw === 'search' || kw === 'domain') searches.push(...rest);
      else if (kw === 'options') options.push(...rest);
    }
  }
  const cfg = (pod.spec['dnsConfig'] ?? {}) as Obj;
  for (const n of (cfg['nameservers'] as string[] | undefined) ?? []) if (!nameservers.includes(n)) nameservers.push(n);
  for (const s of (cfg['searches'] as string[] | undefined) ?? []) if (!searches.includes(s)) searches.push(s);
  for (const o of (cfg['options'] as { name: string; value?: string }[] | undefined) ?? []) {
    const text = o.value !== undefined ? `${o.name}:${o.value}` : o.name;
    const i = options.findIndex((x) => x.split(':')[0] === o.name);
    if (i >= 0) options[i] = text;
    else options.push(text);
  }
  const out = [
    ...(searches.length ? [`search ${searches.slice(0, 32).join(' ')}`] : []),
    ...nameservers.slice(0, 3).map((n) => `nameserver ${n}`),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
  ];
  return out.length ? `${out.join('\n')}\n` : '';
}
