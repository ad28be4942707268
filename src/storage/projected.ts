// projected volumes: secret, configMap, downwardAPI and serviceAccountToken sources merged into
// one directory (later sources win on a clash, as upstream). Every source's error is reported.
import type { ApiClient } from '../machinery/client';
import type { Pod } from '../node/types';
import { fetchConfigMapPayload } from './config-map';
import { type DownwardItem, type NodeAllocatable, downwardPayload } from './downward-api';
import { payloadPathError } from './paths';
import { DEFAULT_FILE_MODE, type Payload, modeOf } from './payload';
import { fetchSecretPayload } from './secret';
import type { TokenCache, TokenSource } from './service-account-token';

export interface ProjectedSource {
  sources?: Record<string, unknown>[];
  defaultMode?: number;
}

export interface ProjectedDeps {
  client: ApiClient;
  tokens: TokenCache;
  node: NodeAllocatable;
}

async function sourcePayload(pod: Pod, s: Record<string, unknown>, mode: number, deps: ProjectedDeps): Promise<Payload> {
  const ns = pod.metadata.namespace ?? '';
  if (s.secret) return fetchSecretPayload(deps.client, ns, s.secret, mode);
  if (s.configMap) return fetchConfigMapPayload(deps.client, ns, s.configMap, mode);
  if (s.downwardAPI) return downwardPayload(pod, (s.downwardAPI as { items?: DownwardItem[] }).items, mode, deps.node);
  if (s.serviceAccountToken) {
    const t = s.serviceAccountToken as TokenSource;
    const path = typeof t.path === 'string' ? t.path : '';
    const err = payloadPathError(path);
    if (err) throw new Error(err);
    const token = await deps.tokens.token(pod, t);
    return new Map([[path, { data: Buffer.from(token, 'utf8'), mode }]]);
  }
  const kinds = Object.keys(s).join(', ') || '(none)';
  throw new Error(`projected source ${kinds} is not supported on this node; use secret, configMap, downwardAPI or serviceAccountToken`);
}

export async function projectedPayload(pod: Pod, src: ProjectedSource, deps: ProjectedDeps): Promise<Payload> {
  const mode = modeOf(src.defaultMode, DEFAULT_FILE_MODE);
  const out: Payload = new Map();
  const errs: string[] = [];
  for (const s of src.sources ?? []) {
    try {
      for (const [k, v] of await sourcePayload(pod, s, mode, deps)) out.set(k, v);
    } catch (e) {
      errs.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (errs.length === 1) throw new Error(errs[0]);
  if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  return out;
}
