// Container validation (name, image, ports, env, volume mounts, resources, policies).
import { type FieldError, Path, fe } from '../field-errors';
import { isObject } from '../types';
import { compareQuantity, formatQuantity, milliValue, tryParseQuantity, type Quantity } from '../quantity';
import { isDNS1123Label, isQualifiedName, isValidPortName, isValidPortNum } from '../validation/names';
import { arr, obj, str } from './common';
import { validateLocalDescendingPath } from './pod-volumes';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MSG_POLICIES = ['File', 'FallbackToLogsOnError'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function validatePorts(ports: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((raw, i) => {
    const p = obj(raw);
    const ip = path.index(i);
    const name = str(p.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(fe.invalid(ip.child('name'), name, m));
      else if (names.has(name)) errs.push(fe.duplicate(ip.child('name'), name));
      else names.add(name);
    }
    if (!p.containerPort) errs.push(fe.required(ip.child('containerPort')));
    else for (const m of isValidPortNum(Number(p.containerPort))) errs.push(fe.invalid(ip.child('containerPort'), p.containerPort, m));
    if (p.hostPort) for (const m of isValidPortNum(Number(p.hostPort))) errs.push(fe.invalid(ip.child('hostPort'), p.hostPort, m));
    const proto = str(p.protocol);
    if (!proto) errs.push(fe.required(ip.child('protocol')));
    else if (!PROTOCOLS.includes(proto)) errs.push(fe.notSupported(ip.child('protocol'), proto, PROTOCOLS));
  });
  return errs;
}

// RelaxedEnvironmentVariableValidation is on by default in 1.32.
const ENV_NAME_MSG = "a valid environment variable name must consist only of printable ASCII characters other than '='";
const isEnvVarName = (n: string): boolean => /^[\x20-\x3c\x3e-\x7e]+$/.test(n);

function validateEnv(env: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  arr(env).forEach((raw, i) => {
    const e = obj(raw);
    const ip = path.index(i);
    const name = str(e.name);
    if (!name) errs.push(fe.required(ip.child('name')));
    else if (!isEnvVarName(name)) errs.push(fe.invalid(ip.child('name'), name, ENV_NAME_MSG));
    if (isObject(e.valueFrom)) {
      const vp = ip.child('valueFrom');
      if (str(e.value)) errs.push(fe.invalid(vp, '', 'may not be specified when `value` is not empty'));
      const set = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => isObject(e.valueFrom) && e.valueFrom[k] !== undefined);
      if (set.length === 0) errs.push(fe.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (set.length > 1) errs.push(fe.invalid(vp, '', 'may not have more than one field specified at a time'));
      for (const k of ['configMapKeyRef', 'secretKeyRef']) {
        const ref = e.valueFrom[k];
        if (!isObject(ref)) continue;
        if (!str(ref.key)) errs.push(fe.required(vp.child(k).child('key')));
        if (!str(ref.name)) errs.push(fe.required(vp.child(k).child('name')));
      }
      if (isObject(e.valueFrom.fieldRef) && !str(e.valueFrom.fieldRef.fieldPath)) errs.push(fe.required(vp.child('fieldRef').child('fieldPath')));
    }
  });
  return errs;
}

function validateMounts(mounts: unknown, volumes: Set<string>, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(mounts).forEach((raw, i) => {
    const m = obj(raw);
    const ip = path.index(i);
    const name = str(m.name);
    if (!name) errs.push(fe.required(ip.child('name')));
    else if (!volumes.has(name)) errs.push(fe.notFound(ip.child('name'), name));
    const mp = str(m.mountPath);
    if (!mp) errs.push(fe.required(ip.child('mountPath')));
    else if (seen.has(mp)) errs.push(fe.invalid(ip.child('mountPath'), mp, 'must be unique'));
    seen.add(mp);
    if (str(m.subPath)) errs.push(...validateLocalDescendingPath(str(m.subPath), ip.child('subPath')));
  });
  return errs;
}

function validateResourceName(name: string, path: Path): FieldError[] {
  if (!name.includes('/')) {
    if (STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith('hugepages-')) return [];
    return [fe.invalid(path, name, 'must be a standard resource for containers')];
  }
  const errs = isQualifiedName(name).map((m) => fe.invalid(path, name, m));
  if (!errs.length && name.startsWith('requests.')) errs.push(fe.invalid(path, name, "doesn't follow extended resource name standard"));
  return errs;
}

const overcommitAllowed = (name: string): boolean => !name.includes('/') && !name.startsWith('hugepages-');

/** Parses and checks one resource list; returns the parsed quantities by name. */
function validateResourceList(list: unknown, path: Path, errs: FieldError[]): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [name, raw] of Object.entries(obj(list))) {
    const p = path.key(name);
    errs.push(...validateResourceName(name, p));
    const r = tryParseQuantity(raw);
    if (!r.ok) {
      errs.push(fe.invalid(p, raw, r.error));
      continue;
    }
    if (r.q.mant < 0n) errs.push(fe.invalid(p, formatQuantity(r.q), 'must be greater than or equal to 0'));
    else if (!overcommitAllowed(name) && name.includes('/') && milliValue(r.q) % 1000n !== 0n) errs.push(fe.invalid(p, formatQuantity(r.q), 'must be an integer'));
    out.set(name, r.q);
  }
  return out;
}

export function validateResources(res: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const r = obj(res);
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = validateResourceList(r.limits, limPath, errs);
  const requests = validateResourceList(r.requests, reqPath, errs);
  for (const [name, q] of requests) {
    const lim = limits.get(name);
    if (lim) {
      const c = compareQuantity(q, lim);
      if (c !== 0 && !overcommitAllowed(name)) {
        errs.push(fe.invalid(reqPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
      } else if (c > 0) {
        errs.push(fe.invalid(reqPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
      }
    } else if (!overcommitAllowed(name)) errs.push(fe.required(limPath, 'Limit must be set for non overcommitable resources'));
  }
  return errs;
}

/** Validates a containers/initContainers list; `names` collects names across both lists. */
export function validateContainers(list: unknown, volumes: Set<string>, path: Path, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  arr(list).forEach((raw, i) => {
    const c = obj(raw);
    const ip = path.index(i);
    const name = str(c.name);
    if (!name) errs.push(fe.required(ip.child('name')));
    else {
      for (const m of isDNS1123Label(name)) errs.push(fe.invalid(ip.child('name'), name, m));
      if (names.has(name)) errs.push(fe.duplicate(ip.child('name'), name));
      names.add(name);
    }
    const image = str(c.image);
    if (!image) errs.push(fe.required(ip.child('image')));
    else if (image.trim() !== image) errs.push(fe.invalid(ip.child('image'), image, 'must not have leading or trailing whitespace'));
    errs.push(...validatePorts(c.ports, ip.child('ports')));
    errs.push(...validateEnv(c.env, ip.child('env')));
    errs.push(...validateMounts(c.volumeMounts, volumes, ip.child('volumeMounts')));
    errs.push(...validateResources(c.resources, ip.child('resources')));
    const pull = str(c.imagePullPolicy);
    if (!pull) errs.push(fe.required(ip.child('imagePullPolicy')));
    else if (!PULL_POLICIES.includes(pull)) errs.push(fe.notSupported(ip.child('imagePullPolicy'), pull, PULL_POLICIES));
    const tmp = str(c.terminationMessagePolicy);
    if (!tmp) errs.push(fe.required(ip.child('terminationMessagePolicy'), 'must be \'File\' or \'FallbackToLogsOnError\''));
    else if (!TERMINATION_MSG_POLICIES.includes(tmp)) {
      errs.push(fe.invalid(ip.child('terminationMessagePolicy'), tmp, "must be 'File' or 'FallbackToLogsOnError'"));
    }
  });
  return errs;
}
