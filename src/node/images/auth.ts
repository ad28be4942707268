// Registry authentication: the WWW-Authenticate challenge (Bearer token realm as Docker Hub uses,
// or Basic), matching docker-config credentials to a host, and fetching a token from the realm.
import type { RegistryAuth } from '../types';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (quoted or bare values, commas inside quotes). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2] ?? '';
  re.lastIndex = 0;
  for (let p = re.exec(rest); p; p = re.exec(rest)) {
    params[(p[1] ?? '').toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    if (re.lastIndex >= rest.length) break;
  }
  return { scheme: (m[1] ?? '').toLowerCase(), params };
}

/** Docker Hub answers under several names; credentials for any of them are Docker Hub's. */
export function canonicalHost(server: string): string {
  let host = server.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  host = host.split('/')[0] ?? host;
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com') return 'docker.io';
  return host;
}

export interface Credentials {
  username?: string;
  password?: string;
  identityToken?: string;
}

/** The credentials for the first host of `hosts` that has an entry in `auths`. */
export function credentialsFor(auths: RegistryAuth[] | undefined, hosts: string[]): Credentials | undefined {
  for (const host of hosts) {
    const entry = (auths ?? []).find((a) => canonicalHost(a.server) === canonicalHost(host));
    if (!entry) continue;
    if (entry.identitytoken) return { identityToken: entry.identitytoken };
    if (entry.username !== undefined || entry.password !== undefined) {
      return { username: entry.username ?? '', password: entry.password ?? '' };
    }
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString();
      const colon = decoded.indexOf(':');
      if (colon >= 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

/**
 * Asks the challenge's realm for a bearer token for `scope` (anonymous, or with basic credentials,
 * or with an identity token through the OAuth2 refresh-token grant).
 */
export async function fetchToken(challenge: Challenge, scope: string, creds: Credentials | undefined, signal?: AbortSignal): Promise<string> {
  const realm = challenge.params.realm;
  if (!realm) throw new Error('Cannot authenticate to the registry: its Bearer challenge names no realm');
  const service = challenge.params.service;
  let res: Response;
  if (creds?.identityToken) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'berth' });
    if (service) form.set('service', service);
    if (scope) form.set('scope', scope);
    res = await fetch(realm, { method: 'POST', body: form, ...(signal ? { signal } : {}) });
  } else {
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    if (scope) url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    if (creds) headers.authorization = basicHeader(creds);
    res = await fetch(url, { headers, ...(signal ? { signal } : {}) });
  }
  const text = await res.text();
  if (!res.ok) {
    const who = creds ? 'with the given credentials' : 'anonymously';
    throw new Error(`failed to fetch ${creds ? '' : 'anonymous '}token: unexpected status from ${creds?.identityToken ? 'POST' : 'GET'} request to ${realm}: ${res.status} ${res.statusText} (authenticating ${who}; check imagePullSecrets)`.replace('  ', ' '));
  }
  let body: { token?: unknown; access_token?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`Cannot authenticate to the registry: the token realm ${realm} answered with something that is not JSON`);
  }
  const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
  if (!token) throw new Error(`Cannot authenticate to the registry: the token realm ${realm} returned no token`);
  return token;
}
