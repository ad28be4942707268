// The small JSON records the node keeps for CSI volumes so that tear-down after a restart knows
// what was published and staged: which pods still publish a volume is read from disk, never
// from memory alone (the refcount that decides NodeUnstageVolume).
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CSI_PLUGIN_DIR, RECORD_FILE, stagingRoot } from './csi-paths';

/** One published pod volume (pods/<uid>/volumes/kubernetes.io~csi/<volume>/vol_data.json). */
export interface PublishRecord {
  driver: string;
  volumeHandle: string;
  pvName: string;
  /** Absent when the driver does not stage. */
  stagingPath?: string;
  targetPath: string;
  block: boolean;
  podUid: string;
  volume: string;
}

/** A staged volume (<staging dir>/vol_data.json), written before NodeStageVolume so a crash mid-stage still unstages. */
export interface StageRecord {
  driver: string;
  volumeHandle: string;
  pvName: string;
  /** Set once NodeStageVolume succeeded. */
  staged: boolean;
  /** The boot it was staged in: after a reboot the staging mounts are gone and it is staged again. */
  bootId?: string;
}

/** Writes `path` atomically (a torn record would lose track of a mount). */
export async function writeRecord(path: string, rec: PublishRecord | StageRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o750 });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(rec), { mode: 0o600 });
  await rename(tmp, path);
}

export async function readRecord<T extends PublishRecord | StageRecord>(path: string): Promise<T | undefined> {
  const text = await readFile(path, 'utf8').catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    // A record we cannot read is no use; the volume it named is found by no one (logged by callers).
    return undefined;
  }
}

export const removeRecord = (path: string): Promise<void> => rm(path, { force: true });

/** The publish records of one pod. */
export async function podRecords(podsDir: string, podUid: string): Promise<PublishRecord[]> {
  const dir = join(podsDir, podUid, 'volumes', CSI_PLUGIN_DIR);
  const out: PublishRecord[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const rec = await readRecord<PublishRecord>(join(dir, name, RECORD_FILE));
    if (rec) out.push(rec);
  }
  return out;
}

/** Every publish record on this node (all pods). */
export async function allRecords(podsDir: string): Promise<PublishRecord[]> {
  const out: PublishRecord[] = [];
  for (const uid of await readdir(podsDir).catch(() => [] as string[])) out.push(...(await podRecords(podsDir, uid)));
  return out;
}

/** Every stage record on this node (<data>/plugins/kubernetes.io/csi/<driver>/<hash>/vol_data.json). */
export async function stageRecords(dataDir: string): Promise<{ recPath: string; rec: StageRecord }[]> {
  const out: { recPath: string; rec: StageRecord }[] = [];
  const top = stagingRoot(dataDir);
  for (const driver of await readdir(top).catch(() => [] as string[])) {
    for (const vol of await readdir(join(top, driver)).catch(() => [] as string[])) {
      const recPath = join(top, driver, vol, RECORD_FILE);
      const rec = await readRecord<StageRecord>(recPath);
      if (rec) out.push({ recPath, rec });
    }
  }
  return out;
}
