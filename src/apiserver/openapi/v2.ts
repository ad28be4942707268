// OpenAPI v2 (swagger 2.0) document: every served path plus the definitions they reach.
// kubectl 1.27/1.28 load it (as protobuf) for apply's validation and patch metadata.
import type { ResourceDef } from '../../machinery/resource';
import { closure, schemaFor, type Models, type Schema } from './models';
import { groupVersionPaths, PATCH_TYPES, type Operation, type Param } from './operations';
import { groupVersionKeys } from './v3';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

function paramV2(p: Param): Schema {
  return { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in,
    ...(p.required ? { required: true } : {}) };
}

function operationV2(models: Models, op: Operation, refs: Set<string>): Schema {
  const res = op.response === 'status' ? `${META}Status` : op.response === 'watchEvent' ? `${META}WatchEvent` : schemaFor(models, op.response);
  refs.add(res);
  const params: Schema[] = [];
  if (op.body === 'patch') {
    params.push({ name: 'body', in: 'body', required: true, schema: { type: 'object', description: 'The body of a PATCH request: a JSON patch, a JSON merge patch, a strategic merge patch or an apply configuration, as its Content-Type says.' } });
  } else if (op.body === 'deleteOptions') {
    refs.add(`${META}DeleteOptions`);
    params.push({ name: 'body', in: 'body', schema: ref(`${META}DeleteOptions`) });
  } else if (op.body) {
    const b = schemaFor(models, op.body);
    refs.add(b);
    params.push({ name: 'body', in: 'body', required: true, schema: ref(b) });
  }
  params.push(...op.params.map(paramV2));
  const watch = op.action === 'watch' || op.action === 'watchlist';
  const responses: Record<string, Schema> = { 200: { description: 'OK', schema: ref(res) } };
  if (op.created) responses[op.method === 'delete' ? 202 : 201] = { description: op.method === 'delete' ? 'Accepted' : 'Created', schema: ref(res) };
  responses[401] = { description: 'Unauthorized' };
  return {
    description: op.description,
    consumes: op.body === 'patch' ? PATCH_TYPES : ['*/*'],
    produces: watch
      ? ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch']
      : ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    tags: [op.gvk.group === '' ? `core_${op.gvk.version}` : `${op.gvk.group.replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${op.gvk.version}`],
    operationId: op.operationId,
    ...(params.length ? { parameters: params } : {}),
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': op.gvk,
  };
}

export function swaggerDocument(models: Models, defs: readonly ResourceDef[]): Schema {
  const refs = new Set<string>();
  const paths: Record<string, Schema> = {};
  for (const { group, version } of groupVersionKeys(defs)) {
    for (const item of groupVersionPaths(defs, group, version)) {
      const entry: Schema = {};
      for (const op of item.ops) entry[op.method] = operationV2(models, op, refs);
      entry.parameters = item.params.map(paramV2);
      paths[item.path] = entry;
    }
  }
  const definitions: Record<string, Schema> = {};
  for (const name of closure(models, refs)) {
    const s = models.schemas[name];
    if (s) definitions[name] = s;
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    definitions,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}
