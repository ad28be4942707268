// serviceAccountToken projections: a bound token from the TokenRequest subresource, cached and
// refreshed at 80% of its lifetime (or after 24 h), as the kubelet's token manager does.
import type { ApiClient } from '../machinery/client';
import type { Clock } from '../machinery/clock';
import type { KObject } from '../machinery/types';
import type { Pod } from '../node/types';

export interface TokenSource {
  audience?: unknown;
  expirationSeconds?: unknown;
  path?: unknown;
}

interface Cached {
  token: string;
  issued: number;
  expires: number;
}

const DAY_MS = 24 * 3600 * 1000;

/** Whether a token issued at `issued` expiring at `expires` should be replaced at `now` (ms). */
export function needsRefresh(issued: number, expires: number, now: number): boolean {
  return now >= issued + 0.8 * (expires - issued) || now - issued > DAY_MS;
}

export function tokenRequest(pod: Pod, src: TokenSource): KObject {
  const audience = typeof src.audience === 'string' ? src.audience : '';
  const exp = typeof src.expirationSeconds === 'number' ? src.expirationSeconds : 3600;
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name: pod.spec.serviceAccountName || 'default', namespace: pod.metadata.namespace ?? '' },
    spec: {
      audiences: audience ? [audience] : [],
      expirationSeconds: exp,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
    },
  };
}

export class TokenCache {
  private readonly tokens = new Map<string, Cached>();
  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
  ) {}

  async token(pod: Pod, src: TokenSource): Promise<string> {
    const req = tokenRequest(pod, src);
    const key = `${pod.metadata.uid ?? ''}/${JSON.stringify(req.spec)}/${req.metadata.name ?? ''}`;
    const now = this.clock.now().getTime();
    const hit = this.tokens.get(key);
    if (hit && !needsRefresh(hit.issued, hit.expires, now)) return hit.token;
    let res: KObject;
    try {
      res = await this.client.create({ group: '', version: 'v1', plural: 'serviceaccounts' }, pod.metadata.namespace, req, {}, 'token');
    } catch (e) {
      // A still-valid token is better than none while the API is unreachable.
      if (hit && now < hit.expires) return hit.token;
      throw new Error(`failed to fetch token: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const status = (res.status ?? {}) as { token?: unknown; expirationTimestamp?: unknown };
    if (typeof status.token !== 'string' || status.token === '') throw new Error('failed to fetch token: the TokenRequest response has no status.token');
    const expires = typeof status.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : NaN;
    const exp = typeof (req.spec as { expirationSeconds: number }).expirationSeconds === 'number' ? (req.spec as { expirationSeconds: number }).expirationSeconds : 3600;
    this.tokens.set(key, { token: status.token, issued: now, expires: Number.isFinite(expires) ? expires : now + exp * 1000 });
    return status.token;
  }

  forget(podUid: string): void {
    for (const k of this.tokens.keys()) if (k.startsWith(`${podUid}/`)) this.tokens.delete(k);
  }
}
