// The HTTPS front door: authentication, health, version, discovery, OpenAPI, then REST.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ApiError, asApiError, errors } from '../machinery/errors';
import { checkAccess } from './auth';
import { discoveryResponse } from './discovery/discovery';
import type { ApiDeps } from './handlers/context';
import { handleResource } from './handlers/rest';
import { parseResourcePath } from './http/request-info';
import { writeError, writeJson } from './http/respond';
import { openapiResponse } from './openapi/handler';
import type { Metrics } from './metrics';

export interface ApiServerOptions {
  host: string;
  port: number;
  certPem: string;
  keyPem: string;
  tokens: string[];
  deps: ApiDeps;
  log: Logger;
  metrics: Metrics;
  /** Checks /readyz runs besides "the server listens". */
  readyChecks?: () => Record<string, boolean>;
}

export const serverVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0+berth',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-28T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const healthPaths = new Set(['/healthz', '/livez', '/readyz']);

/** The request target as a URL; anything unparsable is the client's fault (400). */
function requestUrl(target: string | undefined): URL {
  const t = target ?? '/';
  if (!t.startsWith('/') || t.startsWith('//')) throw errors.badRequest(`malformed request target ${JSON.stringify(t.slice(0, 100))}`);
  try {
    return new URL(t, 'https://berth');
  } catch (err) {
    throw errors.badRequest(`malformed request target ${JSON.stringify(t.slice(0, 100))}`, err);
  }
}

export class ApiServer {
  private server: Server | undefined;
  address: AddressInfo | undefined;

  constructor(private readonly opts: ApiServerOptions) {}

  async start(signal: AbortSignal): Promise<void> {
    const server = createServer({ cert: this.opts.certPem, key: this.opts.keyPem }, (req, res) => {
      // dispatch answers every error itself; this catch is the last line of defence for the process.
      this.dispatch(req, res).catch((err: unknown) => {
        this.opts.log.error({ err }, 'request handler failed');
        if (!res.headersSent) writeError(res, asApiError(err));
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.address = server.address() as AddressInfo;
    signal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    let verb = method.toLowerCase();
    let url = new URL('https://berth/');
    try {
      url = requestUrl(req.url);
      const info = parseResourcePath(method, url.pathname, url.searchParams);
      if (info) verb = info.verb;
      const access = checkAccess(
        {
          method,
          path: url.pathname,
          headers: req.headers,
          ...(info
            ? { resource: { verb: info.verb, group: info.group, resource: info.resource, ...(info.subresource ? { subresource: info.subresource } : {}), ...(info.namespace ? { namespace: info.namespace } : {}), ...(info.name ? { name: info.name } : {}) } }
            : {}),
        },
        this.opts.tokens,
      );
      if ('error' in access) throw access.error;
      if (info) {
        await handleResource(this.opts.deps, { req, res, url, info, user: access.user, userAgent: String(req.headers['user-agent'] ?? '') });
      } else {
        this.nonResource(req, res, url);
      }
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : asApiError(err);
      if (apiErr.code >= 500) this.opts.log.error({ err, method, path: url.pathname }, 'request failed');
      writeError(res, apiErr);
    } finally {
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      this.opts.metrics.observeRequest(verb, res.statusCode, secs);
    }
  }

  private nonResource(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const base = `/${path.split('/')[1] ?? ''}`;
    if (healthPaths.has(base)) return this.health(res, path, url);
    if (path === '/version') return writeJson(res, 200, serverVersion);
    if (path === '/metrics') {
      const text = this.opts.metrics.render();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(text);
      return;
    }
    if (path.startsWith('/openapi/')) {
      const r = openapiResponse(url.pathname + url.search, String(req.headers.accept ?? ''), this.opts.deps.registry.defs, String(req.headers['if-none-match'] ?? ''));
      res.writeHead(r.status, r.headers);
      res.end(r.body);
      return;
    }
    if (path === '/api' || path.startsWith('/api/') || path === '/apis' || path.startsWith('/apis/')) {
      const r = discoveryResponse(path, String(req.headers.accept ?? ''), [...this.opts.deps.registry.defs], {
        ...(req.headers['if-none-match'] ? { ifNoneMatch: String(req.headers['if-none-match']) } : {}),
      });
      if (r) {
        res.writeHead(r.status, r.headers);
        res.end(r.body);
        return;
      }
    }
    if (path === '/') {
      return writeJson(res, 200, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/metrics', '/openapi/v2', '/openapi/v3', '/version'] });
    }
    throw errors.pathNotFound();
  }

  private health(res: ServerResponse, path: string, url: URL): void {
    const checks: Record<string, boolean> = { ping: true, log: true, etcd: true, ...(this.opts.readyChecks?.() ?? {}) };
    const parts = path.split('/').filter(Boolean);
    if (parts.length === 2) {
      const name = parts[1] ?? '';
      if (!(name in checks)) throw errors.pathNotFound();
      const ok = checks[name];
      res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(ok ? 'ok' : `internal server error: ${name} check failed`);
      return;
    }
    const ok = Object.values(checks).every(Boolean);
    let body = ok ? 'ok' : `${parts[0] ?? 'healthz'} check failed`;
    if (url.searchParams.has('verbose')) {
      body = `${Object.entries(checks)
        .map(([k, v]) => `[${v ? '+' : '-'}]${k} ${v ? 'ok' : 'failed'}`)
        .join('\n')}\n${parts[0] ?? ''} check ${ok ? 'passed' : 'failed'}`;
    }
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  }
}
