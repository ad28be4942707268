// core/v1 Service: defaulting (type, ports, policies), validation, table as printService.
// ClusterIP allocation needs cluster state and is left to the apiserver's create path.
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { type JsonObject, type KObject, isObject } from '../types';
import { age } from '../printers/age';
import { formatLabels } from '../selectors';
import { validateLabels } from '../validation/labels';
import { validateObjectMeta, validateImmutable } from '../validation/meta';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, nameIsDNS1035Label } from '../validation/names';
import { arr, col, clone, ensureObj, keepStatus, nameColumn, ageColumn, obj, str } from './common';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

const isHeadless = (spec: JsonObject): boolean => str(spec.clusterIP) === 'None';

function validatePorts(spec: JsonObject, errs: FieldError[]): void {
  const ports = arr(spec.ports).map(obj);
  const pp = new Path('spec').child('ports');
  if (ports.length === 0 && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(fe.required(pp));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const ip = pp.index(i);
    const name = str(p.name);
    if (ports.length > 1 && !name) errs.push(fe.required(ip.child('name')));
    if (name) {
      for (const m of isDNS1123Label(name)) errs.push(fe.invalid(ip.child('name'), name, m));
      if (names.has(name)) errs.push(fe.duplicate(ip.child('name'), name));
      names.add(name);
    }
    for (const m of isValidPortNum(Number(p.port))) errs.push(fe.invalid(ip.child('port'), p.port, m));
    const proto = str(p.protocol);
    if (!proto) errs.push(fe.required(ip.child('protocol')));
    else if (!PROTOCOLS.includes(proto)) errs.push(fe.notSupported(ip.child('protocol'), proto, PROTOCOLS));
    const tp = p.targetPort;
    if (typeof tp === 'number') for (const m of isValidPortNum(tp)) errs.push(fe.invalid(ip.child('targetPort'), tp, m));
    else if (typeof tp === 'string') for (const m of isValidPortName(tp)) errs.push(fe.invalid(ip.child('targetPort'), tp, m));
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') errs.push(fe.forbidden(ip.child('nodePort'), 'may not be used when `type` is \'ClusterIP\''));
      else for (const m of isValidPortNum(Number(p.nodePort))) errs.push(fe.invalid(ip.child('nodePort'), p.nodePort, m));
    }
  });
}

function validateService(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNS1035Label });
  const spec = obj(o.spec);
  const sp = new Path('spec');
  const type = str(spec.type);
  if (!TYPES.includes(type)) errs.push(fe.notSupported(sp.child('type'), type, TYPES));
  if (type === 'ExternalName') {
    const en = str(spec.externalName);
    if (!en) errs.push(fe.required(sp.child('externalName')));
    else for (const m of isDNS1123Subdomain(en.replace(/\.$/, ''))) errs.push(fe.invalid(sp.child('externalName'), en, m));
  }
  validatePorts(spec, errs);
  errs.push(...validateLabels(obj(spec.selector) as Record<string, string>, sp.child('selector')));
  const aff = str(spec.sessionAffinity);
  if (aff && aff !== 'None' && aff !== 'ClientIP') errs.push(fe.notSupported(sp.child('sessionAffinity'), aff, ['ClientIP', 'None']));
  return errs;
}

export const serviceDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'proxy'],
  generation: false,

  default(o) {
    const spec = ensureObj(o, 'spec');
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    if (spec.sessionAffinity === 'ClientIP') {
      const cfg = ensureObj(ensureObj(spec, 'sessionAffinityConfig'), 'clientIP');
      cfg.timeoutSeconds ??= 10800;
    }
    for (const p of arr(spec.ports)) {
      if (!isObject(p)) continue;
      p.protocol ??= 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
    if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
    if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
    if (typeof spec.clusterIP === 'string' && spec.clusterIP && !Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  },
  prepareForCreate(o) {
    o.status = { loadBalancer: {} };
    const spec = ensureObj(o, 'spec');
    if (spec.type !== 'ExternalName') {
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.ipFamilies ??= ['IPv4'];
    }
  },
  prepareForUpdate(o, old) {
    keepStatus(o, old);
    // Allocated values the client omitted are carried over, as the service REST layer does.
    const spec = ensureObj(o, 'spec');
    const oldSpec = obj(old.spec);
    if (spec.type === oldSpec.type && spec.type !== 'ExternalName') {
      for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (spec[k] === undefined && oldSpec[k] !== undefined) spec[k] = clone(oldSpec[k]);
      const oldPorts = arr(oldSpec.ports).map(obj);
      for (const p of arr(spec.ports)) {
        if (!isObject(p) || p.nodePort) continue;
        const match = oldPorts.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP') && q.nodePort);
        if (match && (spec.type === 'NodePort' || spec.type === 'LoadBalancer')) p.nodePort = match.nodePort;
      }
    }
  },
  prepareForStatusUpdate(o, old) {
    o.spec = clone(old.spec);
  },
  validate: validateService,
  validateUpdate(o, old) {
    const errs: FieldError[] = [];
    const spec = obj(o.spec);
    const oldSpec = obj(old.spec);
    if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName' && str(oldSpec.clusterIP)) {
      errs.push(...validateImmutable(str(spec.clusterIP), str(oldSpec.clusterIP), new Path('spec').child('clusterIP')));
    }
    return errs;
  },
  fields(o) {
    const spec = obj(o.spec);
    return { 'spec.clusterIP': str(spec.clusterIP), 'spec.type': str(spec.type) };
  },
  table: {
    columns: [
      nameColumn(),
      col('Type', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
      col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'The list of ports that are exposed by this service.'),
      ageColumn(),
      col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
    ],
    row(o, now) {
      const spec = obj(o.spec);
      const ips = arr(spec.clusterIPs).map(str);
      const clusterIP = ips[0] || str(spec.clusterIP) || '<none>';
      const ports = arr(spec.ports).map(obj).map((p) => (Number(p.nodePort) > 0 ? `${p.port}:${p.nodePort}/${str(p.protocol)}` : `${p.port}/${str(p.protocol)}`));
      return [o.metadata.name ?? '', str(spec.type), clusterIP, externalIP(o), ports.join(',') || '<none>', age(o.metadata.creationTimestamp, now), formatLabels(obj(spec.selector) as Record<string, string>)];
    },
  },
};

function externalIP(o: KObject): string {
  const spec = obj(o.spec);
  const ext = arr(spec.externalIPs).map(str);
  switch (str(spec.type)) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      // The server renders the wide form (no 16-character clipping).
      const lb = [...new Set(arr(obj(obj(o.status).loadBalancer).ingress).map(obj).map((i) => str(i.ip) || str(i.hostname)).filter(Boolean))].sort();
      if (ext.length) return [...lb, ...ext].join(',');
      return lb.length ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}
