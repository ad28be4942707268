// OpenAPI v3: the /openapi/v3 index and one document per group-version, shaped like
// kube-apiserver's (components.schemas with upstream names, PATCH ops carrying GVK and fieldValidation).
import type { ResourceDef } from '../../machinery/resource';
import type { GroupVersionKind } from '../discovery/model';
import { closure, schemaFor, type Models, type Schema } from './models';
import { groupVersionPaths, PATCH_TYPES, type Operation, type Param } from './operations';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const JSON_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const WATCH_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf',
  'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

/** v3 rewrites: component refs, description beside a $ref via allOf, the oneOf scalars. */
export function toV3Schema(name: string, s: Schema): Schema {
  if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') {
    return { description: s.description, oneOf: [{ type: 'string' }, { type: 'number' }] };
  }
  if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') {
    return { description: s.description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] };
  }
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) {
      out[k] = k === '$ref' && typeof val === 'string' ? val.replace('#/definitions/', '#/components/schemas/') : walk(val);
    }
    if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
      const { $ref, ...rest } = out;
      return { ...rest, allOf: [{ $ref }] };
    }
    return out;
  };
  return walk(s) as Schema;
}

const schemaRef = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

function paramV3(p: Param): Schema {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}),
    schema: { type: p.type, uniqueItems: true } };
}

function responseName(models: Models, r: Operation['response']): string {
  if (r === 'status') return `${META}Status`;
  if (r === 'watchEvent') return `${META}WatchEvent`;
  return schemaFor(models, r);
}

function operationV3(models: Models, op: Operation, refs: Set<string>): Schema {
  const res = responseName(models, op.response);
  refs.add(res);
  const types = op.action === 'watch' || op.action === 'watchlist' || (op.action === 'list' && op.method === 'get') ? WATCH_TYPES : JSON_TYPES;
  const content = (name: string, ts: string[]): Schema => Object.fromEntries(ts.map((t) => [t, { schema: schemaRef(name) }]));
  const responses: Record<string, Schema> = { 200: { description: 'OK', content: content(res, types) } };
  if (op.created) responses[op.method === 'delete' ? 202 : 201] = { description: op.method === 'delete' ? 'Accepted' : 'Created', content: content(res, JSON_TYPES) };
  responses[401] = { description: 'Unauthorized' };
  let requestBody: Schema | undefined;
  if (op.body === 'patch') {
    requestBody = { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: 'object', description: 'The body of a PATCH request: a JSON patch, a JSON merge patch, a strategic merge patch or an apply configuration, as its Content-Type says.' } }])), required: true };
  } else if (op.body === 'deleteOptions') {
    refs.add(`${META}DeleteOptions`);
    requestBody = { content: { '*/*': { schema: schemaRef(`${META}DeleteOptions`) } } };
  } else if (op.body) {
    const b = schemaFor(models, op.body);
    refs.add(b);
    requestBody = { content: { '*/*': { schema: schemaRef(b) } }, required: true };
  }
  const gvk: GroupVersionKind = op.gvk;
  return {
    tags: [tagOf(gvk)],
    description: op.description,
    operationId: op.operationId,
    ...(op.params.length ? { parameters: op.params.map(paramV3) } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': gvk,
  };
}

function tagOf(gvk: GroupVersionKind): string {
  const g = gvk.group === '' ? 'core' : gvk.group.replace(/\.k8s\.io$/, '').replace(/\./g, '_');
  return `${g}_${gvk.version}`;
}

/** The OpenAPI v3 document for one group-version. */
export function groupVersionDocument(models: Models, defs: readonly ResourceDef[], group: string, version: string): Schema {
  const refs = new Set<string>();
  const paths: Record<string, Schema> = {};
  for (const item of groupVersionPaths(defs, group, version)) {
    const entry: Schema = {};
    for (const op of item.ops) entry[op.method] = operationV3(models, op, refs);
    entry.parameters = item.params.map(paramV3);
    paths[item.path] = entry;
  }
  const schemas: Record<string, Schema> = {};
  for (const name of closure(models, refs)) {
    const s = models.schemas[name];
    if (s) schemas[name] = toV3Schema(name, s);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
  };
}

/** Index keys: "api/v1", "apis/apps/v1", plus "apis/G" style group roots are not needed by kubectl. */
export function groupVersionKeys(defs: readonly ResourceDef[]): { key: string; group: string; version: string }[] {
  const seen = new Map<string, { key: string; group: string; version: string }>();
  for (const d of defs) {
    for (const v of d.versions) {
      const key = d.group === '' ? `api/${v}` : `apis/${d.group}/${v}`;
      seen.set(key, { key, group: d.group, version: v });
    }
  }
  return [...seen.values()].sort((a, b) => a.key.localeCompare(b.key));
}
