// The CNI network configuration list Berth feeds to Debian's plugins, and the pure helpers around
// it (CIDR arithmetic, per-plugin stdin as libcni builds it, result parsing).
import type { PortMapping } from '../types';

export const CNI_VERSION = '1.0.0';

export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [k: string]: unknown;
}

export interface ConfList {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
}

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIpv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parses "10.244.0.0/24"; throws naming the fix for anything a bridge network cannot use. */
export function parseCidr(cidr: string): Ipv4Cidr {
  const [addr, len, extra] = cidr.split('/');
  const ip = addr === undefined ? undefined : parseIpv4(addr);
  const prefix = len !== undefined && /^\d+$/.test(len) ? Number(len) : NaN;
  if (ip === undefined || extra !== undefined || !(prefix >= 8 && prefix <= 30)) {
    throw new Error(`Cannot use pod CIDR "${cidr}": expected an IPv4 network with a prefix from /8 to /30; set podCIDR like "10.244.0.0/24"`);
  }
  const size = 2 ** (32 - prefix);
  if (ip % size !== 0) {
    throw new Error(`Cannot use pod CIDR "${cidr}": host bits are set; use ${formatIpv4(ip - (ip % size))}/${prefix}`);
  }
  return { base: ip, prefix };
}

/** The bridge's own address: the first host of the pod CIDR (".1"). */
export function gatewayOf(cidr: string): string {
  return formatIpv4(parseCidr(cidr).base + 1);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const n = parseIpv4(ip);
  return n !== undefined && n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

/** One network per bridge, so two Berths on one host never share IPAM state or chain names. */
export function networkName(bridge: string): string {
  return `berth-${bridge}`;
}

export function buildConfList(opts: { bridge: string; podCIDR: string; ipamDataDir: string; hostPorts?: boolean }): ConfList {
  return {
    cniVersion: CNI_VERSION,
    name: networkName(opts.bridge),
    plugins: [
      {
        type: 'bridge',
        bridge: opts.bridge,
        isGateway: true,
        // One node-wide masquerade rule (host-rules.ts) instead of the plugin's chain per pod: each
        // iptables call takes the xtables lock, and pods starting together queued on it.
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: opts.podCIDR, gateway: gatewayOf(opts.podCIDR) }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: opts.ipamDataDir,
        },
      },
      // Only pods with hostPorts need portmap; snat makes hairpin (pod → own hostPort) and
      // host-local (127.0.0.1:hostPort) traffic return.
      ...(opts.hostPorts === false ? [] : [{ type: 'portmap', capabilities: { portMappings: true }, snat: true }]),
      // Chained loopback passes the bridge result through and brings lo up in the pod.
      { type: 'loopback' },
    ],
  };
}

/** runtimeConfig.portMappings as the portmap plugin reads it (only ports that ask for a hostPort). */
export function portMappingsArg(ports: readonly PortMapping[]): Record<string, unknown>[] {
  return ports
    .filter((p) => p.hostPort > 0 && p.containerPort > 0)
    .map((p) => ({
      hostPort: p.hostPort,
      containerPort: p.containerPort,
      protocol: p.protocol.toLowerCase(),
      ...(p.hostIP && p.hostIP !== '0.0.0.0' ? { hostIP: p.hostIP } : {}),
    }));
}

/**
 * The stdin of one plugin in the chain, as libcni builds it: the list's name and version, the
 * previous plugin's result, and only the runtime arguments the plugin declared a capability for.
 */
export function pluginStdin(
  list: ConfList,
  plugin: PluginConf,
  capabilityArgs: Record<string, unknown>,
  prevResult: unknown,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
    if (on && capabilityArgs[cap] !== undefined) runtimeConfig[cap] = capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  if (prevResult !== undefined) conf.prevResult = prevResult;
  return conf;
}

/** CNI_ARGS as the kubelet passes them (IgnoreUnknown lets plugins skip the keys they do not know). */
export function cniArgs(pod: { uid: string; namespace: string; name: string }): string {
  return [
    'IgnoreUnknown=1',
    `K8S_POD_NAMESPACE=${pod.namespace}`,
    `K8S_POD_NAME=${pod.name}`,
    `K8S_POD_INFRA_CONTAINER_ID=${pod.uid}`,
    `K8S_POD_UID=${pod.uid}`,
  ].join(';');
}

/** The pod's IPv4 address from a CNI result (1.0.0 or 0.4.0 shape), without the prefix length. */
export function resultIpv4(result: unknown): string | undefined {
  const ips = (result as { ips?: unknown } | null)?.ips;
  if (!Array.isArray(ips)) return undefined;
  for (const entry of ips) {
    const address = (entry as { address?: unknown }).address;
    if (typeof address !== 'string') continue;
    const ip = address.split('/')[0] ?? '';
    if (parseIpv4(ip) !== undefined) return ip;
  }
  return undefined;
}
