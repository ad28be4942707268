// Service IP and node-port allocation (kube-apiserver's service REST storage does this on
// create): a ClusterIP from the service CIDR and node ports from 30000-32767, never reused while
// another Service holds them.
import { errors } from '../../machinery/errors';
import type { FieldError } from '../../machinery/field-errors';
import { isObject, type KObject } from '../../machinery/types';
import type { Registry } from '../registry';
import type { Admission } from './admission';

/** 10.96.0.0/12, the kubeadm default; .1 is the kubernetes Service. */
export const serviceCidr = { base: (10 << 24) | (96 << 16), size: 1 << 20 };
export const nodePortRange = { min: 30000, max: 32767 };

const ipToInt = (ip: string): number | undefined => {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
};
const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

interface Used {
  ips: Set<number>;
  ports: Set<number>;
}

/** Pure: fills clusterIP(s) and nodePorts, or returns the field errors upstream gives. */
export function allocate(svc: KObject, used: Used): FieldError[] {
  const spec = (isObject(svc.spec) ? svc.spec : {}) as Record<string, unknown>;
  const errs: FieldError[] = [];
  const type = (spec.type as string | undefined) ?? 'ClusterIP';
  if (type !== 'ExternalName') {
    const wanted = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
    if (wanted === 'None') {
      spec.clusterIPs = ['None'];
    } else if (wanted) {
      const n = ipToInt(wanted);
      const offset = n === undefined ? -1 : n - (serviceCidr.base >>> 0);
      if (n === undefined || offset <= 0 || offset >= serviceCidr.size - 1) {
        errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: [wanted], hasValue: true, detail: `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is 10.96.0.0/12` });
      } else if (used.ips.has(n)) {
        errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: [wanted], hasValue: true, detail: `failed to allocate IP ${wanted}: provided IP is already allocated` });
      } else {
        used.ips.add(n);
        spec.clusterIPs = [wanted];
      }
    } else {
      const base = serviceCidr.base >>> 0;
      let chosen: number | undefined;
      for (let off = 10; off < serviceCidr.size - 1 && chosen === undefined; off++) if (!used.ips.has(base + off)) chosen = base + off;
      if (chosen === undefined) throw errors.internal(new Error('failed to allocate a serviceIP: range is full'));
      used.ips.add(chosen);
      spec.clusterIP = intToIp(chosen);
      spec.clusterIPs = [spec.clusterIP];
    }
    if (spec.clusterIP !== 'None' || spec.ipFamilies === undefined) {
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
  }
  if (type === 'NodePort' || type === 'LoadBalancer') {
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    ports.forEach((p: unknown, i) => {
      if (!isObject(p)) return;
      const np = typeof p.nodePort === 'number' ? p.nodePort : 0;
      if (np) {
        if (np < nodePortRange.min || np > nodePortRange.max) {
          errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, value: np, hasValue: true, detail: `provided port is not in the valid range. The range of valid ports is ${nodePortRange.min}-${nodePortRange.max}` });
        } else if (used.ports.has(np)) {
          errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, value: np, hasValue: true, detail: 'provided port is already allocated' });
        } else used.ports.add(np);
        return;
      }
      for (let port = nodePortRange.min; port <= nodePortRange.max; port++) {
        if (!used.ports.has(port)) {
          used.ports.add(port);
          p.nodePort = port;
          return;
        }
      }
      throw errors.internal(new Error('failed to allocate a nodePort: range is full'));
    });
  }
  svc.spec = spec;
  return errs;
}

export function usedBy(services: KObject[]): Used {
  const used: Used = { ips: new Set(), ports: new Set() };
  for (const s of services) {
    const spec = isObject(s.spec) ? s.spec : {};
    const ip = typeof spec.clusterIP === 'string' ? ipToInt(spec.clusterIP) : undefined;
    if (ip !== undefined) used.ips.add(ip);
    for (const p of Array.isArray(spec.ports) ? spec.ports : []) if (isObject(p) && typeof p.nodePort === 'number') used.ports.add(p.nodePort);
  }
  return used;
}

export function serviceAllocator(registry: Registry): Admission {
  // Creates are serialized, and what was just handed out stays reserved until the Service is
  // stored, so two concurrent creates never get the same address.
  let chain: Promise<unknown> = Promise.resolve();
  const recentIps: number[] = [];
  const recentPorts: number[] = [];
  const remember = (list: number[], values: Iterable<number>) => {
    for (const v of values) list.push(v);
    list.splice(0, Math.max(0, list.length - 256));
  };
  return {
    name: 'ServiceIPAllocator',
    admit({ op, def, obj, store }) {
      if (op !== 'create' || def.group !== '' || def.plural !== 'services') return Promise.resolve();
      const svcDef = registry.lookup('', 'v1', 'services');
      const run = chain.then(async () => {
        if (!svcDef) return;
        const used = usedBy((await store.list(svcDef, undefined)).items);
        for (const ip of recentIps) used.ips.add(ip);
        for (const port of recentPorts) used.ports.add(port);
        const before = usedBy([]);
        const errs = allocate(obj, used);
        const mine = usedBy([obj]);
        remember(recentIps, [...mine.ips].filter((x) => !before.ips.has(x)));
        remember(recentPorts, mine.ports);
        if (errs.length) throw errors.invalid('Service', '', obj.metadata.name ?? '', errs);
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
