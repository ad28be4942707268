// Service IP and node-port allocation (kube-apiserver's service REST storage does this on
// create and update): a ClusterIP from the service CIDR and node ports from 30000-32767, never
// reused while another Service holds them.
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

export interface Used {
  ips: Set<number>;
  ports: Set<number>;
}

type Spec = Record<string, unknown>;
const specOf = (svc: KObject): Spec => (isObject(svc.spec) ? svc.spec : {});
const typeOf = (spec: Spec): string => (typeof spec.type === 'string' && spec.type ? spec.type : 'ClusterIP');
const needsNodePort = (spec: Spec): boolean => typeOf(spec) === 'NodePort' || typeOf(spec) === 'LoadBalancer';
const invalid = (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, value, hasValue: true, detail });

/** A requested or the first free ClusterIP (plus the single-stack IPv4 family fields). */
function allocateClusterIP(spec: Spec, used: Used, errs: FieldError[]): void {
  const wanted = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
  if (wanted === 'None') {
    spec.clusterIPs = ['None'];
  } else if (wanted) {
    const n = ipToInt(wanted);
    const offset = n === undefined ? -1 : n - (serviceCidr.base >>> 0);
    if (n === undefined || offset <= 0 || offset >= serviceCidr.size - 1) {
      errs.push(invalid('spec.clusterIPs', [wanted], `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`));
    } else if (used.ips.has(n)) {
      errs.push(invalid('spec.clusterIPs', [wanted], `failed to allocate IP ${wanted}: provided IP is already allocated`));
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

/**
 * Node ports for every port of a NodePort/LoadBalancer service. `own` are the ports the stored
 * version already holds (kept without a check, as upstream's updateNodePorts does). Requested
 * ports are reserved before any is picked, so a pick never takes one asked for further down.
 */
function allocateNodePorts(spec: Spec, used: Used, own: ReadonlySet<number>, errs: FieldError[]): void {
  // allocateLoadBalancerNodePorts: false only stops new picks; requested ports are still honoured.
  const pick = !(typeOf(spec) === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === false);
  const ports = (Array.isArray(spec.ports) ? spec.ports : []).map((p: unknown, i) => ({ p, i })).filter((x): x is { p: Spec; i: number } => isObject(x.p));
  const requested = new Set<number>();
  for (const { p, i } of ports) {
    const np = typeof p.nodePort === 'number' ? p.nodePort : 0;
    // A number repeated within the service is left to validation (Duplicate value).
    if (!np || own.has(np) || requested.has(np)) continue;
    requested.add(np);
    if (np < nodePortRange.min || np > nodePortRange.max) {
      errs.push(invalid(`spec.ports[${i}].nodePort`, np, `provided port is not in the valid range. The range of valid ports is ${nodePortRange.min}-${nodePortRange.max}`));
    } else if (used.ports.has(np)) {
      errs.push(invalid(`spec.ports[${i}].nodePort`, np, 'provided port is already allocated'));
    } else used.ports.add(np);
  }
  if (!pick) return;
  for (const { p } of ports) {
    if (typeof p.nodePort === 'number' && p.nodePort) continue;
    let port = nodePortRange.min;
    while (port <= nodePortRange.max && (used.ports.has(port) || own.has(port))) port++;
    if (port > nodePortRange.max) throw errors.internal(new Error('failed to allocate a nodePort: range is full'));
    used.ports.add(port);
    p.nodePort = port;
  }
}

/** Pure: fills clusterIP(s) and nodePorts of a new Service, or returns the field errors upstream gives. */
export function allocate(svc: KObject, used: Used): FieldError[] {
  const spec = specOf(svc);
  const errs: FieldError[] = [];
  if (typeOf(spec) !== 'ExternalName') allocateClusterIP(spec, used, errs);
  if (needsNodePort(spec)) allocateNodePorts(spec, used, new Set(), errs);
  svc.spec = spec;
  return errs;
}

/**
 * Pure: what the service REST update allocates (allocateUpdate). `used` must not include what
 * `old` holds. Leaving ExternalName gets a ClusterIP; a NodePort/LoadBalancer service gets a node
 * port for each port without one (after a type change, or for added ports), and a newly requested
 * one is checked against other services. The ClusterIP itself is immutable (validateUpdate), and
 * what the new version no longer holds is free once it is stored.
 */
export function allocateUpdate(svc: KObject, old: KObject, used: Used): FieldError[] {
  const spec = specOf(svc);
  const errs: FieldError[] = [];
  if (typeOf(specOf(old)) === 'ExternalName' && typeOf(spec) !== 'ExternalName') allocateClusterIP(spec, used, errs);
  if (needsNodePort(spec)) allocateNodePorts(spec, used, usedBy([old]).ports, errs);
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
  // Writes are serialized, and what was just handed out stays reserved until the Service is
  // stored, so two concurrent writes never get the same address.
  let chain: Promise<unknown> = Promise.resolve();
  const recentIps: number[] = [];
  const recentPorts: number[] = [];
  const remember = (list: number[], values: Iterable<number>) => {
    for (const v of values) list.push(v);
    list.splice(0, Math.max(0, list.length - 256));
  };
  return {
    name: 'ServiceIPAllocator',
    admit({ op, def, obj, old, store, dryRun }) {
      if ((op !== 'create' && op !== 'update') || def.group !== '' || def.plural !== 'services') return Promise.resolve();
      const svcDef = registry.lookup('', 'v1', 'services');
      const run = chain.then(async () => {
        if (!svcDef) return;
        const all = (await store.list(svcDef, undefined)).items;
        // An update competes with every other Service, never with what it holds itself.
        const isSelf = (s: KObject) => !!old && s.metadata.namespace === old.metadata.namespace && s.metadata.name === old.metadata.name;
        const own = usedBy(old ? [old] : []);
        const used = usedBy(all.filter((s) => !isSelf(s)));
        for (const ip of recentIps) if (!own.ips.has(ip)) used.ips.add(ip);
        for (const port of recentPorts) if (!own.ports.has(port)) used.ports.add(port);
        const errs = old ? allocateUpdate(obj, old, used) : allocate(obj, used);
        if (errs.length) throw errors.invalid('Service', '', obj.metadata.name ?? '', errs);
        // A dry run stores nothing, and neither does a write its validation will reject
        // (checked here already), so neither reserves what it was given.
        const rejected = (def.validate?.(obj) ?? []).length > 0 || (!!old && (def.validateUpdate?.(obj, old) ?? []).length > 0);
        if (dryRun || rejected) return;
        const mine = usedBy([obj]);
        remember(recentIps, [...mine.ips].filter((x) => !own.ips.has(x)));
        remember(recentPorts, [...mine.ports].filter((x) => !own.ports.has(x)));
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
