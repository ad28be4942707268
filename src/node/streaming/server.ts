// The node's kubelet-style streaming server: container logs over plain HTTPS; exec, attach and
// port-forward over SPDY/3.1 or WebSocket upgrades. Only the apiserver (holding `token`) may call it.
import { createServer, type Server } from 'node:https';
import { closeServer, listen } from '../../machinery/listen';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { type StreamRuntime, StreamTargetError } from '../types';
import { streamLogs } from './log-stream';
import { parseLogQuery } from './logs';
import { portForwardHandler } from './portforward';
import { parseCommandOptions, parseRoute, type Route } from './routes';
import { serveSpdyCommand } from './spdy-command';
import { SpdySession } from './spdy/session';
import { socketTransport, webSocketTransport } from './spdy/transports';
import { protocolVersion } from './status';
import { commandProtocols, serveWsCommand } from './ws-command';
import { portForwardProtocols, servePortForwardWs } from './ws-portforward';
import { negotiate, tunnelAlias, tunnelProtocol } from './negotiate';

export interface StreamingServerOptions {
  runtime: StreamRuntime;
  host: string;
  port: number;
  tls: { certPem: string; keyPem: string };
  /** The bearer token the apiserver presents. */
  token: string;
  log: Logger;
  /** Told which transport and protocol each upgraded session uses (metrics, tests). */
  observe?: (e: { kind: Route['kind']; transport: 'spdy' | 'websocket'; protocol: string }) => void;
}

/** Optional runtime knowledge that ends `logs -f` when the container instance exits. */
interface RunningAware {
  containerRunning?(pod: Route['pod'], container: string): Promise<boolean>;
}

/** The largest WebSocket message: a tunnelled SPDY frame (24-bit length) plus its header. */
const maxMessage = (1 << 24) + 64;

const spdyCommandVersions = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function statusFor(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StreamTargetError) return new HttpError(err.code === 'NotFound' ? 404 : err.code === 'Conflict' ? 409 : 400, err.message);
  return new HttpError(500, err instanceof Error ? err.message : String(err));
}

export class StreamingServer {
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: maxMessage, handleProtocols: (offered, req) => negotiate([...offered], wsProtocolsFor(req)) ?? false });
  address: AddressInfo | undefined;

  constructor(private readonly opts: StreamingServerOptions) {
    // The 101 names the tunnel protocol as the client spelled it.
    this.wss.on('headers', (headers: string[]) => {
      const i = headers.indexOf(`Sec-WebSocket-Protocol: ${tunnelAlias}`);
      if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${tunnelProtocol}`;
    });
  }

  async start(signal: AbortSignal): Promise<void> {
    const server = createServer({ cert: this.opts.tls.certPem, key: this.opts.tls.keyPem }, (req, res) => {
      this.request(req, res).catch((err: unknown) => {
        const e = statusFor(err);
        if (e.status >= 500) this.opts.log.error({ err }, 'streaming request failed');
        if (!res.headersSent) {
          res.writeHead(e.status, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(e.message);
        } else res.destroy();
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.upgrade(req, socket, head);
      } catch (err) {
        const e = statusFor(err);
        socket.end(`HTTP/1.1 ${e.status} ${e.status === 401 ? 'Unauthorized' : 'Bad Request'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(e.message)}\r\nConnection: close\r\n\r\n${e.message}`);
      }
    });
    this.server = server;
    this.address = await listen(server, this.opts.port, this.opts.host);
    signal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    for (const c of this.wss.clients) c.terminate();
    await closeServer(s);
  }

  private authorize(req: IncomingMessage): void {
    const got = Buffer.from(String(req.headers.authorization ?? ''));
    const want = Buffer.from(`Bearer ${this.opts.token}`);
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new HttpError(401, 'Unauthorized: present the node streaming token as "Authorization: Bearer TOKEN"');
  }

  private route(req: IncomingMessage): { route: Route; url: URL } {
    this.authorize(req);
    const url = new URL(req.url ?? '/', 'https://node');
    const route = parseRoute(url.pathname);
    if (!route) throw new HttpError(404, `no streaming endpoint at ${url.pathname}; use /exec, /attach, /portForward or /containerLogs`);
    return { route, url };
  }

  private async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { route, url } = this.route(req);
    if (route.kind !== 'containerLogs') throw new HttpError(400, `${route.kind} needs an upgrade to SPDY/3.1 or WebSocket`);
    const opts = parseLogQuery(url.searchParams, new Date());
    const runtime = this.opts.runtime as StreamRuntime & RunningAware;
    const path = await runtime.logFile(route.pod, route.container, opts.previous);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    // Headers go out at once so a client following an idle log sees the response start.
    res.flushHeaders();
    await streamLogs({
      path,
      opts,
      out: res,
      signal: abort.signal,
      stillWriting: async () => {
        if (opts.previous) return false;
        if (runtime.containerRunning && !(await runtime.containerRunning(route.pod, route.container))) return false;
        return (await runtime.logFile(route.pod, route.container, false)) === path;
      },
    });
    res.end();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { route, url } = this.route(req);
    if (route.kind === 'containerLogs') throw new HttpError(400, 'containerLogs is a plain GET, not an upgrade');
    const log = (msg: string, err?: unknown) => this.opts.log.warn({ err, pod: route.pod.name }, msg);
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'websocket') {
      if (route.kind === 'portForward' && !String(req.headers['sec-websocket-protocol'] ?? '').includes(tunnelProtocol)) forwardPorts(url);
      const offered = req.headers['sec-websocket-protocol'];
      if (offered) req.headers['sec-websocket-protocol'] = offered.split(',').map((p) => (p.trim() === tunnelProtocol ? tunnelAlias : p.trim())).join(', ');
      const cmd = route.kind === 'portForward' ? undefined : checkedCommand(route.kind, url);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.opts.observe?.({ kind: route.kind, transport: 'websocket', protocol: ws.protocol });
        if (route.kind === 'portForward') {
          if (ws.protocol !== tunnelAlias) return servePortForwardWs(ws, this.opts.runtime, route.pod, forwardPorts(url), log);
          const session = new SpdySession(webSocketTransport(ws), portForwardHandler(this.opts.runtime, route.pod, log), log);
          ws.on('message', (m: Buffer) => session.feed(m));
          ws.on('close', () => session.transportClosed());
          ws.on('error', () => undefined);
          return;
        }
        if (cmd) serveWsCommand(ws, this.opts.runtime, { kind: route.kind, pod: route.pod, container: route.container, opts: cmd }, log);
      });
      return;
    }
    if (!upgrade.startsWith('spdy/3')) throw new HttpError(400, `unsupported upgrade "${upgrade}"; use SPDY/3.1 or websocket`);
    const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const supported = route.kind === 'portForward' ? ['portforward.k8s.io'] : spdyCommandVersions;
    // A client that names no version speaks the first protocol of its kind.
    const chosen = offered.length === 0 ? supported[supported.length - 1] : negotiate(offered, supported);
    if (!chosen) throw new HttpError(403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${supported.join(' ')}]`);
    const opts = route.kind === 'portForward' ? undefined : checkedCommand(route.kind, url);
    if (head.length > 0) socket.unshift(head);
    this.opts.observe?.({ kind: route.kind, transport: 'spdy', protocol: chosen });
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${chosen}\r\n\r\n`);
    if (route.kind === 'portForward' || !opts) {
      const session = new SpdySession(socketTransport(socket), portForwardHandler(this.opts.runtime, route.pod, log), log);
      socket.on('data', (b: Buffer) => session.feed(b));
      socket.on('close', () => session.transportClosed());
      socket.on('error', () => undefined);
      return;
    }
    serveSpdyCommand(socket, this.opts.runtime, { kind: route.kind, pod: route.pod, container: route.container, opts }, protocolVersion(chosen), log);
  }
}

function wsProtocolsFor(req: IncomingMessage): string[] {
  return parseRoute(new URL(req.url ?? '/', 'https://node').pathname)?.kind === 'portForward' ? [tunnelAlias, ...portForwardProtocols] : commandProtocols;
}

/** The ports of the older WebSocket port-forward protocol, fixed in the query. */
function forwardPorts(url: URL): number[] {
  const ports = url.searchParams.getAll('port').flatMap((p) => p.split(',')).map(Number);
  if (ports.length === 0) throw new HttpError(400, 'query parameter "port" is required');
  for (const p of ports) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new HttpError(400, `port "${p}" must be between 1 and 65535`);
  return ports;
}

function checkedCommand(kind: 'exec' | 'attach', url: URL): ReturnType<typeof parseCommandOptions> {
  const opts = parseCommandOptions(url.searchParams);
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw new HttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  if (kind === 'exec' && opts.command.length === 0) throw new HttpError(400, 'you must specify at least one command for the container; pass command=...');
  return opts;
}
