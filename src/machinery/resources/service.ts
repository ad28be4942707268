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
const needsClusterIP = (spec: JsonObject): boolean => spec.type !== 'ExternalName';
const needsNodePort = (spec: JsonObject): boolean => spec.type === 'NodePort' || spec.type === 'LoadBalancer';
const needsHealthCheckNodePort = (spec: JsonObject): boolean => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
/** service.ExternallyAccessible: reachable from outside through node ports, a load balancer or external IPs. */
const externallyAccessible = (spec: JsonObject): boolean => needsNodePort(spec) || (spec.type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const setNodePorts = (spec: JsonObject): Set<number> => new Set(arr(spec.ports).map(obj).map((p) => Number(p.nodePort)).filter((n) => n > 0));

/** SetDefaults_Service (pkg/apis/core/v1/defaults.go), minus the status part. */
function defaultServiceSpec(spec: JsonObject): void {
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of arr(spec.ports)) {
    if (!isObject(p)) continue;
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort == null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy == null && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(str(spec.type))) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
}

/**
 * The service strategy's dropTypeDependentFields: on a type change, values that no longer apply
 * (and that the server may have filled in) are wiped, unless the client changed them too, in
 * which case validation reports them. Released addresses and ports are free once stored.
 */
function dropTypeDependentFields(spec: JsonObject, oldSpec: JsonObject): void {
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
    if (str(spec.clusterIP) === str(oldSpec.clusterIP) && sameJson(spec.clusterIPs, oldSpec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameJson(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (sameJson(spec.ipFamilyPolicy, oldSpec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  const oldNodePorts = setNodePorts(oldSpec);
  // Ports may be added, removed or changed, as long as no net-new node port appears.
  if (needsNodePort(oldSpec) && !needsNodePort(spec) && [...setNodePorts(spec)].every((n) => oldNodePorts.has(n))) {
    for (const p of arr(spec.ports)) if (isObject(p)) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(oldSpec) && !needsHealthCheckNodePort(spec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    for (const k of ['allocateLoadBalancerNodePorts', 'loadBalancerClass']) if (spec[k] != null && spec[k] === oldSpec[k]) delete spec[k];
  }
  if (externallyAccessible(oldSpec) && !externallyAccessible(spec) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
}

/**
 * The service REST update's patchAllocatedValues: allocated values a client left out (it sent
 * back a manifest without them) are carried over, so resubmitting the same YAML succeeds.
 */
function patchAllocatedValues(spec: JsonObject, oldSpec: JsonObject): void {
  if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
    if (!str(spec.clusterIP) && oldSpec.clusterIP !== undefined) spec.clusterIP = oldSpec.clusterIP;
    if (arr(spec.clusterIPs).length === 0 && arr(oldSpec.clusterIPs).length > 0) spec.clusterIPs = clone(oldSpec.clusterIPs);
    // What allocation initialised on create (initIPFamilyFields keeps the stored values).
    for (const k of ['ipFamilies', 'ipFamilyPolicy']) if (spec[k] == null && oldSpec[k] != null) spec[k] = clone(oldSpec[k]);
  }
  if (needsNodePort(oldSpec) && needsNodePort(spec)) {
    // Matched by port name; a node port both versions already use is not handed out again.
    const newPorts = setNodePorts(spec);
    const byName = new Map(arr(oldSpec.ports).map(obj).map((p) => [str(p.name), Number(p.nodePort) || 0] as const));
    for (const p of arr(spec.ports)) {
      if (!isObject(p) || Number(p.nodePort) > 0) continue;
      const prev = byName.get(str(p.name)) ?? 0;
      if (prev > 0 && !newPorts.has(prev)) p.nodePort = prev;
    }
  }
}

function validatePorts(spec: JsonObject, errs: FieldError[]): void {
  const ports = arr(spec.ports).map(obj);
  const pp = new Path('spec').child('ports');
  if (ports.length === 0 && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(fe.required(pp));
  const names = new Set<string>();
  const nodePorts = new Set<string>();
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
      // One node port per protocol: the same number may serve TCP and UDP.
      const key = `${str(p.protocol)}/${String(p.nodePort)}`;
      if (nodePorts.has(key)) errs.push(fe.duplicate(ip.child('nodePort'), p.nodePort));
      nodePorts.add(key);
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
    // A CNAME may end in a dot (fully qualified); upstream validates and reports it without one.
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (!cname) errs.push(fe.required(sp.child('externalName')));
    else for (const m of isDNS1123Subdomain(cname)) errs.push(fe.invalid(sp.child('externalName'), cname, m));
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
    defaultServiceSpec(spec);
    if (spec.type === 'LoadBalancer') {
      // LoadBalancerIPMode is on in 1.32: an IP ingress without a mode means VIP.
      for (const ing of arr(obj(obj(o.status).loadBalancer).ingress)) if (isObject(ing) && str(ing.ip) && ing.ipMode == null) ing.ipMode = 'VIP';
    }
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
    const spec = ensureObj(o, 'spec');
    const oldSpec = obj(old.spec);
    dropTypeDependentFields(spec, oldSpec);
    // A load-balancer status means nothing once the Service is no longer a LoadBalancer.
    if (spec.type !== 'LoadBalancer') ensureObj(o, 'status').loadBalancer = {};
    patchAllocatedValues(spec, oldSpec);
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
