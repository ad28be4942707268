// The pool's metadata: one JSON file per volume and per snapshot, written atomically (temporary
// file, fsync, rename, fsync of the directory) so a crash leaves the old record or the new one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export type VolumeDriverKind = 'dir' | 'block';
export type VolumeSource = { snapshot: string } | { volume: string };

export interface VolumeRecord {
  name: string;
  driver: VolumeDriverKind;
  sizeBytes: bigint;
  /** block: 'ext4', or 'none' for a raw device with no filesystem; dir: ''. */
  fsType: string;
  labels: Record<string, string>;
  /** Free-form creation options (e.g. Docker's driver opts), kept verbatim. */
  options: Record<string, string>;
  /** RFC 3339 with milliseconds, from the pool's clock. */
  createdAt: string;
  source?: VolumeSource;
  /** Whether writes past sizeBytes fail (block: always; dir: only on btrfs with a qgroup). */
  capacityEnforced: boolean;
  /** Why capacity is or is not enforced, for `docker volume inspect` / PV annotations. */
  capacityNote: string;
  /** block: the image size the filesystem was made or last grown for (below sizeBytes: grow). */
  fsSizedFor?: bigint;
}

export interface SnapshotRecord {
  name: string;
  /** The volume it was taken of (which may since have been removed). */
  volume: string;
  driver: VolumeDriverKind;
  sizeBytes: bigint;
  fsType: string;
  createdAt: string;
  fsSizedFor?: bigint;
}

const BIGINT_FIELDS = new Set(['sizeBytes', 'fsSizedFor']);

export function encodeRecord(rec: object): string {
  return JSON.stringify(rec, (k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}

export function decodeRecord<T>(text: string): T {
  return JSON.parse(text, (k, v: unknown) => (BIGINT_FIELDS.has(k) && typeof v === 'string' ? BigInt(v) : v)) as T;
}

/** Writes `text` to `path` so that readers see the old content or the new, never a part. */
export async function writeFileAtomic(path: string, dir: string, text: string): Promise<void> {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Records of one kind, as <dir>/<name>.json. Names are validated by the caller. */
export class RecordStore<T extends { name: string }> {
  constructor(private readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  async get(name: string): Promise<T | undefined> {
    try {
      return decodeRecord<T>(await readFile(this.file(name), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`Cannot read the pool record ${this.file(name)}: ${(e as Error).message}; fix or remove the file`, { cause: e });
    }
  }

  async put(rec: T): Promise<void> {
    await writeFileAtomic(this.file(rec.name), this.dir, encodeRecord(rec));
  }

  async delete(name: string): Promise<void> {
    await unlink(this.file(name)).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    });
  }

  async list(): Promise<T[]> {
    const names = (await readdir(this.dir)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5));
    const out: T[] = [];
    for (const n of names.sort()) {
      const r = await this.get(n);
      if (r) out.push(r);
    }
    return out;
  }
}
