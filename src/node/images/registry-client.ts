// A client of the OCI distribution API for one repository: manifests and blobs, tried on each
// endpoint in turn (mirrors first, then the registry itself), with the 401 challenge flow
// (Bearer token or Basic), redirects followed by hand (credentials never follow to another host)
// and blobs verified against their digest while they stream to disk.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { digesting } from './digesting';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { RegistryAuth } from '../types';
import { basicHeader, type Challenge, credentialsFor, fetchToken, parseChallenge } from './auth';
import { type Descriptor, manifestAccept } from './manifest';
import type { ImageReference } from './reference';

export interface Endpoint {
  /** Base URL without the /v2 suffix, e.g. "http://127.0.0.1:5000". */
  url: string;
  host: string;
  mirror: boolean;
}

/** Where to ask for `domain`'s images: its mirrors in order, then the registry itself. */
export function endpointsFor(domain: string, mirrors: Record<string, string[]>, insecure: string[]): Endpoint[] {
  const isInsecure = (host: string): boolean =>
    insecure.includes(host) || /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);
  const toEndpoint = (raw: string, mirror: boolean): Endpoint => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${isInsecure(raw.split('/')[0] ?? raw) ? 'http' : 'https'}://${raw}`;
    const u = new URL(withScheme);
    const path = u.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
    return { url: `${u.protocol}//${u.host}${path}`, host: u.host, mirror };
  };
  const list = (mirrors[domain] ?? []).map((m) => toEndpoint(m, true));
  list.push(toEndpoint(domain === 'docker.io' ? 'https://registry-1.docker.io' : domain, false));
  return list;
}

/** An answer from a registry that is not the one wanted (as opposed to not reaching it at all). */
export class RegistryHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryHttpError';
  }
}

async function httpError(method: string, url: string, res: Response): Promise<RegistryHttpError> {
  const text = await res.text().catch(() => '');
  let detail: string;
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    detail = (body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    detail = text.trim().slice(0, 200);
  }
  const msg = `unexpected status from ${method} request to ${url}: ${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`;
  return new RegistryHttpError(res.status, msg);
}

function networkMessage(method: string, url: string, err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
  return `failed to do request: ${method} ${url}: ${cause}`;
}

export interface RegistryClientOptions {
  ref: ImageReference;
  endpoints: Endpoint[];
  auths?: RegistryAuth[];
  signal?: AbortSignal;
  /** How long to wait for response headers before giving an endpoint up. */
  headerTimeoutMs?: number;
}

export class RegistryClient {
  private readonly authz = new Map<string, string>();
  private preferred = 0;

  constructor(private readonly opts: RegistryClientOptions) {}

  /** GETs a manifest by tag or digest; returns its bytes, content type and digest. */
  async getManifest(reference: string): Promise<{ body: Buffer; contentType: string; digest: string }> {
    return this.onEachEndpoint(async (ep) => {
      const url = `${ep.url}/v2/${this.opts.ref.path}/manifests/${reference}`;
      const res = await this.send(ep, url, manifestAccept);
      if (!res.ok) throw await httpError('GET', url, res);
      const body = Buffer.from(await res.arrayBuffer());
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      if (reference.startsWith('sha256:') && digest !== reference) {
        throw new Error(`manifest digest mismatch: asked for ${reference}, the registry sent content with digest ${digest}`);
      }
      return { body, contentType: res.headers.get('content-type') ?? '', digest };
    });
  }

  /** Streams a blob to `dest`, verifying size and sha256 before it lands there. */
  async downloadBlob(desc: Descriptor, dest: string, onBytes?: (n: number) => void): Promise<void> {
    if (!/^sha256:[a-f0-9]{64}$/.test(desc.digest)) throw new Error(`Cannot fetch blob: unsupported digest "${desc.digest}"`);
    await this.onEachEndpoint(async (ep) => {
      const url = `${ep.url}/v2/${this.opts.ref.path}/blobs/${desc.digest}`;
      const res = await this.send(ep, url);
      if (!res.ok || !res.body) throw await httpError('GET', url, res);
      const part = `${dest}.part-${randomBytes(4).toString('hex')}`;
      const counter = digesting(onBytes);
      try {
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), counter.stream, createWriteStream(part));
        const got = counter.digest();
        const size = counter.size();
        if (got !== desc.digest) throw new Error(`failed to verify blob: digest mismatch: expected ${desc.digest}, got ${got} (${size} bytes from ${url})`);
        if (desc.size >= 0 && size !== desc.size) throw new Error(`failed to verify blob ${desc.digest}: expected ${desc.size} bytes, got ${size}`);
        await rename(part, dest);
      } catch (err) {
        await rm(part, { force: true });
        throw err;
      }
    });
  }

  /**
   * Runs `fn` against the endpoints in order, starting with the one that last worked. The error
   * reported when all fail is the first one a registry actually answered with, since a mirror's
   * "manifest unknown" says more than the upstream being unreachable.
   */
  private async onEachEndpoint<T>(fn: (ep: Endpoint) => Promise<T>): Promise<T> {
    const eps = this.opts.endpoints;
    const order = [...eps.keys()].sort((a, b) => (a === this.preferred ? -1 : b === this.preferred ? 1 : a - b));
    const errors: unknown[] = [];
    for (const i of order) {
      const ep = eps[i];
      if (!ep) continue;
      try {
        const out = await fn(ep);
        this.preferred = i;
        return out;
      } catch (err) {
        if (this.opts.signal?.aborted) throw err;
        errors.push(err);
      }
    }
    throw errors.find((e) => e instanceof RegistryHttpError) ?? errors[0] ?? new Error('no registry endpoint to try');
  }

  private async send(ep: Endpoint, startUrl: string, accept?: string): Promise<Response> {
    let url = startUrl;
    let challenged = false;
    for (let hops = 0; hops < 10; ) {
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      const sameHost = new URL(url).host === ep.host;
      const authz = this.authz.get(ep.url);
      if (sameHost && authz) headers.authorization = authz;
      const res = await this.fetchWithTimeout(url, headers);
      if (res.status === 401 && sameHost && !challenged) {
        challenged = true;
        const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
        await res.body?.cancel();
        await this.authenticate(ep, challenge, url);
        continue;
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        url = new URL(res.headers.get('location') ?? '', url).toString();
        hops++;
        continue;
      }
      return res;
    }
    throw new Error(`Cannot fetch ${startUrl}: more than 10 redirects`);
  }

  private async authenticate(ep: Endpoint, challenge: Challenge | undefined, url: string): Promise<void> {
    // A pull secret is for the registry it names: a mirror gets only credentials given for the
    // mirror's own host, never the origin's (it would otherwise receive them, or its token realm would).
    const creds = credentialsFor(this.opts.auths, ep.mirror ? [ep.host] : [ep.host, this.opts.ref.domain]);
    if (challenge?.scheme === 'bearer') {
      const scope = challenge.params.scope ?? `repository:${this.opts.ref.path}:pull`;
      const token = await fetchToken(challenge, scope, creds, this.opts.signal);
      this.authz.set(ep.url, `Bearer ${token}`);
      return;
    }
    if (challenge?.scheme === 'basic' && creds && !creds.identityToken) {
      this.authz.set(ep.url, basicHeader(creds));
      return;
    }
    throw new RegistryHttpError(
      401,
      `unexpected status from GET request to ${url}: 401 Unauthorized${creds ? '' : ' (no credentials for this registry; add an imagePullSecret)'}`,
    );
  }

  private async fetchWithTimeout(url: string, headers: Record<string, string>): Promise<Response> {
    const ctl = new AbortController();
    const outer = this.opts.signal;
    const onAbort = (): void => ctl.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ctl.abort(new Error(`no response within ${this.opts.headerTimeoutMs ?? 30_000} ms`)), this.opts.headerTimeoutMs ?? 30_000);
    try {
      return await fetch(url, { headers, redirect: 'manual', signal: ctl.signal });
    } catch (err) {
      throw new Error(networkMessage('GET', url, ctl.signal.aborted && ctl.signal.reason instanceof Error ? ctl.signal.reason : err), { cause: err });
    } finally {
      clearTimeout(timer);
      // The body still reads through ctl.signal: keep forwarding the caller's abort until it is done.
      if (outer?.aborted) ctl.abort(outer.reason);
    }
  }
}
