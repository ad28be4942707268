// authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview: create-only kinds
// that answer "may I?" (kubectl auth can-i) and "what may I?" (kubectl auth can-i --list) for the
// requesting user. Nothing is stored; the REST layer calls `review`.
import { type AccessRequest, type NonResourceAttributes, type ResourceAttributes, authorize, rulesFor } from '../authorization';
import { errors } from '../errors';
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef, TableDef } from '../resource';
import { isObject, type JsonObject, type KObject } from '../types';
import { validateLabelName } from '../validation/labels';
import { isValidLabelValue } from '../validation/names';
import { arr, nameColumn, obj, str } from './common';

const GROUP = 'authorization.k8s.io';

// Nobody lists these kinds, but every def describes its table.
const table: TableDef = { columns: [nameColumn()], row: (o) => [o.metadata.name ?? ''] };

const present = (v: unknown): boolean => v !== undefined && v !== null;

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObject(v) && Object.keys(v).length === 0;
}

// ObjectMeta's JSON fields in Go struct order, for printing the metadata as encoding/json would.
const META_FIELDS = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers'];

/** Upstream prints the offending ObjectMeta (managedFields cleared) as Go's JSON: creationTimestamp is never omitted. */
function goObjectMeta(meta: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of META_FIELDS) {
    if (k === 'creationTimestamp') out[k] = meta[k] ?? null;
    else if (!isZero(meta[k])) out[k] = meta[k];
  }
  return out;
}

/** A review's metadata must be empty; only managedFields (which apply tracking may add) is ignored. */
export function validateEmptyMeta(meta: JsonObject): FieldError[] {
  const set = Object.entries(meta).some(([k, v]) => k !== 'managedFields' && !isZero(v));
  return set ? [fe.invalid('metadata', goObjectMeta(meta), 'must be empty')] : [];
}

const IN_NOT_IN = "must be specified when `operator` is 'In' or 'NotIn'";
const EXISTS = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'";

/** In/NotIn need values, Exists/DoesNotExist forbid them; unknown operators pass (webhooks may know them). */
function operatorValues(req: JsonObject, p: Path): FieldError[] {
  const op = str(req.operator);
  const values = arr(req.values);
  if ((op === 'In' || op === 'NotIn') && values.length === 0) return [fe.required(p.child('values'), IN_NOT_IN)];
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) return [fe.forbidden(p.child('values'), EXISTS)];
  return [];
}

function validateSelector(sel: unknown, p: Path, label: boolean): FieldError[] {
  if (!present(sel)) return [];
  const s = obj(sel);
  const raw = str(s.rawSelector);
  const reqs = arr(s.requirements);
  const errs: FieldError[] = [];
  if (raw !== '' && reqs.length > 0) errs.push(fe.invalid(p.child('rawSelector'), raw, 'may not specified at the same time as requirements'));
  if (raw === '' && reqs.length === 0) {
    errs.push(fe.required(p.child('requirements'), `when ${p.toString()} is specified, requirements or rawSelector is required`));
  }
  reqs.forEach((r, i) => {
    const req = obj(r);
    const rp = p.child('requirements').index(i);
    if (!label) {
      if (str(req.key) === '') errs.push(fe.required(rp.child('key'), 'must be specified'));
      errs.push(...operatorValues(req, rp));
      return;
    }
    errs.push(...operatorValues(req, rp));
    errs.push(...validateLabelName(str(req.key), rp.child('key')));
    arr(req.values).forEach((v, j) => {
      for (const m of isValidLabelValue(str(v))) errs.push(fe.invalid(rp.child('values').index(j), v, m));
    });
  });
  return errs;
}

/** ValidateSelfSubjectAccessReview: exactly one kind of attributes, well-formed selectors, empty metadata. */
export function validateSelfSubjectAccessReview(o: KObject): FieldError[] {
  const spec = obj(o.spec);
  const sp = new Path('spec');
  const errs: FieldError[] = [];
  const res = spec.resourceAttributes;
  const nonRes = spec.nonResourceAttributes;
  if (present(res) && present(nonRes)) {
    // The value is the internal Go struct, whose fields have no JSON tags.
    const n = obj(nonRes);
    errs.push(fe.invalid(sp.child('nonResourceAttributes'), { Path: str(n.path), Verb: str(n.verb) }, 'cannot be specified in combination with resourceAttributes'));
  }
  if (!present(res) && !present(nonRes)) {
    errs.push(fe.invalid(sp.child('resourceAttributes'), null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  if (present(res)) {
    const rp = sp.child('resourceAttributes');
    errs.push(...validateSelector(obj(res).fieldSelector, rp.child('fieldSelector'), false));
    errs.push(...validateSelector(obj(res).labelSelector, rp.child('labelSelector'), true));
  }
  errs.push(...validateEmptyMeta(obj(o.metadata)));
  return errs;
}

/** The request the spec describes (validation has made sure exactly one form is there). */
export function accessRequestOf(spec: JsonObject): AccessRequest {
  if (present(spec.resourceAttributes)) {
    const r = obj(spec.resourceAttributes);
    const keys = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'] as const;
    const resource: ResourceAttributes = {};
    for (const k of keys) if (typeof r[k] === 'string') resource[k] = r[k];
    return { resource };
  }
  const n = obj(spec.nonResourceAttributes);
  const nonResource: NonResourceAttributes = { path: str(n.path), verb: str(n.verb) };
  return { nonResource };
}

export const selfSubjectAccessReviewDef: ResourceDef = {
  group: GROUP,
  versions: ['v1'],
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  shortNames: [],
  categories: [],
  namespaced: false,
  subresources: [],
  generation: false,
  verbs: ['create'],
  validate: validateSelfSubjectAccessReview,
  review(o, user) {
    const d = authorize(user, accessRequestOf(obj(o.spec)));
    // SubjectAccessReviewStatus: allowed is always written, the rest only when set.
    const status: JsonObject = { allowed: d.allowed };
    if (d.denied) status.denied = true;
    if (d.reason) status.reason = d.reason;
    // Upstream echoes the review with only the status filled in (unknown fields were never decoded).
    return { metadata: o.metadata, spec: o.spec, status };
  },
  table,
};

export const selfSubjectRulesReviewDef: ResourceDef = {
  group: GROUP,
  versions: ['v1'],
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  shortNames: [],
  categories: [],
  namespaced: false,
  subresources: [],
  generation: false,
  verbs: ['create'],
  review(o, user) {
    const namespace = str(obj(o.spec).namespace);
    if (namespace === '') throw errors.badRequest('no namespace on request');
    const rules = rulesFor(user, namespace);
    // Upstream answers with a fresh object: empty metadata and spec, only the status filled.
    return { metadata: {}, spec: {}, status: { ...rules } };
  },
  table,
};
