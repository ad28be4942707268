// HorizontalPodAutoscaler validation (autoscaling/validation), run on the v2 form.
import { type FieldError, Path, fe } from '../field-errors';
import { signQuantity, tryParseQuantity } from '../quantity';
import { type JsonObject, isObject } from '../types';
import { isDNS1123Label, isValidPathSegmentName } from '../validation/names';
import { asArr, asNum, asStr, dig } from './storage-apps-util';

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_SECONDS = 3600;
const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
const SOURCE_KEY: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };

function validateRef(ref: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['kind', 'name']) {
    const v = asStr(dig(ref, k)) ?? '';
    if (!v) errs.push(fe.required(path.child(k)));
    else for (const m of isValidPathSegmentName(v)) errs.push(fe.invalid(path.child(k), v, m));
  }
  return errs;
}

function validateIdentifier(id: unknown, path: Path): FieldError[] {
  const name = asStr(dig(id, 'name')) ?? '';
  if (!name) return [fe.required(path.child('name'), 'must specify a metric name')];
  return isValidPathSegmentName(name).map((m) => fe.invalid(path.child('name'), name, m));
}

const positive = (q: unknown): boolean => {
  const r = tryParseQuantity(q);
  return r.ok && signQuantity(r.q) === 1;
};

function validateTarget(t: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const type = asStr(dig(t, 'type')) ?? '';
  if (!type) errs.push(fe.required(path.child('type'), 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) errs.push(fe.invalid(path.child('type'), type, 'must be either Utilization, Value, or AverageValue'));
  for (const k of ['value', 'averageValue']) {
    const q = dig(t, k);
    if (q !== undefined && !positive(q)) errs.push(fe.invalid(path.child(k), String(q), 'must be positive'));
  }
  const util = asNum(dig(t, 'averageUtilization'));
  if (util !== undefined && util < 1) errs.push(fe.invalid(path.child('averageUtilization'), util, 'must be greater than 0'));
  return errs;
}

const has = (src: JsonObject, ...p: string[]): boolean => dig(src, ...p) !== undefined && dig(src, ...p) !== null;

function validateSource(key: string, src: JsonObject, path: Path): FieldError[] {
  const tp = path.child('target');
  const errs: FieldError[] = [];
  if (key === 'object') errs.push(...validateRef(src['describedObject'], path.child('describedObject')));
  if (key === 'object' || key === 'external' || key === 'pods') errs.push(...validateIdentifier(src['metric'], path.child('metric')));
  if (key === 'resource' || key === 'containerResource') {
    const name = asStr(src['name']) ?? '';
    if (!name) errs.push(fe.required(path.child('name'), 'must specify a resource name'));
    else if (key === 'containerResource' && !name.includes('/') && !['cpu', 'memory', 'ephemeral-storage'].includes(name) && !name.startsWith('hugepages-')) {
      errs.push(fe.invalid(path.child('name'), name, 'must be a standard resource for containers'));
    }
  }
  if (key === 'containerResource') {
    const c = asStr(src['container']) ?? '';
    if (!c) errs.push(fe.required(path.child('container'), 'must specify a container'));
    else for (const m of isDNS1123Label(c)) errs.push(fe.invalid(path.child('container'), c, m));
  }
  errs.push(...validateTarget(src['target'], tp));
  const value = has(src, 'target', 'value');
  const avg = has(src, 'target', 'averageValue');
  const util = has(src, 'target', 'averageUtilization');
  if (key === 'object' && !value && !avg) errs.push(fe.required(tp.child('averageValue'), 'must set either a target value or averageValue'));
  if (key === 'external') {
    if (!value && !avg) errs.push(fe.required(tp.child('averageValue'), 'must set either a target value for metric or a per-pod target'));
    if (value && avg) errs.push(fe.forbidden(tp.child('value'), 'may not set both a target value for metric and a per-pod target'));
  }
  if (key === 'pods' && !avg) errs.push(fe.required(tp.child('averageValue'), 'must specify a positive target averageValue'));
  if (key === 'resource' || key === 'containerResource') {
    if (!util && !avg) errs.push(fe.required(tp.child('averageUtilization'), 'must set either a target raw value or a target utilization'));
    if (util && avg) errs.push(fe.forbidden(tp.child('averageValue'), 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

function validateMetric(m: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const type = asStr(dig(m, 'type')) ?? '';
  if (!type) errs.push(fe.required(path.child('type'), 'must specify a metric source type'));
  if (!METRIC_TYPES.includes(type)) errs.push(fe.notSupported(path.child('type'), type, METRIC_TYPES));
  // Only the first populated source (in upstream's check order) is validated.
  const present = ['object', 'external', 'pods', 'resource', 'containerResource'].filter((k) => isObject(dig(m, k)));
  const first = present[0];
  if (first !== undefined) errs.push(...validateSource(first, dig(m, first) as JsonObject, path.child(first)));
  const expected = SOURCE_KEY[type];
  if (expected === undefined) errs.push(fe.notSupported(path.child('type'), type, METRIC_TYPES));
  else if (!present.includes(expected)) errs.push(fe.required(path.child(expected), 'must populate information for the given metric source'));
  if (present.length !== 1) {
    for (const k of present) if (k !== expected) errs.push(fe.forbidden(path.child(k), 'must populate the given metric source only'));
  }
  return errs;
}

function validateRules(rules: unknown, path: Path): FieldError[] {
  if (!isObject(rules)) return [];
  const errs: FieldError[] = [];
  const sw = asNum(rules['stabilizationWindowSeconds']);
  if (sw !== undefined && sw < 0) errs.push(fe.invalid(path.child('stabilizationWindowSeconds'), sw, 'must be greater than or equal to zero'));
  if (sw !== undefined && sw > MAX_STABILIZATION_SECONDS) {
    errs.push(fe.invalid(path.child('stabilizationWindowSeconds'), sw, `must be less than or equal to ${MAX_STABILIZATION_SECONDS}`));
  }
  const sp = rules['selectPolicy'];
  if (sp !== undefined && sp !== null && !SELECT_POLICIES.includes(String(sp))) errs.push(fe.notSupported(path.child('selectPolicy'), sp, SELECT_POLICIES));
  const pp = path.child('policies');
  const policies = asArr(rules['policies']);
  if (policies.length === 0) errs.push(fe.required(pp, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const ip = pp.index(i);
    const type = asStr(dig(p, 'type')) ?? '';
    if (!POLICY_TYPES.includes(type)) errs.push(fe.notSupported(ip.child('type'), type, POLICY_TYPES));
    const value = asNum(dig(p, 'value')) ?? 0;
    if (value <= 0) errs.push(fe.invalid(ip.child('value'), value, 'must be greater than zero'));
    const period = asNum(dig(p, 'periodSeconds')) ?? 0;
    if (period <= 0) errs.push(fe.invalid(ip.child('periodSeconds'), period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) errs.push(fe.invalid(ip.child('periodSeconds'), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/**
 * validateHorizontalPodAutoscalerSpec. `minLowerBound` is 1 (HPAScaleToZero is alpha, off),
 * or 0 on updates of an autoscaler that already has minReplicas 0.
 */
export function validateHpaSpec(spec: JsonObject, minLowerBound: number, path = new Path('spec')): FieldError[] {
  const errs: FieldError[] = [];
  const min = asNum(spec['minReplicas']);
  const max = asNum(spec['maxReplicas']) ?? 0;
  if (min !== undefined && min < minLowerBound) errs.push(fe.invalid(path.child('minReplicas'), min, `must be greater than or equal to ${minLowerBound}`));
  if (max < 1) errs.push(fe.invalid(path.child('maxReplicas'), max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(fe.invalid(path.child('maxReplicas'), max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateRef(spec['scaleTargetRef'], path.child('scaleTargetRef')));
  const metrics = asArr(spec['metrics']);
  metrics.forEach((m, i) => errs.push(...validateMetric(m, path.child('metrics').index(i))));
  if (min === 0 && !metrics.some((m) => ['Object', 'External'].includes(String(dig(m, 'type'))))) {
    errs.push(fe.forbidden(path.child('metrics'), 'must specify at least one Object or External metric to support scaling to zero replicas'));
  }
  const behavior = spec['behavior'];
  if (isObject(behavior)) {
    errs.push(...validateRules(behavior['scaleUp'], path.child('behavior', 'scaleUp')));
    errs.push(...validateRules(behavior['scaleDown'], path.child('behavior', 'scaleDown')));
  }
  return errs;
}
