// autoscaling/v2 (stored) <-> autoscaling/v1, as upstream converts through its internal type:
// the CPU utilization metric maps to targetCPUUtilizationPercentage, and whatever v1 cannot
// express travels in round-trip annotations so a v1 read-modify-write loses nothing.
import { type JsonObject, type KObject, isObject } from '../types';
import { asArr, asNum, asObj, asStr, dig } from './storage-apps-util';

export const ANN_METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
export const ANN_CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const ANN_CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
export const ANN_BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [ANN_METRICS, ANN_CURRENT_METRICS, ANN_CONDITIONS, ANN_BEHAVIOR];

/** Drops round-trip annotations (upstream never stores them); returns the remaining map or undefined. */
export function dropRoundTripAnnotations(ann: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!ann) return undefined;
  const out = { ...ann };
  for (const k of ROUND_TRIP) delete out[k];
  return out;
}

/** Sets only defined values, in call order, so JSON key order follows Go's struct order. */
function put(o: JsonObject, key: string, v: unknown): JsonObject {
  if (v !== undefined && v !== null) o[key] = v;
  return o;
}

const ref = (r: unknown): JsonObject =>
  put({ kind: asStr(dig(r, 'kind')) ?? '', name: asStr(dig(r, 'name')) ?? '' }, 'apiVersion', asStr(dig(r, 'apiVersion')) || undefined);

const isCpuUtilization = (m: unknown): boolean =>
  dig(m, 'type') === 'Resource' && dig(m, 'resource', 'name') === 'cpu' && dig(m, 'resource', 'target', 'averageUtilization') !== undefined;

// ---- v2 -> v1 shapes (autoscaling/v1 MetricSpec / MetricStatus, the old v2beta1 layout) ----

function specToV1(m: unknown): JsonObject {
  const t = asStr(dig(m, 'type')) ?? '';
  const out: JsonObject = { type: t };
  const o = asObj(dig(m, 'object'));
  if (o) {
    const src = put({ target: ref(o['describedObject']), metricName: dig(o, 'metric', 'name') ?? '' }, 'targetValue', dig(o, 'target', 'value') ?? '0');
    put(src, 'selector', dig(o, 'metric', 'selector'));
    out['object'] = put(src, 'averageValue', dig(o, 'target', 'averageValue'));
  }
  const p = asObj(dig(m, 'pods'));
  if (p) out['pods'] = put({ metricName: dig(p, 'metric', 'name') ?? '', targetAverageValue: dig(p, 'target', 'averageValue') ?? '0' }, 'selector', dig(p, 'metric', 'selector'));
  for (const key of ['resource', 'containerResource']) {
    const r = asObj(dig(m, key));
    if (!r) continue;
    const src = put({ name: r['name'] ?? '' }, 'targetAverageUtilization', dig(r, 'target', 'averageUtilization'));
    put(src, 'targetAverageValue', dig(r, 'target', 'averageValue'));
    out[key] = key === 'containerResource' ? put(src, 'container', r['container'] ?? '') : src;
  }
  const e = asObj(dig(m, 'external'));
  if (e) {
    const src = put({ metricName: dig(e, 'metric', 'name') ?? '' }, 'metricSelector', dig(e, 'metric', 'selector'));
    put(src, 'targetValue', dig(e, 'target', 'value'));
    out['external'] = put(src, 'targetAverageValue', dig(e, 'target', 'averageValue'));
  }
  return out;
}

function statusToV1(m: unknown): JsonObject {
  const out: JsonObject = { type: asStr(dig(m, 'type')) ?? '' };
  const o = asObj(dig(m, 'object'));
  if (o) {
    const src = { target: ref(o['describedObject']), metricName: dig(o, 'metric', 'name') ?? '', currentValue: dig(o, 'current', 'value') ?? '0' };
    put(src, 'selector', dig(o, 'metric', 'selector'));
    out['object'] = put(src, 'averageValue', dig(o, 'current', 'averageValue'));
  }
  const p = asObj(dig(m, 'pods'));
  if (p) out['pods'] = put({ metricName: dig(p, 'metric', 'name') ?? '', currentAverageValue: dig(p, 'current', 'averageValue') ?? '0' }, 'selector', dig(p, 'metric', 'selector'));
  for (const key of ['resource', 'containerResource']) {
    const r = asObj(dig(m, key));
    if (!r) continue;
    const src = put({ name: r['name'] ?? '' }, 'currentAverageUtilization', dig(r, 'current', 'averageUtilization'));
    src['currentAverageValue'] = dig(r, 'current', 'averageValue') ?? '0';
    out[key] = key === 'containerResource' ? put(src, 'container', r['container'] ?? '') : src;
  }
  const e = asObj(dig(m, 'external'));
  if (e) {
    const src = put({ metricName: dig(e, 'metric', 'name') ?? '' }, 'metricSelector', dig(e, 'metric', 'selector'));
    src['currentValue'] = dig(e, 'current', 'value') ?? '0';
    out['external'] = put(src, 'currentAverageValue', dig(e, 'current', 'averageValue'));
  }
  return out;
}

const condition = (c: unknown): JsonObject => {
  const out: JsonObject = { type: dig(c, 'type') ?? '', status: dig(c, 'status') ?? '' };
  out['lastTransitionTime'] = dig(c, 'lastTransitionTime') ?? null;
  put(out, 'reason', dig(c, 'reason') || undefined);
  return put(out, 'message', dig(c, 'message') || undefined);
};

// The behavior annotation marshals upstream's internal type, which has no JSON tags.
function rulesToInternal(r: unknown): JsonObject | null {
  if (!isObject(r)) return null;
  const policies = Array.isArray(r['policies'])
    ? r['policies'].map((p) => ({ Type: dig(p, 'type') ?? '', Value: dig(p, 'value') ?? 0, PeriodSeconds: dig(p, 'periodSeconds') ?? 0 }))
    : null;
  return { StabilizationWindowSeconds: r['stabilizationWindowSeconds'] ?? null, SelectPolicy: r['selectPolicy'] ?? null, Policies: policies };
}

/** Go's json decoding matches field names case-insensitively. */
function field(o: unknown, name: string): unknown {
  if (!isObject(o)) return undefined;
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function rulesFromInternal(r: unknown): JsonObject | undefined {
  if (!isObject(r)) return undefined;
  const out: JsonObject = {};
  put(out, 'stabilizationWindowSeconds', field(r, 'StabilizationWindowSeconds'));
  put(out, 'selectPolicy', field(r, 'SelectPolicy'));
  const pol = field(r, 'Policies');
  if (Array.isArray(pol)) out['policies'] = pol.map((p) => ({ type: field(p, 'Type') ?? '', value: field(p, 'Value') ?? 0, periodSeconds: field(p, 'PeriodSeconds') ?? 0 }));
  return out;
}

/** Stored autoscaling/v2 object -> autoscaling/v1. */
export function hpaToV1(obj: KObject): KObject {
  const spec = asObj(obj['spec']) ?? {};
  const status = asObj(obj['status']) ?? {};
  const metrics = asArr(spec['metrics']);
  const ann: Record<string, string> = dropRoundTripAnnotations(obj.metadata.annotations) ?? {};
  const other = metrics.filter((m) => !isCpuUtilization(m)).map(specToV1);
  if (other.length > 0) ann[ANN_METRICS] = JSON.stringify(other);
  const current = asArr(status['currentMetrics']);
  if (current.length > 0) ann[ANN_CURRENT_METRICS] = JSON.stringify(current.map(statusToV1));
  if (isObject(spec['behavior'])) {
    const b = spec['behavior'];
    ann[ANN_BEHAVIOR] = JSON.stringify({ ScaleUp: rulesToInternal(b['scaleUp']), ScaleDown: rulesToInternal(b['scaleDown']) });
  }
  const conds = asArr(status['conditions']);
  if (conds.length > 0) ann[ANN_CONDITIONS] = JSON.stringify(conds.map(condition));

  const v1Spec: JsonObject = { scaleTargetRef: ref(spec['scaleTargetRef']) };
  put(v1Spec, 'minReplicas', spec['minReplicas']);
  v1Spec['maxReplicas'] = asNum(spec['maxReplicas']) ?? 0;
  const cpu = metrics.find((m) => dig(m, 'type') === 'Resource' && dig(m, 'resource', 'name') === 'cpu');
  put(v1Spec, 'targetCPUUtilizationPercentage', dig(cpu, 'resource', 'target', 'averageUtilization'));

  const v1Status: JsonObject = {};
  put(v1Status, 'observedGeneration', status['observedGeneration']);
  put(v1Status, 'lastScaleTime', status['lastScaleTime']);
  v1Status['currentReplicas'] = asNum(status['currentReplicas']) ?? 0;
  v1Status['desiredReplicas'] = asNum(status['desiredReplicas']) ?? 0;
  let cpuNow: unknown;
  for (const m of current) {
    if (dig(m, 'type') === 'Resource' && dig(m, 'resource', 'name') === 'cpu') cpuNow = dig(m, 'resource', 'current', 'averageUtilization') ?? cpuNow;
  }
  put(v1Status, 'currentCPUUtilizationPercentage', cpuNow);

  const metadata = structuredClone(obj.metadata);
  if (Object.keys(ann).length > 0) metadata.annotations = ann;
  else delete metadata.annotations;
  return { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata, spec: v1Spec, status: v1Status };
}

function parseList(s: string | undefined): unknown[] {
  if (s === undefined) return [];
  try {
    return asArr(JSON.parse(s));
  } catch {
    return [];
  }
}

function specFromV1(m: unknown): JsonObject {
  const out: JsonObject = { type: asStr(dig(m, 'type')) ?? '' };
  const o = asObj(dig(m, 'object'));
  if (o) {
    const target = put({ type: o['averageValue'] === undefined ? 'Value' : 'AverageValue', value: o['targetValue'] ?? '0' }, 'averageValue', o['averageValue']);
    out['object'] = { describedObject: ref(o['target']), target, metric: put({ name: o['metricName'] ?? '' }, 'selector', o['selector']) };
  }
  const p = asObj(dig(m, 'pods'));
  if (p) out['pods'] = { metric: put({ name: p['metricName'] ?? '' }, 'selector', p['selector']), target: { type: 'AverageValue', averageValue: p['targetAverageValue'] ?? '0' } };
  for (const key of ['resource', 'containerResource']) {
    const r = asObj(dig(m, key));
    if (!r) continue;
    const util = r['targetAverageUtilization'];
    const target = put(put({ type: util === undefined ? 'AverageValue' : 'Utilization' }, 'averageUtilization', util), 'averageValue', r['targetAverageValue']);
    out[key] = key === 'containerResource' ? { name: r['name'] ?? '', target, container: r['container'] ?? '' } : { name: r['name'] ?? '', target };
  }
  const e = asObj(dig(m, 'external'));
  if (e) {
    const target = put(put({ type: e['targetAverageValue'] === undefined ? 'Value' : 'AverageValue' }, 'value', e['targetValue']), 'averageValue', e['targetAverageValue']);
    out['external'] = { metric: put({ name: e['metricName'] ?? '' }, 'selector', e['metricSelector']), target };
  }
  return out;
}

function statusFromV1(m: unknown): JsonObject {
  const out: JsonObject = { type: asStr(dig(m, 'type')) ?? '' };
  const o = asObj(dig(m, 'object'));
  if (o) {
    out['object'] = {
      metric: put({ name: o['metricName'] ?? '' }, 'selector', o['selector']),
      current: put({ value: o['currentValue'] ?? '0' }, 'averageValue', o['averageValue']),
      describedObject: ref(o['target']),
    };
  }
  const p = asObj(dig(m, 'pods'));
  if (p) out['pods'] = { metric: put({ name: p['metricName'] ?? '' }, 'selector', p['selector']), current: { averageValue: p['currentAverageValue'] ?? '0' } };
  for (const key of ['resource', 'containerResource']) {
    const r = asObj(dig(m, key));
    if (!r) continue;
    const current = put({ averageValue: r['currentAverageValue'] ?? '0' }, 'averageUtilization', r['currentAverageUtilization']);
    out[key] = key === 'containerResource' ? { name: r['name'] ?? '', current, container: r['container'] ?? '' } : { name: r['name'] ?? '', current };
  }
  const e = asObj(dig(m, 'external'));
  if (e) {
    out['external'] = {
      metric: put({ name: e['metricName'] ?? '' }, 'selector', e['metricSelector']),
      current: put({ value: e['currentValue'] ?? '0' }, 'averageValue', e['currentAverageValue']),
    };
  }
  return out;
}

/** autoscaling/v1 object -> autoscaling/v2 (round-trip annotations consumed). */
export function hpaFromV1(obj: KObject): KObject {
  const spec = asObj(obj['spec']) ?? {};
  const status = asObj(obj['status']) ?? {};
  const ann = obj.metadata.annotations ?? {};
  const v2Spec: JsonObject = { scaleTargetRef: ref(spec['scaleTargetRef']) };
  put(v2Spec, 'minReplicas', spec['minReplicas']);
  v2Spec['maxReplicas'] = asNum(spec['maxReplicas']) ?? 0;
  const metrics: unknown[] = parseList(ann[ANN_METRICS]).map(specFromV1);
  const cpu = asNum(spec['targetCPUUtilizationPercentage']);
  if (cpu !== undefined) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } });
  // v1 had an implicit 80% CPU target; the conversion makes it explicit.
  if (metrics.length === 0) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } });
  v2Spec['metrics'] = metrics;
  if (ann[ANN_BEHAVIOR] !== undefined) {
    try {
      const b: unknown = JSON.parse(ann[ANN_BEHAVIOR]);
      const behavior: JsonObject = {};
      put(behavior, 'scaleUp', rulesFromInternal(field(b, 'ScaleUp')));
      put(behavior, 'scaleDown', rulesFromInternal(field(b, 'ScaleDown')));
      v2Spec['behavior'] = behavior;
    } catch {
      // an unreadable annotation is dropped, as a failed decode would not store it either
    }
  }

  const v2Status: JsonObject = {};
  put(v2Status, 'observedGeneration', status['observedGeneration']);
  put(v2Status, 'lastScaleTime', status['lastScaleTime']);
  put(v2Status, 'currentReplicas', asNum(status['currentReplicas']) || undefined);
  v2Status['desiredReplicas'] = asNum(status['desiredReplicas']) ?? 0;
  const cpuNow = asNum(status['currentCPUUtilizationPercentage']);
  let current: unknown[] = cpuNow === undefined ? [] : [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpuNow } } }];
  if (ann[ANN_CURRENT_METRICS] !== undefined) current = parseList(ann[ANN_CURRENT_METRICS]).map(statusFromV1);
  if (current.length > 0) v2Status['currentMetrics'] = current;
  const conds = parseList(ann[ANN_CONDITIONS]).map(condition);
  if (conds.length > 0) v2Status['conditions'] = conds;

  const metadata = structuredClone(obj.metadata);
  const rest = dropRoundTripAnnotations(metadata.annotations);
  if (rest && Object.keys(rest).length > 0) metadata.annotations = rest;
  else delete metadata.annotations;
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec: v2Spec, status: v2Status };
}
