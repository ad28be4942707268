// The test CSI driver's storage: directory volumes and snapshots under its root, each with a JSON
// record beside it, so a restarted driver finds its state. Names map to ids by hash, which makes
// CreateVolume/CreateSnapshot idempotent; every error is a CsiError with the spec's code.
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CsiError, type ContentSource } from '../../src/storage/csi/types';

export interface VolumeRecord {
  id: string;
  name: string;
  capacity: string;
  parameters: Record<string, string>;
  source?: ContentSource;
  /** Size the node last grew the volume to (NodeExpandVolume). */
  nodeCapacity?: string;
}

export interface SnapshotRecord {
  id: string;
  name: string;
  sourceVolumeId: string;
  size: string;
  createdMs: number;
}

const DEFAULT_CAPACITY = 1n << 30n;
const idFor = (prefix: string, name: string) => `${prefix}-${createHash('sha256').update(name).digest('hex').slice(0, 20)}`;
const exists = (p: string) => stat(p).then(() => true, () => false);

export class TestVolumeStore {
  // Mutations run one at a time: enough for a test driver, and it keeps idempotency checks honest.
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {}

  volumeDir(id: string): string {
    return join(this.root, 'volumes', id);
  }
  private snapshotDir(id: string): string {
    return join(this.root, 'snapshots', id);
  }
  private recordPath(kind: 'volumes' | 'snapshots' | 'staged', id: string): string {
    return join(this.root, 'records', kind, `${id}.json`);
  }

  async init(): Promise<void> {
    for (const d of ['volumes', 'snapshots', 'records/volumes', 'records/snapshots', 'records/staged']) await mkdir(join(this.root, d), { recursive: true });
  }

  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async read<T>(kind: 'volumes' | 'snapshots' | 'staged', id: string): Promise<T | undefined> {
    const text = await readFile(this.recordPath(kind, id), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  private async write(kind: 'volumes' | 'snapshots' | 'staged', id: string, rec: object): Promise<void> {
    const p = this.recordPath(kind, id);
    await writeFile(`${p}.tmp`, JSON.stringify(rec));
    await rename(`${p}.tmp`, p);
  }

  volume(id: string): Promise<VolumeRecord | undefined> {
    return this.read<VolumeRecord>('volumes', id);
  }
  async mustVolume(id: string, rpc: string): Promise<VolumeRecord> {
    const v = await this.volume(id);
    if (!v) throw new CsiError('NOT_FOUND', `${rpc}: volume ${id} does not exist`);
    return v;
  }
  snapshot(id: string): Promise<SnapshotRecord | undefined> {
    return this.read<SnapshotRecord>('snapshots', id);
  }

  createVolume(name: string, required: bigint, limit: bigint, parameters: Record<string, string>, source: ContentSource | undefined): Promise<VolumeRecord> {
    return this.serial(async () => {
      if (limit > 0n && required > limit) throw new CsiError('OUT_OF_RANGE', `CreateVolume: required_bytes ${required} exceeds limit_bytes ${limit}`);
      const id = idFor('vol', name);
      const existing = await this.volume(id);
      if (existing) {
        const cap = BigInt(existing.capacity);
        const same = cap >= required && (limit === 0n || cap <= limit) && JSON.stringify(existing.parameters) === JSON.stringify(parameters) && JSON.stringify(existing.source) === JSON.stringify(source);
        if (!same) throw new CsiError('ALREADY_EXISTS', `CreateVolume: volume ${name} already exists (${existing.capacity} bytes, parameters ${JSON.stringify(existing.parameters)}, source ${JSON.stringify(existing.source ?? null)}) and differs from this request; use another name`);
        return existing;
      }
      let from: string | undefined;
      let sourceSize = 0n;
      if (source && 'snapshotId' in source) {
        const snap = await this.snapshot(source.snapshotId);
        if (!snap) throw new CsiError('NOT_FOUND', `CreateVolume: source snapshot ${source.snapshotId} does not exist`);
        from = this.snapshotDir(snap.id);
        sourceSize = BigInt(snap.size);
      } else if (source) {
        const vol = await this.volume(source.volumeId);
        if (!vol) throw new CsiError('NOT_FOUND', `CreateVolume: source volume ${source.volumeId} does not exist`);
        from = this.volumeDir(vol.id);
        sourceSize = BigInt(vol.capacity);
      }
      let capacity = required > 0n ? required : limit > 0n && limit < DEFAULT_CAPACITY ? limit : DEFAULT_CAPACITY;
      if (capacity < sourceSize) capacity = sourceSize;
      if (limit > 0n && capacity > limit) throw new CsiError('OUT_OF_RANGE', `CreateVolume: the source needs ${sourceSize} bytes, more than limit_bytes ${limit}`);
      const dir = this.volumeDir(id);
      await rm(dir, { recursive: true, force: true });
      if (from) await cp(from, dir, { recursive: true, preserveTimestamps: true });
      else await mkdir(dir);
      const rec: VolumeRecord = { id, name, capacity: capacity.toString(), parameters, ...(source ? { source } : {}) };
      await this.write('volumes', id, rec);
      return rec;
    });
  }

  deleteVolume(id: string): Promise<void> {
    return this.serial(async () => {
      await rm(this.volumeDir(id), { recursive: true, force: true });
      await rm(this.recordPath('staged', id), { force: true });
      await rm(this.recordPath('volumes', id), { force: true });
    });
  }

  expandVolume(id: string, required: bigint): Promise<VolumeRecord> {
    return this.serial(async () => {
      const v = await this.mustVolume(id, 'ControllerExpandVolume');
      if (required > BigInt(v.capacity)) v.capacity = required.toString();
      await this.write('volumes', id, v);
      return v;
    });
  }

  nodeExpand(id: string, required: bigint): Promise<bigint> {
    return this.serial(async () => {
      const v = await this.mustVolume(id, 'NodeExpandVolume');
      const size = required > 0n ? required : BigInt(v.capacity);
      v.nodeCapacity = size.toString();
      await this.write('volumes', id, v);
      return size;
    });
  }

  createSnapshot(sourceVolumeId: string, name: string, nowMs: number): Promise<SnapshotRecord> {
    return this.serial(async () => {
      const id = idFor('snap', name);
      const existing = await this.snapshot(id);
      if (existing) {
        if (existing.sourceVolumeId !== sourceVolumeId) throw new CsiError('ALREADY_EXISTS', `CreateSnapshot: snapshot ${name} already exists for volume ${existing.sourceVolumeId}, not ${sourceVolumeId}; use another name`);
        return existing;
      }
      const vol = await this.mustVolume(sourceVolumeId, 'CreateSnapshot');
      const dir = this.snapshotDir(id);
      await rm(dir, { recursive: true, force: true });
      await cp(this.volumeDir(vol.id), dir, { recursive: true, preserveTimestamps: true });
      const rec: SnapshotRecord = { id, name, sourceVolumeId, size: vol.capacity, createdMs: nowMs };
      await this.write('snapshots', id, rec);
      return rec;
    });
  }

  deleteSnapshot(id: string): Promise<void> {
    return this.serial(async () => {
      await rm(this.snapshotDir(id), { recursive: true, force: true });
      await rm(this.recordPath('snapshots', id), { force: true });
    });
  }

  stagedAt(id: string): Promise<string | undefined> {
    return this.read<{ stagingPath: string }>('staged', id).then((r) => r?.stagingPath);
  }
  stage(id: string, stagingPath: string): Promise<void> {
    return this.serial(() => this.write('staged', id, { stagingPath }));
  }
  unstage(id: string): Promise<void> {
    return this.serial(() => rm(this.recordPath('staged', id), { force: true }));
  }

  /** Bytes in the volume's files (what a quota would count). */
  async usedBytes(id: string): Promise<bigint> {
    let total = 0n;
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else total += BigInt((await stat(p).catch(() => ({ size: 0 }))).size);
      }
    };
    if (await exists(this.volumeDir(id))) await walk(this.volumeDir(id));
    return total;
  }
}
