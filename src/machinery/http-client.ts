// ApiClient over HTTPS, for components that run outside `berth server` (`berth agent`): the same
// calls the in-process client serves, through the Kubernetes REST API with a bearer token.
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ApiClient, ClientWatchEvent, DeleteOpts, ListOpts, ObjectList, PatchType, ResourceRef, WriteOpts } from './client';
import { ApiError, type Reason, type Status } from './errors';
import type { KObject } from './types';

const patchTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const reasonsByCode: Record<number, Reason> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 410: 'Gone', 422: 'Invalid', 429: 'TooManyRequests', 503: 'ServiceUnavailable', 504: 'Timeout' };

export interface HttpClientOptions {
  /** https://HOST:PORT */
  server: string;
  token: string;
  caPem: string;
  userAgent?: string;
}

export class HttpClient implements ApiClient {
  private readonly agent: Agent;

  constructor(private readonly opts: HttpClientOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 16, ca: opts.caPem });
  }

  private path(r: ResourceRef, ns: string | undefined, name?: string, sub?: string): string {
    const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
    const nsPart = ns === undefined ? '' : `/namespaces/${encodeURIComponent(ns)}`;
    return `${base}${nsPart}/${r.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}${sub ? `/${sub}` : ''}`;
  }

  private send(method: string, path: string, body?: { type: string; data: string }): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.opts.server), {
        method,
        agent: this.agent,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          accept: 'application/json',
          'user-agent': this.opts.userAgent ?? 'berth-agent',
          // Node frames DELETE bodies only with an explicit length (no chunking by default).
          ...(body ? { 'content-type': body.type, 'content-length': Buffer.byteLength(body.data) } : {}),
        },
      });
      req.on('response', resolve);
      req.on('error', (err) => reject(new ApiError('ServiceUnavailable', `Cannot reach the API server at ${this.opts.server}: ${err.message}; check --server and that berth server runs`, undefined, { cause: err })));
      req.end(body?.data);
    });
  }

  private async call<T>(method: string, path: string, body?: { type: string; data: string }): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await readAll(res);
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch (err) {
      throw new ApiError('InternalError', `the API server sent a non-JSON answer (${res.statusCode ?? 0}): ${text.slice(0, 200)}`, undefined, { cause: err });
    }
    const code = res.statusCode ?? 0;
    if (code >= 400) throw toApiError(code, parsed);
    return parsed as T;
  }

  get(r: ResourceRef, ns: string | undefined, name: string, sub?: string): Promise<KObject> {
    return this.call('GET', this.path(r, ns, name, sub));
  }

  list(r: ResourceRef, ns: string | undefined, opts: ListOpts = {}): Promise<ObjectList> {
    return this.call('GET', this.path(r, ns) + query(opts));
  }

  create(r: ResourceRef, ns: string | undefined, obj: KObject, opts: WriteOpts = {}, sub?: string): Promise<KObject> {
    const name = sub ? (obj.metadata?.name ?? '') : undefined;
    return this.call('POST', this.path(r, ns, name, sub) + query(writeQuery(opts)), json(obj));
  }

  update(r: ResourceRef, ns: string | undefined, obj: KObject, opts: WriteOpts = {}, sub?: string): Promise<KObject> {
    return this.call('PUT', this.path(r, ns, obj.metadata?.name ?? '', sub) + query(writeQuery(opts)), json(obj));
  }

  patch(r: ResourceRef, ns: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOpts = {}, sub?: string): Promise<KObject> {
    const q = { ...writeQuery(opts), ...(type === 'apply' ? { fieldManager: opts.fieldManager ?? 'berth-agent', ...(opts.force ? { force: 'true' } : {}) } : {}) };
    return this.call('PATCH', this.path(r, ns, name, sub) + query(q), { type: patchTypes[type], data: JSON.stringify(patch) });
  }

  delete(r: ResourceRef, ns: string | undefined, name: string, opts: DeleteOpts = {}): Promise<KObject> {
    return this.call('DELETE', this.path(r, ns, name), json({ kind: 'DeleteOptions', apiVersion: 'v1', ...opts }));
  }

  async watch(r: ResourceRef, ns: string | undefined, opts: ListOpts & { allowWatchBookmarks?: boolean }, onEvent: (e: ClientWatchEvent) => void): Promise<() => void> {
    const q: Record<string, string | number | boolean | undefined> = { ...opts, watch: 'true' };
    const res = await this.send('GET', this.path(r, ns) + query(q));
    if ((res.statusCode ?? 0) >= 400) throw toApiError(res.statusCode ?? 0, JSON.parse((await readAll(res)) || '{}'));
    let stopped = false;
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line !== '' && !stopped) onEvent(JSON.parse(line) as ClientWatchEvent);
      }
    });
    // The informer restarts on ERROR: a stream that ends (timeout, server restart) reports one.
    const ended = () => {
      if (stopped) return;
      stopped = true;
      onEvent({ type: 'ERROR', object: { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason: 'Expired', message: 'watch stream ended', code: 410 } });
    };
    res.on('end', ended);
    res.on('error', ended);
    res.on('close', ended);
    return () => {
      stopped = true;
      res.destroy();
    };
  }
}

function json(obj: unknown): { type: string; data: string } {
  return { type: 'application/json', data: JSON.stringify(obj) };
}

function writeQuery(o: WriteOpts): Record<string, string | undefined> {
  return { fieldManager: o.fieldManager, dryRun: o.dryRun ? 'All' : undefined };
}

function query(o: object): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (s += c));
    res.on('end', () => resolve(s));
    res.on('error', reject);
  });
}

function toApiError(code: number, body: unknown): ApiError {
  const st = (typeof body === 'object' && body !== null ? body : {}) as Partial<Status>;
  const reason = (typeof st.reason === 'string' && st.reason !== '' ? st.reason : (reasonsByCode[code] ?? 'InternalError')) as Reason;
  return new ApiError(reason, st.message ?? `the API server answered ${code}`, st.details);
}
