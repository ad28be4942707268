// The content-addressed image store under <dataDir>/images:
//   blobs/sha256/<hex>        manifests, configs and layer blobs as fetched (verified by digest)
//   layers/<diffID hex>/diff  unpacked layers in overlayfs format (see unpack.ts), shared by images
//   images/<id hex>.json      image records (what ImageRecord says plus the manifest and layers)
//   tmp/                      work in progress; renamed into place when complete
// Every file lands by write-temp + fsync + rename, so a crash leaves either the old or the new.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRecord } from '../types';

export interface StoredLayer {
  /** Digest of the blob as distributed (compressed). */
  digest: string;
  /** Digest of the uncompressed tar: keys the unpacked directory. */
  diffID: string;
  size: number;
  mediaType: string;
}

export interface StoredImage extends ImageRecord {
  manifestDigest: string;
  layers: StoredLayer[];
}

function hexOf(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m?.[1]) throw new Error(`Cannot use digest "${digest}": expected sha256:<64 hex digits>`);
  return m[1];
}

export class ImageStore {
  constructor(readonly root: string) {}

  /**
   * Creates the store's directories and makes its root private. Unpacked layers keep the images'
   * setuid binaries, which any local user could run if they could reach them (CVE-2021-41103), so
   * the root is chmod'ed 0700 every time: a store made by an older version may be 0755.
   */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await chmod(this.root, 0o700);
    for (const d of ['blobs/sha256', 'layers', 'images', 'tmp']) await mkdir(join(this.root, d), { recursive: true });
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /** The directory overlayfs gets as a lowerdir for this layer. */
  layerDir(diffID: string): string {
    return join(this.root, 'layers', hexOf(diffID), 'diff');
  }

  async hasLayer(diffID: string): Promise<boolean> {
    return exists(this.layerDir(diffID));
  }

  /** A fresh directory under tmp/ (same filesystem as everything else, so renames are atomic). */
  async tempDir(): Promise<string> {
    return mkdtemp(join(this.root, 'tmp', 'w-'));
  }

  /** Moves a finished unpack (`<tmp>/diff`) into place; another writer may have won the race. */
  async commitLayer(tmp: string, diffID: string): Promise<void> {
    const dest = join(this.root, 'layers', hexOf(diffID));
    try {
      await rename(tmp, dest);
    } catch (err) {
      if (!(await this.hasLayer(diffID))) throw err;
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async writeBlob(digest: string, data: Buffer): Promise<void> {
    await atomicWrite(this.blobPath(digest), data);
  }

  async readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  async saveImage(img: StoredImage): Promise<void> {
    await atomicWrite(join(this.root, 'images', `${hexOf(img.id)}.json`), Buffer.from(JSON.stringify(img, null, 1)));
  }

  async getImage(id: string): Promise<StoredImage | undefined> {
    try {
      return JSON.parse(await readFile(join(this.root, 'images', `${hexOf(id)}.json`), 'utf8')) as StoredImage;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async listImages(): Promise<StoredImage[]> {
    const out: StoredImage[] = [];
    for (const f of await readdir(join(this.root, 'images'))) {
      if (!/^[a-f0-9]{64}\.json$/.test(f)) continue;
      const img = await this.getImage(`sha256:${f.slice(0, 64)}`);
      if (img) out.push(img);
    }
    return out;
  }

  async deleteImage(id: string): Promise<void> {
    await rm(join(this.root, 'images', `${hexOf(id)}.json`), { force: true });
  }

  /**
   * Removes layers and blobs no image refers to. `busy` names digests/diffIDs a pull in this
   * process is still writing, which are kept.
   */
  async collectGarbage(busy: Set<string>): Promise<void> {
    const keep = new Set(busy);
    for (const img of await this.listImages()) {
      keep.add(img.id);
      keep.add(img.manifestDigest);
      for (const d of img.repoDigests) keep.add(d.slice(d.indexOf('@') + 1));
      for (const l of img.layers) {
        keep.add(l.digest);
        keep.add(l.diffID);
      }
    }
    for (const hex of await readdir(join(this.root, 'layers'))) {
      if (!keep.has(`sha256:${hex}`)) await rm(join(this.root, 'layers', hex), { recursive: true, force: true });
    }
    for (const hex of await readdir(join(this.root, 'blobs', 'sha256'))) {
      if (/^[a-f0-9]{64}$/.test(hex) && !keep.has(`sha256:${hex}`)) await rm(join(this.root, 'blobs', 'sha256', hex), { force: true });
    }
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Writes `data` to `path` so readers see the old or the new content, never a part. */
export async function atomicWrite(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
