// For tests: a small in-process registry speaking the distribution API (manifests, blobs) with
// optional Bearer token auth (its own realm at /token) or Basic auth, blob redirects, and a way to
// corrupt a blob. Images are built from tar entries with the store's own tar writer.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MediaType } from './manifest';
import { type TarEntry, writeTar } from './tar-writer';

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface BuiltImage {
  manifest: Buffer;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  blobs: Map<string, Buffer>;
}

/** An image whose layers are the given entry lists (bottom first), each gzip-compressed. */
export function buildImage(layers: TarEntry[][], opts: { architecture?: string; cmd?: string[]; compress?: (tar: Buffer) => Buffer; layerMediaType?: string } = {}): BuiltImage {
  const blobs = new Map<string, Buffer>();
  const compress = opts.compress ?? ((t: Buffer) => gzipSync(t));
  const tars = layers.map((l) => writeTar(l));
  const layerBlobs = tars.map(compress);
  for (const b of layerBlobs) blobs.set(sha256(b), b);
  const config = Buffer.from(
    JSON.stringify({
      architecture: opts.architecture ?? 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: opts.cmd ?? ['sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: tars.map(sha256) },
    }),
  );
  blobs.set(sha256(config), config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length },
      layers: layerBlobs.map((b) => ({ mediaType: opts.layerMediaType ?? 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(b), size: b.length })),
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), configDigest: sha256(config), layerDigests: layerBlobs.map(sha256), blobs };
}

/** An index over images keyed by "os/arch". */
export function buildIndex(images: Record<string, BuiltImage>, mediaType: string = MediaType.ociIndex): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: Object.entries(images).map(([plat, img]) => {
        const [os, architecture] = plat.split('/');
        return { mediaType: MediaType.ociManifest, digest: img.manifestDigest, size: img.manifest.length, platform: { os, architecture } };
      }),
    }),
  );
}

export interface FakeRegistryOptions {
  auth?: { kind: 'bearer'; user?: string; password?: string } | { kind: 'basic'; user: string; password: string };
  /** Blob GETs answer 307 to <this base URL>/_redirected/<digest> (another fake registry, which rejects Authorization there). */
  redirectBlobsTo?: string;
}

export interface FakeRegistry {
  url: string;
  host: string;
  /** Every request as "METHOD path [authorization]". */
  requests: string[];
  /** Token requests' query strings and Authorization headers. */
  tokenRequests: { query: string; authorization: string }[];
  /** Every Authorization header received (registry API and token realm), in full. */
  authorizations: string[];
  /** repo → tag or digest → { body, type }. */
  putManifest(repo: string, ref: string, body: Buffer, type?: string): void;
  putImage(repo: string, tag: string, img: BuiltImage): void;
  /** Serves other bytes under a blob's digest. */
  corruptBlob(digest: string): void;
  close(): Promise<void>;
}

export async function startFakeRegistry(opts: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const manifests = new Map<string, { body: Buffer; type: string }>();
  const blobs = new Map<string, Buffer>();
  const requests: string[] = [];
  const tokenRequests: { query: string; authorization: string }[] = [];
  const authorizations: string[] = [];
  const token = 'tok-' + Math.random().toString(36).slice(2);
  const basic = (u?: string, p?: string): string => `Basic ${Buffer.from(`${u ?? ''}:${p ?? ''}`).toString('base64')}`;
  const authorized = (req: IncomingMessage): boolean => {
    const a = opts.auth;
    if (!a) return true;
    return req.headers.authorization === (a.kind === 'bearer' ? `Bearer ${token}` : basic(a.user, a.password));
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${req.headers.authorization ? ` [${req.headers.authorization.split(' ')[0]}]` : ''}`);
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url.pathname === '/token') {
      tokenRequests.push({ query: url.search, authorization: req.headers.authorization ?? '' });
      const a = opts.auth;
      if (a?.kind === 'bearer' && a.user !== undefined && req.headers.authorization !== basic(a.user, a.password)) {
        res.writeHead(401).end('{"details":"incorrect username or password"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      return;
    }
    if (url.pathname.startsWith('/_redirected/')) {
      if (req.headers.authorization) {
        res.writeHead(400).end('credentials leaked to the redirect target');
        return;
      }
      const b = blobs.get(url.pathname.slice('/_redirected/'.length));
      if (b) res.writeHead(200).end(b);
      else res.writeHead(404).end();
      return;
    }
    if (!authorized(req)) {
      const scope = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1];
      const challenge =
        opts.auth?.kind === 'basic'
          ? 'Basic realm="fake"'
          : `Bearer realm="http://${host}/token",service="fake-registry"${scope ? `,scope="repository:${scope}:pull"` : ''}`;
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (url.pathname === '/v2/') {
      res.writeHead(200).end('{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (m?.[2] === 'manifests') {
      const found = manifests.get(`${m[1]}:${m[3]}`);
      if (!found) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}');
        return;
      }
      res.writeHead(200, { 'content-type': found.type, 'docker-content-digest': sha256(found.body) }).end(found.body);
      return;
    }
    if (m?.[2] === 'blobs' && m[3] !== undefined) {
      const b = blobs.get(m[3]);
      if (!b) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
        return;
      }
      if (opts.redirectBlobsTo) res.writeHead(307, { location: `${opts.redirectBlobsTo}/_redirected/${m[3]}` }).end();
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(b);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const putManifest = (repo: string, ref: string, body: Buffer, type: string = MediaType.ociManifest): void => {
    manifests.set(`${repo}:${ref}`, { body, type });
    manifests.set(`${repo}:${sha256(body)}`, { body, type });
  };
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    tokenRequests,
    authorizations,
    putManifest,
    putImage(repo, tag, img) {
      putManifest(repo, tag, img.manifest);
      for (const [d, b] of img.blobs) blobs.set(d, b);
    },
    corruptBlob(digest) {
      const b = blobs.get(digest);
      if (b) blobs.set(digest, Buffer.concat([b.subarray(0, b.length - 1), Buffer.from([(b.at(-1) ?? 0) ^ 0xff])]));
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
