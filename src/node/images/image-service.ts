// The node's image service: pull policies as the kubelet applies them, pulls (one at a time per
// reference), names, lookups, removal and archive imports over the content-addressed store.
import { ImagePullError, type ImageProvider, type ImageRecord, type PullPolicy, type PullProgress, type RegistryAuth } from '../types';
import { readdir } from 'node:fs/promises';
import { importArchive } from './import';
import { pullImage } from './pull';
import { formatReference, type ImageReference, parseReference, repositoryName } from './reference';
import { ImageStore, type StoredImage } from './store';

interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ImageServiceOptions {
  /** NodeConfig.dataDir + '/images'. */
  root: string;
  mirrors: Record<string, string[]>;
  insecureRegistries: string[];
  log?: Log;
  /** How long a registry may take to answer before the next endpoint is tried (default 30 s). */
  headerTimeoutMs?: number;
}

export interface PullRequestOptions {
  auths?: RegistryAuth[];
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
}

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

export class ImageService implements ImageProvider {
  readonly store: ImageStore;
  private ready: Promise<void> | undefined;
  private readonly pulls = new Map<string, Promise<StoredImage>>();
  private readonly layerJobs = new Map<string, Promise<void>>();
  private lock: Promise<unknown> = Promise.resolve();
  /** Pulls and imports under way: their blobs are not referenced by any record yet. */
  private writers = 0;

  constructor(private readonly opts: ImageServiceOptions) {
    this.store = new ImageStore(opts.root);
  }

  async ensureImage(image: string, policy: PullPolicy, opts: PullRequestOptions = {}): Promise<ImageRecord> {
    let ref: ImageReference;
    try {
      ref = parseReference(image);
    } catch (err) {
      throw new ImagePullError('InvalidImageName', err instanceof Error ? err.message : String(err));
    }
    const local = policy === 'Always' ? undefined : await this.findByReference(ref);
    if (local) return local;
    if (policy === 'Never') {
      throw new ImagePullError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
    }
    try {
      return await this.pullRef(ref, opts);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new ImagePullError('ErrImagePull', `failed to pull and unpack image "${formatReference(ref)}": ${msg}`, { cause: err });
    }
  }

  /** Pulls `image` (always) and names it; throws the registry's error as it is. */
  async pull(image: string, opts: PullRequestOptions = {}): Promise<StoredImage> {
    return this.pullRef(parseReference(image), opts);
  }

  private async pullRef(ref: ImageReference, opts: PullRequestOptions): Promise<StoredImage> {
    await this.init();
    const key = formatReference(ref);
    const running = this.pulls.get(key);
    if (running) return running;
    const work = this.writing(async () => {
      this.opts.log?.info({ image: key }, 'pulling image');
      const pulled = await pullImage(this.store, this.layerJobs, ref, {
        mirrors: this.opts.mirrors,
        insecureRegistries: this.opts.insecureRegistries,
        ...(opts.auths ? { auths: opts.auths } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(this.opts.headerTimeoutMs !== undefined ? { headerTimeoutMs: this.opts.headerTimeoutMs } : {}),
      });
      return this.addImage(pulled, ref.tag !== undefined ? [`${repositoryName(ref)}:${ref.tag}`] : []);
    });
    this.pulls.set(key, work);
    try {
      return await work;
    } finally {
      this.pulls.delete(key);
    }
  }

  /** Stores `img` under `tags`, merging with an existing record of the same ID and moving tags off other images. */
  async addImage(img: StoredImage, tags: string[]): Promise<StoredImage> {
    return this.exclusive(async () => {
      const existing = await this.store.getImage(img.id);
      const merged: StoredImage = {
        ...img,
        repoTags: [...new Set([...(existing?.repoTags ?? []), ...tags])],
        repoDigests: [...new Set([...(existing?.repoDigests ?? []), ...img.repoDigests])],
      };
      for (const other of await this.store.listImages()) {
        if (other.id === img.id) continue;
        const kept = other.repoTags.filter((t) => !tags.includes(t));
        if (kept.length !== other.repoTags.length) await this.store.saveImage({ ...other, repoTags: kept });
      }
      await this.store.saveImage(merged);
      return merged;
    });
  }

  async layerPaths(imageId: string): Promise<string[]> {
    const img = await this.store.getImage(imageId);
    if (!img) throw new Error(`Cannot find image ${imageId}: it is not in the image store; pull it again`);
    const paths: string[] = [];
    for (const l of [...img.layers].reverse()) {
      const dir = this.store.layerDir(l.diffID);
      let entries: string[];
      try {
        entries = await readdir(dir);
      } catch {
        throw new Error(`Cannot use image ${imageId}: layer ${l.diffID} is missing from ${dir}; remove the image and pull it again`);
      }
      // Empty layers (ENV/LABEL steps) add nothing to a mount; overlayfs also refuses a repeated lowerdir.
      if (entries.length > 0 && !paths.includes(dir)) paths.push(dir);
    }
    return paths;
  }

  async list(): Promise<StoredImage[]> {
    await this.init();
    return this.store.listImages();
  }

  /** Finds an image by name ("busybox", "host/x:tag", "repo@sha256:…"), full ID or unique ID prefix. */
  async get(ref: string): Promise<StoredImage | undefined> {
    await this.init();
    const id = /^(sha256:)?([a-f0-9]{64})$/.exec(ref);
    if (id) {
      const img = await this.store.getImage(`sha256:${id[2]}`);
      if (img) return img;
    }
    let parsed: ImageReference | undefined;
    try {
      parsed = parseReference(ref);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      const byName = await this.findByReference(parsed);
      if (byName) return byName;
    }
    const prefix = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(ref)?.[1];
    if (!prefix) return undefined;
    const matches = (await this.store.listImages()).filter((i) => i.id.slice(7).startsWith(prefix));
    if (matches.length > 1) throw new Error(`Cannot pick an image: "${ref}" is a prefix of ${matches.length} image IDs; give more characters`);
    return matches[0];
  }

  /**
   * Removes a name, or the image when it was its last name or given by ID. Refuses to delete an
   * image `inUse` says a container uses.
   */
  async remove(ref: string, opts: { inUse?: (id: string) => boolean | Promise<boolean>; force?: boolean } = {}): Promise<RemoveResult> {
    const img = await this.get(ref);
    if (!img) throw new Error(`Cannot remove image "${ref}": no such image; see "berth images ls"`);
    return this.exclusive(async () => {
      const current = (await this.store.getImage(img.id)) ?? img;
      let name: string | undefined;
      try {
        const p = parseReference(ref);
        if (p.tag !== undefined && p.digest === undefined) name = `${repositoryName(p)}:${p.tag}`;
      } catch {
        name = undefined;
      }
      const byName = name !== undefined && current.repoTags.includes(name);
      if (byName && current.repoTags.length > 1) {
        await this.store.saveImage({ ...current, repoTags: current.repoTags.filter((t) => t !== name) });
        return { untagged: [name ?? ref], deleted: [] };
      }
      if (!byName && current.repoTags.length > 1 && !opts.force) {
        throw new Error(`Cannot remove image ${current.id.slice(7, 19)}: it is referenced by several names (${current.repoTags.join(', ')}); remove them by name or use --force`);
      }
      if (await opts.inUse?.(current.id)) {
        throw new Error(`Cannot remove image "${ref}" (${current.id.slice(7, 19)}): a container is using it; delete the pods that run it first`);
      }
      await this.store.deleteImage(current.id);
      // Garbage waits for the next removal while anything is being written in this process.
      if (this.writers === 0) await this.store.collectGarbage(new Set());
      return { untagged: [...current.repoTags, ...current.repoDigests], deleted: [current.id] };
    });
  }

  /** Loads a `docker save` tar or an OCI image layout tar; returns the images it held. */
  async importArchive(file: string, opts: { onProgress?: (p: PullProgress) => void } = {}): Promise<StoredImage[]> {
    await this.init();
    return this.writing(async () => {
      const found = await importArchive(this.store, this.layerJobs, file, opts.onProgress);
      const out: StoredImage[] = [];
      for (const f of found) out.push(await this.addImage(f.image, f.tags));
      return out;
    });
  }

  private async writing<T>(fn: () => Promise<T>): Promise<T> {
    this.writers++;
    try {
      return await fn();
    } finally {
      this.writers--;
    }
  }

  private async findByReference(ref: ImageReference): Promise<StoredImage | undefined> {
    await this.init();
    const images = await this.store.listImages();
    if (ref.digest !== undefined) {
      const want = `${repositoryName(ref)}@${ref.digest}`;
      return images.find((i) => i.repoDigests.includes(want) || (i.manifestDigest === ref.digest && i.repoDigests.some((d) => d.startsWith(`${repositoryName(ref)}@`))));
    }
    const tag = `${repositoryName(ref)}:${ref.tag ?? 'latest'}`;
    return images.find((i) => i.repoTags.includes(tag));
  }

  /** Prepares the store (its root made 0700); every operation does this first, and the node calls it at startup. */
  init(): Promise<void> {
    this.ready ??= this.store.init();
    return this.ready;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
