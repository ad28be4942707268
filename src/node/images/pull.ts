// One pull: resolve the reference to a manifest (through an index if there is one), fetch the
// config, then fetch and unpack the layers (3 at a time, each reported as it goes).
import type { PullProgress, RegistryAuth } from '../types';
import { makeImage, parseImageConfig } from './image-config';
import { eachLimited, ensureLayer } from './layers';
import { type ImageManifest, hostPlatform, parseManifest, selectManifest, checkLayerMediaType } from './manifest';
import { formatReference, type ImageReference, repositoryName } from './reference';
import { endpointsFor, RegistryClient } from './registry-client';
import type { ImageStore, StoredImage, StoredLayer } from './store';

export interface PullOptions {
  mirrors: Record<string, string[]>;
  insecureRegistries: string[];
  auths?: RegistryAuth[];
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
  headerTimeoutMs?: number;
}

/** Pulls `ref` into the store and returns its record (without names; the caller tags it). */
export async function pullImage(store: ImageStore, inflight: Map<string, Promise<void>>, ref: ImageReference, opts: PullOptions): Promise<StoredImage> {
  const client = new RegistryClient({
    ref,
    endpoints: endpointsFor(ref.domain, opts.mirrors, opts.insecureRegistries),
    ...(opts.auths ? { auths: opts.auths } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.headerTimeoutMs !== undefined ? { headerTimeoutMs: opts.headerTimeoutMs } : {}),
  });
  const top = await client.getManifest(ref.digest ?? ref.tag ?? 'latest').catch((err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`failed to resolve reference "${formatReference(ref)}": ${msg}`, { cause: err });
  });
  let doc = parseManifest(top.body, top.contentType);
  await store.writeBlob(top.digest, top.body);
  let manifestDigest = top.digest;
  if (doc.kind === 'index') {
    const chosen = selectManifest(doc, hostPlatform());
    const m = await client.getManifest(chosen.digest);
    doc = parseManifest(m.body, m.contentType);
    if (doc.kind !== 'manifest') throw new Error('Cannot pull image: an index points to another index; nested indexes are not supported');
    await store.writeBlob(m.digest, m.body);
    manifestDigest = m.digest;
  }
  const manifest: ImageManifest = doc;
  if (!(await store.hasBlob(manifest.config.digest))) {
    await client.downloadBlob(manifest.config, store.blobPath(manifest.config.digest));
  }
  const parsed = parseImageConfig(await store.readBlob(manifest.config.digest));
  if (parsed.diffIDs.length !== manifest.layers.length) {
    throw new Error(`Cannot pull image: the manifest has ${manifest.layers.length} layers but the config lists ${parsed.diffIDs.length} diff_ids; the image is corrupt`);
  }
  const layers: StoredLayer[] = manifest.layers.map((l, i) => {
    checkLayerMediaType(l.mediaType);
    return { digest: l.digest, diffID: parsed.diffIDs[i] ?? '', size: l.size, mediaType: l.mediaType };
  });
  for (const l of layers) opts.onProgress?.({ layer: l.digest.slice(7, 19), status: 'Waiting', current: 0, total: l.size });
  await eachLimited(layers, 3, (l) =>
    ensureLayer(
      store,
      inflight,
      {
        ...l,
        fetch: (onBytes) => client.downloadBlob({ mediaType: l.mediaType, digest: l.digest, size: l.size }, store.blobPath(l.digest), onBytes),
      },
      opts.onProgress,
    ),
  );
  return makeImage(manifest.config.digest, parsed, manifestDigest, layers, [`${repositoryName(ref)}@${top.digest}`]);
}
