// Carries one request to the node's streaming server: plain responses (logs) are streamed back,
// upgrades (SPDY, WebSocket) become a byte pipe once the request head is forwarded, so the
// node's 101 and everything after it reach the client untouched.
import { request } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from '../../machinery/errors';

export interface NodeTarget {
  host: string;
  port: number;
  /** Path and query on the node. */
  path: string;
}

export interface ProxyAuth {
  token: string;
  /** Verifies the node's serving certificate when given (kube-apiserver does not by default). */
  caPem?: string;
}

const hopHeaders = new Set(['host', 'authorization', 'content-length', 'transfer-encoding', 'keep-alive', 'proxy-connection', 'te', 'trailer']);

function tlsOptions(auth: ProxyAuth): { ca?: string; rejectUnauthorized: boolean; checkServerIdentity?: () => undefined } {
  // Nodes are addressed by IP; with a CA we verify the chain, as kube-apiserver's
  // --kubelet-certificate-authority does, but not the name.
  return auth.caPem ? { ca: auth.caPem, rejectUnauthorized: true, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
}

function hostHeader(t: NodeTarget): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

function unreachable(t: NodeTarget, err: unknown): ApiError {
  const why = err instanceof Error ? err.message : String(err);
  return new ApiError('InternalError', `error dialing backend: cannot reach the node's streaming server at ${hostHeader(t)}: ${why}; check that the node agent runs and its kubelet port is reachable`, undefined, { cause: err });
}

/** Streams a plain GET (logs) from the node; a node error becomes a Status with its text. */
export async function proxyPlain(req: IncomingMessage, res: ServerResponse, t: NodeTarget, auth: ProxyAuth): Promise<void> {
  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const r = request({ host: t.host, port: t.port, path: t.path, method: 'GET', headers: { authorization: `Bearer ${auth.token}` }, ...tlsOptions(auth) }, resolve);
    r.on('error', (err) => reject(unreachable(t, err)));
    req.on('close', () => r.destroy());
    r.end();
  });
  const status = upstream.statusCode ?? 500;
  if (status !== 200) {
    let body = '';
    for await (const c of upstream) body += String(c);
    const reason = status === 404 ? 'NotFound' : status === 400 ? 'BadRequest' : status === 401 || status === 403 ? 'Forbidden' : 'InternalError';
    throw new ApiError(reason, body.trim() || `the node answered ${status}`);
  }
  res.writeHead(200, { 'Content-Type': upstream.headers['content-type'] ?? 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  res.on('close', () => upstream.destroy());
  upstream.pipe(res);
  await new Promise<void>((resolve) => upstream.on('close', resolve));
}

/** Forwards an upgrade request and splices the client's socket to the node's. */
export async function proxyUpgrade(req: IncomingMessage, client: Duplex, t: NodeTarget, auth: ProxyAuth): Promise<void> {
  const node = await new Promise<TLSSocket>((resolve, reject) => {
    const s = connect({ host: t.host, port: t.port, ...tlsOptions(auth) }, () => resolve(s));
    s.once('error', (err) => reject(unreachable(t, err)));
  });
  let head = `${req.method ?? 'GET'} ${t.path} HTTP/1.1\r\nHost: ${hostHeader(t)}\r\nAuthorization: Bearer ${auth.token}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (!hopHeaders.has(name.toLowerCase())) head += `${name}: ${raw[i + 1] ?? ''}\r\n`;
  }
  node.write(head + '\r\n');
  node.on('error', () => client.destroy());
  client.on('error', () => node.destroy());
  node.pipe(client);
  client.pipe(node);
  await new Promise<void>((resolve) => {
    let open = 2;
    const done = () => --open === 0 && resolve();
    node.on('close', () => (client.destroy(), done()));
    client.on('close', () => (node.destroy(), done()));
  });
}

export function upgradeOnly(): ApiError {
  return errors.badRequest('Upgrade request required: exec, attach and portforward need an upgrade to SPDY/3.1 or WebSocket');
}
