// --listen: the address to bind, the names the serving certificate must carry, and the address
// the `kubernetes` Endpoints and the kubeconfig point at.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

export interface Listen {
  host: string;
  port: number;
  /** Bound to every interface. */
  wildcard: boolean;
}

export function parseListen(v: string): Listen {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(v);
  if (!m) throw new Error(`--listen "${v}" is not HOST:PORT (e.g. 127.0.0.1:6443)`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`--listen "${v}": port must be 0-65535`);
  const host = m[1] || '0.0.0.0';
  return { host, port, wildcard: host === '0.0.0.0' || host === '::' };
}

/** The kubernetes Service's ClusterIP and names: in-cluster clients reach the API through them. */
const serviceNames = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
const serviceIp = '10.96.0.1';

export interface ServingNames {
  hostnames: string[];
  ips: string[];
  /** The IP the kubernetes Endpoints name (the advertise address). */
  advertise: string;
}

/** Resolves a host name before anything is written, so a typo fails fast and names the fix. */
export async function servingNames(l: Listen): Promise<ServingNames> {
  const hostnames = [hostname(), ...serviceNames];
  const ips = [serviceIp];
  if (l.wildcard) {
    // Remote clients reach a wildcard bind through the machine's own addresses.
    const own = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((a) => !a.internal).map((a) => a.address);
    return { hostnames, ips: [...ips, ...own], advertise: own.find((a) => isIP(a) === 4) ?? '127.0.0.1' };
  }
  if (isIP(l.host)) return { hostnames, ips: [...ips, l.host], advertise: l.host };
  let address: string;
  try {
    address = (await lookup(l.host)).address;
  } catch (err) {
    throw new Error(`--listen host "${l.host}" does not resolve to an address; pass an IP such as 127.0.0.1`, { cause: err });
  }
  return { hostnames: [...hostnames, l.host], ips: [...ips, address], advertise: address };
}

/** How clients on this machine reach the server. */
export function clientUrl(l: Listen, port: number): string {
  const host = l.wildcard ? '127.0.0.1' : l.host.includes(':') ? `[${l.host}]` : l.host;
  return `https://${host}:${port}`;
}
