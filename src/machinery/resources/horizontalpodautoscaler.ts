// autoscaling HorizontalPodAutoscaler: stored as v2, also served as v1 (see hpa-conversion).
import { age } from '../printers/age';
import type { ResourceDef } from '../resource';
import { type JsonObject, type KObject, isObject } from '../types';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { ageColumn, col, ensureObj, keepAllButStatus, keepStatus, nameColumn } from './common';
import { dropRoundTripAnnotations, hpaFromV1, hpaToV1 } from './hpa-conversion';
import { validateHpaSpec } from './hpa-validation';
import { canonicalizeQuantities } from './storage-common';
import { asArr, asNum, asStr, dig } from './storage-apps-util';

const SCALE_UP_DEFAULTS = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
// Scale-down has no default stabilization window: the controller flag decides it.
const SCALE_DOWN_DEFAULTS = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

/** GenerateHPAScale{Up,Down}Rules: defaults overlaid by whatever the user set. */
function fillRules(rules: unknown, defaults: JsonObject): JsonObject {
  const out = structuredClone(defaults);
  if (isObject(rules)) {
    for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) {
      if (rules[k] !== undefined && rules[k] !== null) out[k] = rules[k];
    }
  }
  return out;
}

const QUANTITY_PATHS: ReadonlyArray<[string, string]> = [
  ['target', 'value'],
  ['target', 'averageValue'],
  ['current', 'value'],
  ['current', 'averageValue'],
];

function canonicalMetricQuantities(list: unknown): void {
  for (const m of asArr(list)) {
    for (const key of ['object', 'pods', 'resource', 'containerResource', 'external']) {
      const src = dig(m, key);
      if (!isObject(src)) continue;
      for (const [holderKey, key] of QUANTITY_PATHS) {
        const holder = src[holderKey];
        if (!isObject(holder) || holder[key] === undefined) continue;
        const box: JsonObject = { [key]: holder[key] };
        canonicalizeQuantities(box, 'HorizontalPodAutoscaler', 'v2');
        holder[key] = box[key];
      }
    }
  }
}

/** Round-trip annotations exist only in v1 responses; upstream drops them when decoding. */
function dropStoredRoundTrip(o: KObject): void {
  const had = o.metadata.annotations;
  const rest = dropRoundTripAnnotations(had);
  if (rest === undefined || Object.keys(rest).length === Object.keys(had ?? {}).length) return;
  if (Object.keys(rest).length === 0) delete o.metadata.annotations;
  else o.metadata.annotations = rest;
}

/** SetDefaults_HorizontalPodAutoscaler (autoscaling/v2, 1.32). */
export function defaultHpa(o: KObject): void {
  const spec = ensureObj(o, 'spec');
  spec['minReplicas'] ??= 1;
  if (asArr(spec['metrics']).length === 0) {
    spec['metrics'] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  const behavior = spec['behavior'];
  if (isObject(behavior)) {
    behavior['scaleUp'] = fillRules(behavior['scaleUp'], SCALE_UP_DEFAULTS);
    behavior['scaleDown'] = fillRules(behavior['scaleDown'], SCALE_DOWN_DEFAULTS);
  }
  canonicalMetricQuantities(spec['metrics']);
  const status = ensureObj(o, 'status');
  canonicalMetricQuantities(status['currentMetrics']);
  // desiredReplicas has no omitempty in v2.
  status['desiredReplicas'] ??= 0;
  dropStoredRoundTrip(o);
}

const unknown = '<unknown>';
const pct = (v: unknown): string | undefined => (typeof v === 'number' ? `${v}%` : undefined);
const q = (v: unknown): string => (v === undefined || v === null ? '<nil>' : String(v));

function formatMetric(spec: unknown, status: unknown): string {
  const type = asStr(dig(spec, 'type'));
  switch (type) {
    case 'External':
    case 'Object': {
      const key = type === 'External' ? 'external' : 'object';
      const target = dig(spec, key, 'target');
      const st = dig(status, key);
      if (dig(target, 'averageValue') !== undefined) {
        const cur = dig(st, 'current', 'averageValue');
        return `${cur === undefined ? unknown : q(cur)}/${q(dig(target, 'averageValue'))} (avg)`;
      }
      return `${st === undefined ? unknown : q(dig(st, 'current', 'value'))}/${q(dig(target, 'value'))}`;
    }
    case 'Pods': {
      const st = dig(status, 'pods');
      return `${st === undefined ? unknown : q(dig(st, 'current', 'averageValue'))}/${q(dig(spec, 'pods', 'target', 'averageValue'))}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = type === 'Resource' ? 'resource' : 'containerResource';
      const name = asStr(dig(spec, key, 'name')) ?? '';
      const target = dig(spec, key, 'target');
      const st = dig(status, key);
      if (dig(target, 'averageValue') !== undefined) {
        return `${name}: ${st === undefined ? unknown : q(dig(st, 'current', 'averageValue'))}/${q(dig(target, 'averageValue'))}`;
      }
      return `${name}: ${pct(dig(st, 'current', 'averageUtilization')) ?? unknown}/${pct(dig(target, 'averageUtilization')) ?? '<auto>'}`;
    }
    default:
      return '<unknown type>';
  }
}

/** formatHPAMetrics: at most two targets, statuses matched by position. */
export function formatHpaTargets(o: KObject): string {
  const specs = asArr(dig(o, 'spec', 'metrics'));
  if (specs.length === 0) return '<none>';
  const statuses = asArr(dig(o, 'status', 'currentMetrics'));
  const list = specs.map((s, i) => formatMetric(s, statuses[i]));
  if (list.length <= 2) return list.join(', ');
  return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`;
}

export const horizontalPodAutoscalerDef: ResourceDef = {
  group: 'autoscaling',
  versions: ['v2', 'v1'],
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  shortNames: ['hpa'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status'],
  generation: false,

  default: defaultHpa,
  prepareForCreate(o) {
    o['status'] = { desiredReplicas: 0 };
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
    errs.push(...validateHpaSpec(ensureObj(o, 'spec'), 1));
    return errs;
  },
  convertTo(o, version) {
    return version === 'v1' ? hpaToV1(o) : structuredClone(o);
  },
  convertFrom(o, version) {
    if (version === 'v1') return hpaFromV1(o);
    const out = structuredClone(o);
    dropStoredRoundTrip(out);
    return out;
  },
  table: {
    columns: [
      nameColumn(),
      col('Reference', 'The target of the scaling, as Kind/name.'),
      col('Targets', 'Current and target values of the metrics the autoscaler uses.'),
      col('MinPods', 'Lower limit for the number of pods.'),
      col('MaxPods', 'Upper limit for the number of pods.'),
      col('Replicas', 'Current number of pods managed by this autoscaler.'),
      ageColumn(),
    ],
    row(o, now) {
      const ref = `${asStr(dig(o, 'spec', 'scaleTargetRef', 'kind')) ?? ''}/${asStr(dig(o, 'spec', 'scaleTargetRef', 'name')) ?? ''}`;
      const min = asNum(dig(o, 'spec', 'minReplicas'));
      return [
        o.metadata.name ?? '',
        ref,
        formatHpaTargets(o),
        min === undefined ? '<unset>' : String(min),
        asNum(dig(o, 'spec', 'maxReplicas')) ?? 0,
        asNum(dig(o, 'status', 'currentReplicas')) ?? 0,
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
};
