// The REST operations kube-apiserver publishes for each resource of a group-version, in a
// neutral form that v2.ts and v3.ts render into their own document shapes.
import { type ResourceDef, servedVerbs } from '../../machinery/resource';
import type { GroupVersionKind } from '../discovery/model';

export type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'watchlist';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Param {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

export interface Operation {
  method: Method;
  action: Action;
  operationId: string;
  description: string;
  gvk: GroupVersionKind;
  params: Param[];
  /** Request body: a kind's GVK, 'patch' (any JSON), or DeleteOptions. */
  body?: GroupVersionKind | 'patch' | 'deleteOptions';
  /** Response: a kind, 'status', 'watchEvent'. */
  response: GroupVersionKind | 'status' | 'watchEvent';
  /** 201/202 besides 200 (create, delete). */
  created?: boolean;
}

export interface PathItem {
  path: string;
  params: Param[];
  ops: Operation[];
}

const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description });
const PRETTY = q('pretty', 'string', "Set to 'true' for indented JSON output.");
const DRY_RUN = q('dryRun', 'string', 'With the value All, the request is processed in full (defaulting, admission, validation) but nothing is stored.');
const FIELD_MANAGER = q('fieldManager', 'string', 'Names the actor making the change; recorded in metadata.managedFields. At most 128 printable characters. Required for apply patches.');
const FIELD_VALIDATION = q('fieldValidation', 'string', 'What to do with unknown or duplicate fields in the request body: Ignore (drop them silently), Warn (accept them and answer with a Warning header) or Strict (reject the request with 400).');
const FORCE = q('force', 'boolean', 'For apply patches only: take ownership of fields that other managers own instead of failing with a conflict.');
const LIST = [
  q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  q('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`.'),
  q('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
];
const DELETE = [
  DRY_RUN,
  q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. true means Orphan, false means Background.'),
  q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
];
const pathParam = (name: string, description: string): Param => ({ name, in: 'path', type: 'string', description, required: true });
const NAME = (kind: string): Param => pathParam('name', `name of the ${kind}`);
const NAMESPACE = pathParam('namespace', 'object name and auth scope, such as for teams and projects');

/**
 * Go-style operation id: listCoreV1NamespacedPod, patchAppsV1NamespacedDeploymentScale,
 * createStorageV1StorageClass (upstream drops a group's .k8s.io suffix).
 */
function opId(verb: string, def: ResourceDef, version: string, namespaced: boolean, suffix = ''): string {
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const group = def.group === '' ? 'Core' : def.group.replace(/\.k8s\.io$/, '').split('.').map(cap).join('');
  return `${verb}${group}${cap(version)}${namespaced ? 'Namespaced' : ''}${def.kind}${suffix}`;
}

export function resourcePaths(def: ResourceDef, version: string): PathItem[] {
  const prefix = def.group === '' ? `/api/${version}` : `/apis/${def.group}/${version}`;
  const gvk: GroupVersionKind = { group: def.group, version, kind: def.kind };
  const listGvk: GroupVersionKind = { ...gvk, kind: `${def.kind}List` };
  const ns = def.namespaced;
  const scope = ns ? `/namespaces/{namespace}/${def.plural}` : `/${def.plural}`;
  const scopeParams = ns ? [NAMESPACE] : [];
  const op = (method: Method, action: Action, verb: string, extra: Partial<Operation> & Pick<Operation, 'response'>,
    params: Param[], suffix = '', gvkOf = gvk): Operation => ({
    method, action, operationId: opId(verb, def, version, ns && !suffix.includes('ForAll'), suffix),
    description: `${verb} ${suffix ? suffix.toLowerCase() + ' of ' : ''}the specified ${def.kind}`, gvk: gvkOf, params, ...extra,
  });
  const items: PathItem[] = [
    {
      path: prefix + scope, params: [...scopeParams, PRETTY], ops: [
        op('get', 'list', 'list', { response: listGvk }, LIST),
        op('post', 'post', 'create', { body: gvk, response: gvk, created: true }, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]),
        op('delete', 'deletecollection', 'deleteCollection', { body: 'deleteOptions', response: 'status' }, [...LIST, ...DELETE]),
      ],
    },
    {
      path: `${prefix}${scope}/{name}`, params: [NAME(def.kind), ...scopeParams, PRETTY], ops: [
        op('get', 'get', 'read', { response: gvk }, []),
        op('put', 'put', 'replace', { body: gvk, response: gvk, created: true }, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]),
        op('patch', 'patch', 'patch', { body: 'patch', response: gvk, created: true }, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE]),
        op('delete', 'delete', 'delete', { body: 'deleteOptions', response: 'status', created: true }, DELETE),
      ],
    },
  ];
  const subItems: PathItem[] = [];
  for (const sub of def.subresources) {
    if (sub !== 'status' && sub !== 'scale') continue; // connect-style subresources are not described
    const subGvk = sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : gvk;
    const suffix = sub === 'status' ? 'Status' : 'Scale';
    subItems.push({
      path: `${prefix}${scope}/{name}/${sub}`, params: [pathParam('name', `name of the ${subGvk.kind}`), ...scopeParams, PRETTY], ops: [
        op('get', 'get', 'read', { response: subGvk }, [], suffix, subGvk),
        op('put', 'put', 'replace', { body: subGvk, response: subGvk, created: true }, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], suffix, subGvk),
        op('patch', 'patch', 'patch', { body: 'patch', response: subGvk, created: true }, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], suffix, subGvk),
      ],
    });
  }
  if (ns) {
    items.push({ path: `${prefix}/${def.plural}`, params: [...LIST, PRETTY],
      ops: [op('get', 'list', 'list', { response: listGvk }, [], 'ForAllNamespaces')] });
    items.push({ path: `${prefix}/watch/${def.plural}`, params: [...LIST, PRETTY],
      ops: [op('get', 'watchlist', 'watch', { response: 'watchEvent' }, [], 'ListForAllNamespaces')] });
  }
  items.push({ path: `${prefix}/watch${scope}`, params: [...LIST, ...scopeParams, PRETTY],
    ops: [op('get', 'watchlist', 'watch', { response: 'watchEvent' }, [], 'List')] });
  items.push({ path: `${prefix}/watch${scope}/{name}`, params: [...LIST, NAME(def.kind), ...scopeParams, PRETTY],
    ops: [op('get', 'watch', 'watch', { response: 'watchEvent' }, [])] });
  // Only the verbs the resource serves are published (a create-only review has just its POST).
  const verbs = servedVerbs(def);
  const served = items
    .map((i) => ({ ...i, ops: i.ops.filter((o) => verbs.includes(ACTION_VERB[o.action])) }))
    .filter((i) => i.ops.length > 0);
  return [...served, ...subItems];
}

const ACTION_VERB: Record<Action, string> = {
  get: 'get', list: 'list', post: 'create', put: 'update', patch: 'patch', delete: 'delete',
  deletecollection: 'deletecollection', watch: 'watch', watchlist: 'watch',
};

/** All path items of one group-version, sorted by path. */
export function groupVersionPaths(defs: readonly ResourceDef[], group: string, version: string): PathItem[] {
  return defs
    .filter((d) => d.group === group && d.versions.includes(version))
    .flatMap((d) => resourcePaths(d, version))
    .sort((a, b) => a.path.localeCompare(b.path));
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
