// Entry point for discovery requests: picks the representation the client's Accept asks for
// (aggregated v2, v2beta1, or the legacy documents) and renders it.
import { createHash } from 'node:crypto';
import type { ResourceDef } from '../../machinery/resource';
import { aggregatedDiscovery, type AggregatedVersion } from './aggregated';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from './legacy';
import { type DiscoveredGroup, discoverGroups, type DiscoveryOptions } from './model';

export interface DiscoveryReply {
  status: number;
  contentType: string;
  headers: Record<string, string>;
  body: string;
}

export interface DiscoveryRequestOptions extends DiscoveryOptions {
  /** For APIVersions.serverAddressByClientCIDRs. */
  serverAddress?: string;
  ifNoneMatch?: string;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

export function parseAccept(accept: string): MediaRange[] {
  const ranges = accept.split(',').flatMap((part, i): (MediaRange & { i: number })[] => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    if (!type) return [];
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    return [{ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 1, i }];
  });
  // Stable: by q, then in the order the client listed them.
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
}

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*']);

/** Aggregated version to serve, 'legacy' for plain JSON, or undefined when nothing acceptable. */
export function chooseDiscovery(accept: string): AggregatedVersion | 'legacy' | undefined {
  if (accept.trim() === '') return 'legacy';
  for (const r of parseAccept(accept)) {
    if (!JSON_TYPES.has(r.type)) continue;
    const { g, v, as } = r.params;
    if (g === undefined && v === undefined && as === undefined) return 'legacy';
    if (g === 'apidiscovery.k8s.io' && as === 'APIGroupDiscoveryList' && (v === 'v2' || v === 'v2beta1')) return v;
  }
  return undefined;
}

function reply(body: object, contentType: string, ifNoneMatch: string | undefined): DiscoveryReply {
  const text = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`;
  const headers = { 'Content-Type': contentType, Vary: 'Accept', ETag: etag };
  if (ifNoneMatch === etag) return { status: 304, contentType, headers, body: '' };
  return { status: 200, contentType, headers, body: text };
}

function notFound(): DiscoveryReply {
  const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `the server could not find the requested resource`, reason: 'NotFound', details: {}, code: 404 };
  return { status: 404, contentType: 'application/json', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * Answers /api, /apis, /api/v1, /apis/G and /apis/G/V. Returns undefined for any other path so
 * the router can go on (e.g. /apis/G/V/namespaces/...).
 */
// The served resources never change while a server runs: derive the groups once per list,
// not on every discovery request (kubectl sends several per command).
const groupCache = new WeakMap<readonly ResourceDef[], Map<boolean, DiscoveredGroup[]>>();

function groupsOf(defs: readonly ResourceDef[], opts: DiscoveryOptions): DiscoveredGroup[] {
  let byMetrics = groupCache.get(defs);
  if (!byMetrics) groupCache.set(defs, (byMetrics = new Map()));
  const key = opts.metrics === true;
  let groups = byMetrics.get(key);
  if (!groups) byMetrics.set(key, (groups = discoverGroups(defs, opts)));
  return groups;
}

export function discoveryResponse(
  path: string,
  accept: string,
  defs: readonly ResourceDef[],
  opts: DiscoveryRequestOptions = {},
): DiscoveryReply | undefined {
  const parts = path.replace(/\?.*$/, '').split('/').filter(Boolean);
  const root = parts[0];
  if ((root !== 'api' && root !== 'apis') || parts.length > (root === 'api' ? 2 : 3)) return undefined;
  const groups = groupsOf(defs, opts);
  if (parts.length === 1) {
    const choice = chooseDiscovery(accept);
    if (choice === undefined) {
      const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
        message: `only the following media types are accepted: application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList, application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList`,
        reason: 'NotAcceptable', code: 406 };
      return { status: 406, contentType: 'application/json', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
    }
    if (choice !== 'legacy') {
      const ct = `application/json;g=apidiscovery.k8s.io;v=${choice};as=APIGroupDiscoveryList`;
      return reply(aggregatedDiscovery(groups, root, choice), ct, opts.ifNoneMatch);
    }
    const body = root === 'api' ? apiVersions(groups, opts.serverAddress) : apiGroupList(groups);
    return reply(body, 'application/json', opts.ifNoneMatch);
  }
  const [group, version] = root === 'api' ? ['', parts[1] ?? ''] : [parts[1] ?? '', parts[2]];
  if (version === undefined) {
    const g = groups.find((x) => x.name === group && group !== '');
    return g ? reply({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) }, 'application/json', opts.ifNoneMatch) : notFound();
  }
  const list = apiResourceList(groups, group, version);
  return list ? reply(list, 'application/json', opts.ifNoneMatch) : notFound();
}
