// Bearer-token authentication with kube-apiserver's decisions:
//  - a valid token (Authorization: Bearer, or the websocket subprotocol kubectl/browsers use) is admin;
//  - a service account token is that service account, which may do what upstream's default RBAC
//    gives every authenticated user (discovery, whoami, self reviews), nothing more;
//  - a token that is present but wrong is 401 on every path (upstream never treats a bad token as
//    anonymous: union.NewFailOnError before the anonymous authenticator);
//  - no credentials at all is system:anonymous, which the default RBAC role system:public-info-viewer
//    lets GET exactly /healthz, /livez, /readyz, /version and /version/ (not their sub-paths);
//    anything else is 403 for system:anonymous, with upstream's message.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { authorize } from '../machinery/authorization';
import { ApiError, errors } from '../machinery/errors';
import { writeFileAtomic } from './kubeconfig';

export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** Tokens other than the admin token (service account JWTs): the user, or undefined if not valid. */
export interface TokenAuthenticator {
  authenticate(token: string): Promise<UserInfo | undefined>;
}

export const ADMIN_USER: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
export const ANONYMOUS_USER: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Node's IncomingHttpHeaders fits: lower-case names, repeated headers as arrays. */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Paths the default ClusterRole system:public-info-viewer grants `get` on to everyone. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

const WS_TOKEN_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/** Reads DIR/token, creating it (32 random bytes, base64url, mode 0600) on first start. */
export async function ensureAdminToken(dataDir: string): Promise<string> {
  const path = join(dataDir, 'token');
  const existing = await readToken(path);
  if (existing) return existing;
  const token = randomBytes(32).toString('base64url');
  // Exclusive unless a (broken) empty file is in the way: two servers starting at once agree on one token.
  if (await writeFileAtomic(path, `${token}\n`, { mode: 0o600, exclusive: existing === undefined })) return token;
  const winner = await readToken(path);
  if (!winner) throw new Error(`${path}: token file exists but is empty`);
  return winner;
}

/** undefined: no file; '': a file with nothing in it. */
async function readToken(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The admin user if the request carries one of `tokens`; undefined otherwise (no token, or a wrong one). */
export function authenticate(headers: Headers, tokens: readonly string[]): { user: UserInfo } | undefined {
  const c = credentials(headers);
  return c.token !== undefined && matches(c.token, tokens) ? { user: ADMIN_USER } : undefined;
}

export interface AccessRequest {
  method: string;
  /** The request path; a query string is ignored. */
  path: string;
  headers: Headers;
  /** For a resource request, what the router parsed: makes the 403 message upstream's resource form. */
  resource?: ResourceAttributes;
}

export interface ResourceAttributes {
  /** get, list, watch, create, update, patch, delete, deletecollection */
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export type Access = { user: UserInfo } | { error: ApiError };

/**
 * Authentication and authorization: admin may do anything, anonymous only read the public info
 * paths, other token users (service accounts) what the default RBAC policy grants them.
 * Respond with toStatus(result.error) and its code when there is an error.
 */
export async function checkAccess(req: AccessRequest, tokens: readonly string[], others?: TokenAuthenticator): Promise<Access> {
  const c = credentials(req.headers);
  if (c.token !== undefined) {
    if (matches(c.token, tokens)) return { user: ADMIN_USER };
    const user = others ? await others.authenticate(c.token) : undefined;
    return user ? authorizeRequest(user, req) : { error: errors.unauthorized() };
  }
  if (c.malformed) return { error: errors.unauthorized() };
  if (!req.resource && req.method.toUpperCase() === 'GET' && isPublicPath(req.path)) return { user: ANONYMOUS_USER };
  return { error: forbidden(ANONYMOUS_USER, req) };
}

/** RBAC with upstream's bootstrap policy; non-resource verbs are the lower-cased method, as upstream's. */
function authorizeRequest(user: UserInfo, req: AccessRequest): Access {
  const r = req.resource;
  const q = req.path.indexOf('?');
  const decision = authorize(user, r ? { resource: { ...r } } : { nonResource: { path: q === -1 ? req.path : req.path.slice(0, q), verb: req.method.toLowerCase() } });
  return decision.allowed ? { user } : { error: forbidden(user, req) };
}

/** True for the paths anyone may GET without credentials. */
export function isPublicPath(path: string): boolean {
  const q = path.indexOf('?');
  return PUBLIC_PATHS.has(q === -1 ? path : path.slice(0, q));
}

/** Upstream's 403 (responsewriters.Forbidden + apierrors.NewForbidden) for a user the request isn't allowed to. */
export function forbidden(user: UserInfo, req: Pick<AccessRequest, 'method' | 'path' | 'resource'>): ApiError {
  const r = req.resource;
  if (!r) {
    const q = req.path.indexOf('?');
    const path = q === -1 ? req.path : req.path.slice(0, q);
    return new ApiError('Forbidden', `forbidden: User ${JSON.stringify(user.name)} cannot ${req.method.toLowerCase()} path ${JSON.stringify(path)}`, {});
  }
  const what = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const where = r.namespace ? `in the namespace ${JSON.stringify(r.namespace)}` : 'at the cluster scope';
  const why = `User ${JSON.stringify(user.name)} cannot ${r.verb} resource ${JSON.stringify(what)} in API group ${JSON.stringify(r.group)} ${where}`;
  const gr = r.group ? `${r.resource}.${r.group}` : r.resource;
  const subject = r.name ? `${gr} ${JSON.stringify(r.name)}` : gr;
  return new ApiError('Forbidden', `${subject} is forbidden: ${why}`, {
    ...(r.name ? { name: r.name } : {}),
    ...(r.group ? { group: r.group } : {}),
    kind: r.resource,
  });
}

/** Which WebSocket subprotocols to echo back: all but the one carrying the token (upstream strips it). */
export function subprotocolsWithoutToken(headers: Headers): string[] {
  return headerValues(headers, 'sec-websocket-protocol').filter((p) => !p.startsWith(WS_TOKEN_PREFIX));
}

interface Credentials {
  token?: string;
  /** Credentials were offered but can't be read: upstream answers 401, not anonymous. */
  malformed?: boolean;
}

function credentials(headers: Headers): Credentials {
  const auth = first(headers['authorization'])?.trim() ?? '';
  // Upstream's bearertoken authenticator: "Bearer <token>", scheme case-insensitive, single space.
  const parts = auth.split(' ');
  if (parts.length >= 2 && parts[0]?.toLowerCase() === 'bearer' && parts[1]) return { token: parts[1] };
  if (isWebSocketUpgrade(headers)) return wsCredentials(headers);
  return {};
}

// Browsers can't set headers on a WebSocket, so the token rides in a subprotocol; upstream accepts
// it only on upgrade requests and only beside at least one real subprotocol.
function wsCredentials(headers: Headers): Credentials {
  const protocols = headerValues(headers, 'sec-websocket-protocol');
  const tokenProtocols = protocols.filter((p) => p.startsWith(WS_TOKEN_PREFIX));
  if (tokenProtocols.length === 0) return {};
  const encoded = tokenProtocols[0]?.slice(WS_TOKEN_PREFIX.length) ?? '';
  if (tokenProtocols.length > 1 || protocols.length === tokenProtocols.length || !/^[A-Za-z0-9_-]*$/.test(encoded)) {
    return { malformed: true };
  }
  const token = Buffer.from(encoded, 'base64url').toString('utf8');
  return token ? { token } : {};
}

function isWebSocketUpgrade(headers: Headers): boolean {
  const connection = headerValues(headers, 'connection').map((v) => v.toLowerCase());
  return connection.includes('upgrade') && (first(headers['upgrade']) ?? '').toLowerCase() === 'websocket';
}

function headerValues(headers: Headers, name: string): string[] {
  const v = headers[name];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Constant-time: hashing first gives equal lengths, and every known token is compared. */
function matches(token: string, tokens: readonly string[]): boolean {
  const given = createHash('sha256').update(token).digest();
  let ok = false;
  for (const t of tokens) {
    if (timingSafeEqual(given, createHash('sha256').update(t).digest())) ok = true;
  }
  return ok;
}
