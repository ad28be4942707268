// Splits an API path into group/version/namespace/resource/name/subresource and a verb,
// following kube-apiserver's RequestInfoFactory rules.
import { errors } from '../../machinery/errors';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequest {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  verb: Verb;
}

const namespaceSubresources = new Set(['status', 'finalize']);

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch (err) {
    throw errors.badRequest(`malformed path segment ${JSON.stringify(s.slice(0, 100))}: invalid percent-encoding`, err);
  }
}

/** Returns undefined for paths that are not resource paths (discovery, health, openapi...). */
export function parseResourcePath(method: string, pathname: string, query: URLSearchParams): ResourceRequest | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !namespaceSubresources.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return undefined;
  const watchParam = query.get('watch');
  // ?watch=true turns only a collection GET into a watch; /watch/.../name watches that one object.
  const watch = watchPrefix || ((watchParam === 'true' || watchParam === '1') && name === undefined);
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = watch ? 'watch' : name !== undefined ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      return undefined;
  }
  return {
    group,
    version,
    resource,
    verb,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}
