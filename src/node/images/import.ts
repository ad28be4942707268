// Loading images from archives: `docker save` tars (manifest.json with Config/RepoTags/Layers,
// legacy or Docker 25+ layout) and OCI image layout tars (oci-layout + index.json), plain or
// compressed. Every blob is hashed on the way into the store; layer content is checked against
// the config's diff_ids when unpacked.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { join, normalize, relative } from 'node:path';
import type { PullProgress } from '../types';
import { makeImage, parseImageConfig } from './image-config';
import { eachLimited, ensureLayer } from './layers';
import { type Descriptor, hostPlatform, MediaType, parseManifest, selectManifest, sniffCompression } from './manifest';
import { parseReference, repositoryName } from './reference';
import type { ImageStore, StoredImage, StoredLayer } from './store';

export interface ImportedImage {
  image: StoredImage;
  tags: string[];
}

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

function extract(file: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-x', '-f', file, '-C', dir, '--no-same-owner', '--no-same-permissions'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`Cannot import ${file}: tar exited with ${code}: ${stderr.trim()}`))));
  });
}

/**
 * A regular file inside the unpacked archive. Names with `..` and paths through symlinks are
 * refused: an archive could otherwise point a blob name at a host file and have it moved.
 */
async function inside(dir: string, rel: string): Promise<string> {
  const p = normalize(join(dir, rel));
  if (adopted.has(p)) return p;
  const bad = new Error(`Cannot import archive: it names "${rel}", which is not a regular file inside the archive`);
  if (!p.startsWith(`${dir}/`)) throw bad;
  const real = await realpath(p).catch(() => {
    throw bad;
  });
  if (real !== join(await realpath(dir), relative(dir, p)) || !(await lstat(real)).isFile()) throw bad;
  return real;
}

// Paths are unique per import (each import unpacks into its own temporary directory).
const adopted = new Map<string, { digest: string; size: number }>();

/** Moves an archive file into the blob store under its real digest; checks it if one is expected. */
async function adoptBlob(store: ImageStore, path: string, expected?: string): Promise<{ digest: string; size: number }> {
  // Several images of one archive may share a file: it is hashed and moved once.
  const known = adopted.get(path);
  if (known) return known;
  const digest = await hashFile(path);
  if (expected !== undefined && digest !== expected) throw new Error(`Cannot import archive: blob ${expected} has content with digest ${digest}; the archive is corrupt`);
  const { size } = await stat(path);
  if (!(await store.hasBlob(digest))) await rename(path, store.blobPath(digest));
  adopted.set(path, { digest, size });
  return { digest, size };
}

function tagsOf(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const r = parseReference(n);
    if (r.tag !== undefined) out.push(`${repositoryName(r)}:${r.tag}`);
  }
  return out;
}

async function layerMediaType(path: string): Promise<string> {
  const fh = await open(path, 'r');
  const head = Buffer.alloc(4);
  await fh.read(head, 0, 4, 0);
  await fh.close();
  const c = sniffCompression(head);
  return c === 'gzip' ? 'application/vnd.oci.image.layer.v1.tar+gzip' : c === 'zstd' ? 'application/vnd.oci.image.layer.v1.tar+zstd' : 'application/vnd.oci.image.layer.v1.tar';
}

async function finish(
  store: ImageStore,
  inflight: Map<string, Promise<void>>,
  configDigest: string,
  layerFiles: { path: string; digest?: string }[],
  names: string[],
  manifestDigest: string | undefined,
  onProgress?: (p: PullProgress) => void,
): Promise<ImportedImage> {
  const parsed = parseImageConfig(await store.readBlob(configDigest));
  if (parsed.diffIDs.length !== layerFiles.length) {
    throw new Error(`Cannot import image ${configDigest}: ${layerFiles.length} layers in the archive but ${parsed.diffIDs.length} diff_ids in its config`);
  }
  const layers: StoredLayer[] = [];
  for (const [i, f] of layerFiles.entries()) {
    const { digest, size } = await adoptBlob(store, f.path, f.digest);
    const mediaType = await layerMediaType(store.blobPath(digest));
    layers.push({ digest, diffID: parsed.diffIDs[i] ?? '', size, mediaType });
  }
  await eachLimited(layers, 2, (l) => ensureLayer(store, inflight, l, onProgress));
  let mDigest = manifestDigest;
  if (mDigest === undefined) {
    // docker save carries no manifest: write the one a push would produce, so the record has one.
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: configDigest, size: (await store.readBlob(configDigest)).length },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      }),
    );
    mDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    await store.writeBlob(mDigest, manifest);
  }
  const tags = tagsOf(names);
  const repoDigests = manifestDigest !== undefined ? [...new Set(tags.map((t) => `${t.slice(0, t.lastIndexOf(':'))}@${manifestDigest}`))] : [];
  return { image: makeImage(configDigest, parsed, mDigest, layers, repoDigests), tags };
}

async function fromDockerSave(store: ImageStore, inflight: Map<string, Promise<void>>, dir: string, onProgress?: (p: PullProgress) => void): Promise<ImportedImage[]> {
  const entries = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { Config?: string; RepoTags?: string[] | null; Layers?: string[] }[];
  if (!Array.isArray(entries)) throw new Error('Cannot import archive: manifest.json is not a list');
  const out: ImportedImage[] = [];
  for (const e of entries) {
    if (!e.Config || !Array.isArray(e.Layers)) throw new Error('Cannot import archive: a manifest.json entry lacks Config or Layers');
    const { digest: configDigest } = await adoptBlob(store, await inside(dir, e.Config));
    const layerFiles: { path: string }[] = [];
    for (const l of e.Layers) layerFiles.push({ path: await inside(dir, l) });
    out.push(await finish(store, inflight, configDigest, layerFiles, e.RepoTags ?? [], undefined, onProgress));
  }
  return out;
}

async function fromOciLayout(store: ImageStore, inflight: Map<string, Promise<void>>, dir: string, onProgress?: (p: PullProgress) => void): Promise<ImportedImage[]> {
  const blobFile = (d: Descriptor): Promise<string> => inside(dir, join('blobs', ...d.digest.split(':')));
  const index = parseManifest(await readFile(join(dir, 'index.json')), MediaType.ociIndex);
  if (index.kind !== 'index') throw new Error('Cannot import archive: index.json is not an image index');
  const out: ImportedImage[] = [];
  for (const d of index.manifests) {
    const ann = d.annotations ?? {};
    const refName = ann['org.opencontainers.image.ref.name'] ?? '';
    // A bare tag ("latest") in ref.name names no repository; only full references name images.
    const names = [ann['io.containerd.image.name'] ?? (/[/:]/.test(refName) ? refName : '')].filter((n) => n !== '');
    let desc = d;
    let doc = parseManifest(await readFile(await blobFile(desc)), desc.mediaType);
    if (doc.kind === 'index') {
      desc = selectManifest(doc, hostPlatform());
      doc = parseManifest(await readFile(await blobFile(desc)), desc.mediaType);
    }
    if (doc.kind !== 'manifest') throw new Error('Cannot import archive: nested indexes are not supported');
    const manifestBuf = await readFile(await blobFile(desc));
    const got = `sha256:${createHash('sha256').update(manifestBuf).digest('hex')}`;
    if (got !== desc.digest) throw new Error(`Cannot import archive: manifest ${desc.digest} has content with digest ${got}`);
    await store.writeBlob(got, manifestBuf);
    await adoptBlob(store, await blobFile(doc.config), doc.config.digest);
    const layerFiles: { path: string; digest: string }[] = [];
    for (const l of doc.layers) layerFiles.push({ path: await blobFile(l), digest: l.digest });
    out.push(await finish(store, inflight, doc.config.digest, layerFiles, names, got, onProgress));
  }
  return out;
}

export async function importArchive(store: ImageStore, inflight: Map<string, Promise<void>>, file: string, onProgress?: (p: PullProgress) => void): Promise<ImportedImage[]> {
  const dir = await store.tempDir();
  try {
    await extract(file, dir);
    const has = async (name: string): Promise<boolean> => stat(join(dir, name)).then(() => true, () => false);
    if (await has('manifest.json')) return await fromDockerSave(store, inflight, dir, onProgress);
    if (await has('index.json')) return await fromOciLayout(store, inflight, dir, onProgress);
    throw new Error(`Cannot import ${file}: it has neither manifest.json (docker save) nor index.json (OCI image layout)`);
  } finally {
    for (const k of adopted.keys()) if (k.startsWith(`${dir}/`)) adopted.delete(k);
    await rm(dir, { recursive: true, force: true });
  }
}
