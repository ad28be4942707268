// Entry point for /openapi/v2 and /openapi/v3[/...]: renders (once per defs array) and serves
// the documents with upstream-like caching headers. The router calls openapiResponse().
import { createHash } from 'node:crypto';
import type { ResourceDef } from '../../machinery/resource';
import { loadModels, ModelsMissingError } from './models';
import { encodeSwagger } from './proto';
import { swaggerDocument } from './v2';
import { groupVersionDocument, groupVersionKeys } from './v3';

export interface OpenAPIReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}


export const V2_PROTO_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
export const V2_PROTO_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

interface Rendered { body: Buffer | string; hash: string }
interface Cache { v2json?: Rendered; v2proto?: Rendered; v3: Map<string, Rendered> }
const caches = new WeakMap<readonly ResourceDef[], Cache>();

const hashOf = (b: Buffer | string): string => createHash('sha512').update(b).digest('hex').toUpperCase();
const rendered = (body: Buffer | string): Rendered => ({ body, hash: hashOf(body) });

function cacheFor(defs: readonly ResourceDef[]): Cache {
  let c = caches.get(defs);
  if (!c) caches.set(defs, (c = { v3: new Map() }));
  return c;
}

function status(code: number, reason: string, message: string): OpenAPIReply {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  return { status: code, headers: { 'Content-Type': 'application/json' }, body };
}

function withEtag(r: Rendered, contentType: string, ifNoneMatch: string, extra: Record<string, string> = {}): OpenAPIReply {
  const etag = `"${r.hash}"`;
  const headers = { 'Content-Type': contentType, ETag: etag, Vary: 'Accept', ...extra };
  if (ifNoneMatch.split(',').map((s) => s.trim()).includes(etag)) {
    return { status: 304, headers, body: '' };
  }
  return { status: 200, headers, body: r.body };
}

function wantsV2Proto(accept: string): boolean {
  return accept.split(',').some((part) => {
    const t = part.split(';')[0]?.trim().toLowerCase();
    return t === V2_PROTO_ACCEPT || t === V2_PROTO_CONTENT_TYPE;
  });
}

function v3Index(defs: readonly ResourceDef[], cache: Cache): string {
  const models = loadModels();
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { key, group, version } of groupVersionKeys(defs)) {
    const doc = v3Doc(key, group, version, defs, cache, models);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
  }
  return JSON.stringify({ paths });
}

function v3Doc(key: string, group: string, version: string, defs: readonly ResourceDef[], cache: Cache, models = loadModels()): Rendered {
  let r = cache.v3.get(key);
  if (!r) cache.v3.set(key, (r = rendered(JSON.stringify(groupVersionDocument(models, defs, group, version)))));
  return r;
}

/**
 * Answers /openapi/v2 (JSON or gnostic protobuf by Accept), /openapi/v3 (index) and
 * /openapi/v3/<api/v1|apis/G/V>[?hash=H]; 404 for anything else. 503 when
 * dist/openapi-models.json has not been built. Documents are rendered once per defs array.
 */
export function openapiResponse(
  pathWithQuery: string,
  accept: string,
  defs: readonly ResourceDef[],
  ifNoneMatch = '',
): OpenAPIReply {
  const [rawPath = '', query = ''] = pathWithQuery.split('?', 2);
  const path = rawPath.replace(/\/+$/, '');
  const cache = cacheFor(defs);
  if (path !== '/openapi/v2' && path !== '/swagger-2.0.0.pb-v1' && !path.startsWith('/openapi/v3')) {
    return status(404, 'NotFound', '404 page not found');
  }
  try {
    if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
      const models = loadModels();
      if (path === '/swagger-2.0.0.pb-v1' || wantsV2Proto(accept)) {
        cache.v2proto ??= rendered(Buffer.from(encodeSwagger(swaggerDocument(models, defs))));
        return withEtag(cache.v2proto, V2_PROTO_CONTENT_TYPE, ifNoneMatch);
      }
      cache.v2json ??= rendered(JSON.stringify(swaggerDocument(models, defs)));
      return withEtag(cache.v2json, 'application/json', ifNoneMatch);
    }
    const rest = path.replace(/^\/openapi\/v3\/?/, '');
    if (rest === '') {
      return { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, no-store, must-revalidate' }, body: v3Index(defs, cache) };
    }
    const gv = groupVersionKeys(defs).find((k) => k.key === rest);
    if (!gv) return status(404, 'NotFound', `404 page not found`);
    const doc = v3Doc(gv.key, gv.group, gv.version, defs, cache);
    const hash = new URLSearchParams(query).get('hash');
    if (hash !== null && hash !== doc.hash) {
      // A stale hash: point the client at the current document, as kube-openapi does.
      return { status: 301, headers: { Location: `/openapi/v3/${gv.key}?hash=${doc.hash}` }, body: '' };
    }
    const expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
    const caching: Record<string, string> = hash !== null
      ? { 'Cache-Control': 'public, immutable', Expires: expires }
      : { 'Cache-Control': 'no-cache, no-store, must-revalidate' };
    return withEtag(doc, 'application/json', ifNoneMatch, caching);
  } catch (e) {
    if (e instanceof ModelsMissingError) return status(503, 'ServiceUnavailable', e.message);
    throw e;
  }
}
