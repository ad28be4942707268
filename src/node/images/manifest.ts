// Manifest media types and the pure decisions about them: what a fetched document is, which
// entry of an index fits this host, and how a layer blob is compressed.

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** The Accept list sent for manifests, most preferred first. */
export const manifestAccept = [MediaType.ociIndex, MediaType.dockerList, MediaType.ociManifest, MediaType.dockerManifest].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The platform of this host in OCI terms (Node's arch names differ from Go's). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const architecture = arch[process.arch] ?? process.arch;
  return architecture === 'arm64' ? { os: 'linux', architecture, variant: 'v8' } : { os: 'linux', architecture };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function descriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v) || typeof v.digest !== 'string' || typeof v.mediaType !== 'string' || typeof v.size !== 'number') {
    throw new Error(`Cannot read manifest: ${where} is not a descriptor with mediaType, digest and size`);
  }
  return v as unknown as Descriptor;
}

/**
 * Classifies a manifest document by its declared media type (the header first, then the body's
 * own mediaType, then its shape, as registries are lax about one or the other).
 */
export function parseManifest(body: Buffer | string, contentType?: string): ImageManifest | ImageIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString());
  } catch {
    throw new Error('Cannot read manifest: the registry answered with a document that is not JSON');
  }
  if (!isObject(doc)) throw new Error('Cannot read manifest: the document is not a JSON object');
  const header = (contentType ?? '').split(';')[0]?.trim() ?? '';
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : '';
  const type = [own, header].find((t) => t !== '' && t !== 'application/json' && t !== 'text/plain') ?? '';
  if (type === MediaType.dockerSchema1 || doc.schemaVersion === 1) {
    throw new Error('Cannot pull image: it only has a Docker schema 1 manifest, which is no longer supported; push it again with a current client');
  }
  const isIndex = type === MediaType.ociIndex || type === MediaType.dockerList || (type === '' && Array.isArray(doc.manifests));
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) throw new Error('Cannot read manifest: index has no manifests list');
    return { kind: 'index', mediaType: type || MediaType.ociIndex, manifests: doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)) };
  }
  if (type !== '' && type !== MediaType.ociManifest && type !== MediaType.dockerManifest) {
    throw new Error(`Cannot pull image: unsupported manifest media type "${type}"`);
  }
  if (!Array.isArray(doc.layers)) throw new Error('Cannot read manifest: image manifest has no layers list');
  return {
    kind: 'manifest',
    mediaType: type || MediaType.ociManifest,
    config: descriptor(doc.config, 'config'),
    layers: doc.layers.map((l, i) => descriptor(l, `layers[${i}]`)),
  };
}

/**
 * Picks the manifest for `want` from an index: same os and architecture; the exact variant when
 * one is asked for, else an entry without variant, else the first of that architecture.
 * Attestation manifests (platform unknown/unknown) never match.
 */
export function selectManifest(index: ImageIndex, want: Platform): Descriptor {
  const candidates = index.manifests.filter((m) => {
    const p = m.platform;
    if (m.mediaType !== MediaType.ociManifest && m.mediaType !== MediaType.dockerManifest) return false;
    if (!p) return false;
    return (p.os ?? '') === want.os && (p.architecture ?? '') === want.architecture;
  });
  const exact = candidates.find((m) => (m.platform?.variant ?? '') === (want.variant ?? ''));
  const loose = candidates.find((m) => m.platform?.variant === undefined || m.platform.variant === '');
  const chosen = exact ?? loose ?? candidates[0];
  if (!chosen) {
    const have = index.manifests
      .map((m) => (m.platform ? [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/') : '?'))
      .join(', ');
    const wanted = [want.os, want.architecture, want.variant].filter(Boolean).join('/');
    throw new Error(`no match for platform in manifest: not found (wanted ${wanted}; the image has ${have || 'no platforms'})`);
  }
  return chosen;
}

export type Compression = 'gzip' | 'zstd' | 'none';

/** The compression of a layer blob, from its first bytes (media types are often wrong). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Layer media types a pull accepts (foreign/non-distributable layers are refused by name). */
export function checkLayerMediaType(mediaType: string): void {
  const ok = [
    'application/vnd.oci.image.layer.v1.tar',
    'application/vnd.oci.image.layer.v1.tar+gzip',
    'application/vnd.oci.image.layer.v1.tar+zstd',
    'application/vnd.docker.image.rootfs.diff.tar.gzip',
    'application/vnd.docker.image.rootfs.diff.tar',
    'application/vnd.docker.image.rootfs.diff.tar.zstd',
  ];
  if (!ok.includes(mediaType)) throw new Error(`Cannot pull image: layer media type "${mediaType}" is not supported`);
}
