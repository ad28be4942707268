// Making one layer present (blob fetched if needed, then unpacked), once per process even when
// several pulls want it at the same time.
import { join } from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import type { PullProgress } from '../types';
import type { ImageStore } from './store';
import { unpackLayer } from './unpack';

export interface LayerJob {
  digest: string;
  diffID: string;
  size: number;
  /** Fetches the blob into the store (absent for imports, whose blobs are already there). */
  fetch?: (onBytes: (n: number) => void) => Promise<void>;
}

/** Short layer id as Docker prints it. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

export async function ensureLayer(
  store: ImageStore,
  inflight: Map<string, Promise<void>>,
  job: LayerJob,
  onProgress?: (p: PullProgress) => void,
): Promise<void> {
  const layer = shortId(job.digest);
  const report = (status: PullProgress['status'], current = 0): void => onProgress?.({ layer, status, current, total: job.size });
  if (await store.hasLayer(job.diffID)) {
    report('Already exists', job.size);
    return;
  }
  const running = inflight.get(job.diffID);
  if (running) {
    report('Waiting');
    await running;
    report('Already exists', job.size);
    return;
  }
  const work = (async () => {
    if (!(await store.hasBlob(job.digest))) {
      if (!job.fetch) throw new Error(`Cannot unpack layer ${job.digest}: its blob is missing from the store`);
      report('Downloading', 0);
      await job.fetch((n) => report('Downloading', n));
      report('Verifying Checksum', job.size);
      report('Download complete', job.size);
    }
    report('Extracting', 0);
    const tmp = await store.tempDir();
    try {
      await mkdir(join(tmp, 'diff'));
      await unpackLayer(store.blobPath(job.digest), join(tmp, 'diff'), job.diffID);
      await store.commitLayer(tmp, job.diffID);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    report('Pull complete', job.size);
  })();
  inflight.set(job.diffID, work);
  try {
    await work;
  } finally {
    inflight.delete(job.diffID);
  }
}

/** Runs `fn` over `items` with at most `limit` at once; rejects with the first failure. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
