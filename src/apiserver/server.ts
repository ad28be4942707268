// The HTTPS front door: authentication, health, version, discovery, OpenAPI, then REST.
import { createServer, type Server } from 'node:https';
import { closeServer, listen } from '../machinery/listen';
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { ApiError, asApiError, errors } from '../machinery/errors';
import { checkAccess } from './auth';
import { discoveryResponse } from './discovery/discovery';
import type { ApiDeps } from './handlers/context';
import { handleResource } from './handlers/rest';
import { parseResourcePath } from './http/request-info';
import { writeError, writeJson } from './http/respond';
import { openapiResponse } from './openapi/handler';
import { answerHealth, type HealthCheck, type HealthEndpoint } from './health';
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
  /** The checks behind /healthz, /livez and /readyz. */
  health: Record<HealthEndpoint, HealthCheck[]>;
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

const healthPaths = new Set(['healthz', 'livez', 'readyz']);

/** Thrown for a target with repeated slashes: answered with a redirect to the clean path. */
class Redirect {
  constructor(readonly location: string) {}
}

/** The request target as a URL; anything unparsable is the client's fault (400). */
function requestUrl(target: string | undefined): URL {
  const t = target ?? '/';
  if (!t.startsWith('/')) throw errors.badRequest(`malformed request target ${JSON.stringify(t.slice(0, 100))}`);
  // Like Go's mux: //api and /api//v1 are redirected to their cleaned path.
  const q = t.indexOf('?');
  const path = q < 0 ? t : t.slice(0, q);
  if (path.includes('//')) throw new Redirect(path.replace(/\/{2,}/g, '/') + (q < 0 ? '' : t.slice(q)));
  try {
    return new URL(t, 'https://berth');
  } catch (err) {
    throw errors.badRequest(`malformed request target ${JSON.stringify(t.slice(0, 100))}`, err);
  }
}

export class ApiServer {
  private server: Server | undefined;
  private readonly upgraded = new Set<Socket>();
  address: AddressInfo | undefined;

  constructor(private readonly opts: ApiServerOptions) {}

  async start(signal: AbortSignal): Promise<void> {
    // Go's default header limit is 1 MiB; Node's 16 KiB would refuse large tokens or cookies.
    const server = createServer({ cert: this.opts.certPem, key: this.opts.keyPem, maxHeaderSize: 1 << 20 }, (req, res) => {
      // dispatch answers every error itself; this catch is the last line of defence for the process.
      this.dispatch(req, res).catch((err: unknown) => {
        this.opts.log.error({ err }, 'request handler failed');
        if (!res.headersSent) writeError(res, asApiError(err));
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    // exec/attach/portforward upgrade to SPDY or WebSocket: they take the same auth and routing
    // as requests; a connector takes over the socket, anything else answers on it and closes it.
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      this.upgraded.add(socket);
      socket.on('close', () => this.upgraded.delete(socket));
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket);
      res.on('finish', () => socket.end());
      this.dispatch(req, res).catch((err: unknown) => {
        this.opts.log.error({ err }, 'upgrade handler failed');
        socket.destroy();
      });
    });
    this.server = server;
    this.address = await listen(server, this.opts.port, this.opts.host);
    signal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    for (const sock of this.upgraded) sock.destroy();
    await closeServer(s);
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
      const access = await checkAccess(
        {
          method,
          path: url.pathname,
          headers: req.headers,
          ...(info
            ? { resource: { verb: info.verb, group: info.group, resource: info.resource, ...(info.subresource ? { subresource: info.subresource } : {}), ...(info.namespace ? { namespace: info.namespace } : {}), ...(info.name ? { name: info.name } : {}) } }
            : {}),
        },
        this.opts.tokens,
        this.opts.deps.serviceAccountTokens,
      );
      if ('error' in access) throw access.error;
      if (info) {
        await handleResource(this.opts.deps, { req, res, url, info, user: access.user, userAgent: String(req.headers['user-agent'] ?? '') });
      } else {
        await this.nonResource(req, res, url);
      }
    } catch (err) {
      if (err instanceof Redirect) {
        res.writeHead(301, { Location: err.location, 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<a href="${err.location.replace(/[<>"&]/g, '')}">Moved Permanently</a>.\n`);
        return;
      }
      const apiErr = err instanceof ApiError ? err : asApiError(err);
      if (apiErr.code >= 500) this.opts.log.error({ err, method, path: url.pathname }, 'request failed');
      writeError(res, apiErr);
    } finally {
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      this.opts.metrics.observeRequest(verb, res.statusCode, secs);
    }
  }

  private async nonResource(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const [first = '', ...rest] = path.split('/').filter(Boolean);
    if (healthPaths.has(first)) {
      const endpoint = first as HealthEndpoint;
      return answerHealth(res, endpoint, rest, url.searchParams, this.opts.health[endpoint]);
    }
    // Everything else here is read-only, as upstream's routes are.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw errors.methodNotAllowed();
    }
    if (path === '/version') return writeJson(res, 200, serverVersion);
    if (path === '/metrics') {
      const text = this.opts.metrics.render();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(text);
      return;
    }
    if (path.startsWith('/openapi/') || path === '/swagger-2.0.0.pb-v1') {
      const r = openapiResponse(url.pathname + url.search, String(req.headers.accept ?? ''), this.opts.deps.registry.defs, String(req.headers['if-none-match'] ?? ''));
      res.writeHead(r.status, r.headers);
      res.end(r.body);
      return;
    }
    if (path === '/api' || path.startsWith('/api/') || path === '/apis' || path.startsWith('/apis/')) {
      const r = discoveryResponse(path, String(req.headers.accept ?? ''), this.opts.deps.registry.defs, {
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
}
