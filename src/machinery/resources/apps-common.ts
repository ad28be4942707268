// What Deployment, ReplicaSet and StatefulSet share: template defaulting, selector/template
// validation (apps/validation), generation handling and the scale subresource.
import { type FieldError, type Path, fe } from '../field-errors';
import type { ScaleDef } from '../resource';
import { SelectorError, labelSelectorAsSelector, matchesLabels, selectorString } from '../selectors';
import { type JsonObject, type KObject, isObject } from '../types';
import { validateLabelSelector } from '../validation/labels';
import { IS_NEGATIVE } from '../validation/meta';
import { ensureObj, keepStatus } from './common';
import { defaultPodSpec, validatePodTemplate } from './pod-spec';
import { asNum, asStr, dig, goLabelSelector, goStringMap, invalidRendered, semanticEqual } from './storage-apps-util';

/** Pod template defaults; a template's metadata carries the zero creationTimestamp (null). */
export function defaultTemplate(spec: JsonObject): void {
  const template = ensureObj(spec, 'template');
  const meta = ensureObj(template, 'metadata');
  if (!('creationTimestamp' in meta)) meta['creationTimestamp'] = null;
  defaultPodSpec(ensureObj(template, 'spec'));
}

/** labels.Selector.String() of spec.selector: "" when nil; undefined when it does not parse. */
export function selectorText(sel: unknown): string | undefined {
  try {
    return selectorString(labelSelectorAsSelector(isObject(sel) ? (sel) : null));
  } catch (e) {
    if (e instanceof SelectorError) return undefined;
    throw e;
  }
}

export const nonNegative = (v: unknown, path: Path | string): FieldError[] =>
  typeof v === 'number' && v < 0 ? [fe.invalid(path, v, IS_NEGATIVE)] : [];

/**
 * spec.selector checks and the template-label match. A nil selector selects nothing, so the
 * template "does not match" it as well, exactly as upstream reports. `parsed` is false when the
 * selector cannot be converted (upstream then skips the template checks).
 */
export function validateSelectorAndLabels(
  spec: JsonObject,
  path: Path,
  kindWord: string,
  invalidDetail: string,
): { errs: FieldError[]; parsed: boolean } {
  const errs: FieldError[] = [];
  const sel = spec['selector'];
  const selPath = path.child('selector');
  if (!isObject(sel)) errs.push(fe.required(selPath));
  else {
    errs.push(...validateLabelSelector(sel, selPath));
    const n = Object.keys(isObject(sel['matchLabels']) ? sel['matchLabels'] : {}).length + (Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'].length : 0);
    if (n === 0) errs.push(invalidRendered(selPath.toString(), goLabelSelector(sel), `empty selector is invalid for ${kindWord}`));
  }
  let parsed;
  try {
    parsed = labelSelectorAsSelector(isObject(sel) ? (sel) : null);
  } catch (e) {
    if (!(e instanceof SelectorError)) throw e;
    errs.push(invalidRendered(selPath.toString(), goLabelSelector(sel), invalidDetail));
    return { errs, parsed: false };
  }
  const labels = dig(spec, 'template', 'metadata', 'labels');
  const labelMap = isObject(labels) ? (labels as Record<string, string>) : undefined;
  // An empty (match-everything) selector skips the check; nil (match-nothing) does not.
  if ((parsed === null || parsed.length > 0) && !matchesLabels(parsed, labelMap)) {
    errs.push(invalidRendered(path.child('template', 'metadata', 'labels').toString(), goStringMap(labels), '`selector` does not match template `labels`'));
  }
  return { errs, parsed: true };
}

/** ValidatePodTemplateSpecForReplicaSet minus the selector match: full pod template validation. */
export function validateReplicaSetTemplate(spec: JsonObject, path: Path): FieldError[] {
  const template = isObject(spec['template']) ? spec['template'] : {};
  const tp = path.child('template');
  const errs = validatePodTemplate(template, tp);
  const rp = asStr(dig(template, 'spec', 'restartPolicy')) ?? '';
  if (rp !== 'Always') errs.push(fe.notSupported(tp.child('spec', 'restartPolicy'), rp, ['Always']));
  if (dig(template, 'spec', 'activeDeadlineSeconds') !== undefined) {
    errs.push(fe.forbidden(tp.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

/** apps/v1 forbids changing spec.selector (only extensions/v1beta1 allowed it). */
export function validateSelectorImmutable(o: KObject, old: KObject): FieldError[] {
  const sel = dig(o, 'spec', 'selector');
  if (semanticEqual(sel, dig(old, 'spec', 'selector'))) return [];
  return [invalidRendered('spec.selector', goLabelSelector(sel), 'field is immutable')];
}

/** Create: status starts at its zero value, generation at 1. */
export function prepareWorkloadCreate(o: KObject, initialStatus: JsonObject): void {
  o['status'] = initialStatus;
  o.metadata.generation = 1;
}

/** Update: status is kept; spec changes (and, for Deployments, annotation changes) bump generation. */
export function prepareWorkloadUpdate(o: KObject, old: KObject, annotationsBump = false): void {
  keepStatus(o, old);
  const changed = !semanticEqual(o['spec'], old['spec']) || (annotationsBump && !semanticEqual(o.metadata.annotations, old.metadata.annotations));
  const prev = old.metadata.generation ?? 0;
  o.metadata.generation = changed ? prev + 1 : prev;
}

/** Status update: spec and labels stay as stored. */
export function prepareWorkloadStatusUpdate(o: KObject, old: KObject): void {
  if (old['spec'] === undefined) delete o['spec'];
  else o['spec'] = structuredClone(old['spec']);
  if (old.metadata.labels === undefined) delete o.metadata.labels;
  else o.metadata.labels = structuredClone(old.metadata.labels);
}

export const workloadScale: ScaleDef = {
  specReplicasPath: ['spec', 'replicas'],
  statusReplicasPath: ['status', 'replicas'],
  selector: (o) => selectorText(dig(o, 'spec', 'selector')) ?? '',
};

export const replicasOf = (o: KObject): number => asNum(dig(o, 'spec', 'replicas')) ?? 0;
export const statusCount = (o: KObject, key: string): number => asNum(dig(o, 'status', key)) ?? 0;

// ---- intstr.IntOrString (maxSurge / maxUnavailable) ----

/** Nested pointers print as addresses in Go's %#v; any address will do. */
export const GO_ADDR = '0xc000a1c000';

/** Go's %#v of an intstr.IntOrString, as apps validation messages print it. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

const PERCENT_MSG =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** The percentage of "N%", or undefined when not a valid percent string. */
export const percentOf = (v: unknown): number | undefined => (typeof v === 'string' && /^[0-9]+%$/.test(v) ? Number(v.slice(0, -1)) : undefined);

/** getIntOrPercentValue: percent value, or the int (a non-percent string counts as 0). */
export const intOrPercentValue = (v: unknown): number => percentOf(v) ?? (typeof v === 'number' ? v : 0);

export function validatePositiveIntOrPercent(v: unknown, path: Path): FieldError[] {
  if (typeof v === 'string') return percentOf(v) === undefined ? [invalidRendered(path.toString(), goIntOrString(v), PERCENT_MSG)] : [];
  return nonNegative(v, path);
}

export function notMoreThan100Percent(v: unknown, path: Path): FieldError[] {
  const p = percentOf(v);
  return p !== undefined && p > 100 ? [invalidRendered(path.toString(), goIntOrString(v), 'must not be greater than 100%')] : [];
}
