// The node side of CSI volumes (the kubelet's csi plugin with its operation executor): a claim's
// volume is staged once per node (NodeStageVolume at the volume's globalmount), published once per
// pod (NodePublishVolume at the pod's volume path), unpublished with the pod, and unstaged when
// the last pod on this node lets go of it. Which pods hold a volume is read from the records on
// disk, so a restarted node still unstages at the right time. The filesystem is grown here too
// (NodeExpandVolume) once the controller has grown the volume.
import { mkdir, readFile, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EventRecorder } from '../../controllers/events';
import type { ApiClient } from '../../machinery/client';
import type { Clock } from '../../machinery/clock';
import { pvRef, pvcRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import { type CsiDriver, type CsiDriverRegistry, CsiError, isCsiCode } from '../../storage/csi/types';
import type { CsiClaimMount } from '../../storage/pvc-source';
import type { Pod } from '../types';
import { markResizeFinished, nodeExpansionNeeded } from './csi-expand';
import { RECORD_FILE, publishDir, publishTarget, stagingPath } from './csi-paths';
import { type PublishRecord, type StageRecord, allRecords, podRecords, readRecord, removeRecord, stageRecords, writeRecord } from './csi-records';
import { KeyedLock } from '../../machinery/keyed-lock';

export interface CsiLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface CsiVolumesOptions {
  /** The node's data directory (staging paths live under <dataDir>/plugins). */
  dataDir: string;
  /** This boot's id (default: /proc/sys/kernel/random/boot_id). */
  bootId?: () => Promise<string>;
  /** The pods directory, created and resolved. */
  podsDir: () => Promise<string>;
  drivers: CsiDriverRegistry | undefined;
  /** Where external drivers put their sockets (named in the "not registered" error). */
  socketDir: string;
  nodeName: string;
  client: ApiClient;
  clock: Clock;
  recorder?: EventRecorder | undefined;
  log: CsiLog;
}

interface Published {
  pod: Pod;
  plan: CsiClaimMount;
  targetPath: string;
  stagingPath?: string;
}

/** An online expansion that failed for another reason than FAILED_PRECONDITION is retried after this long. */
const RETRY_MS = 30_000;
/** How often the node looks for staged volumes no pod holds (besides at start). */
const SWEEP_MS = 60_000;

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
/** A driver call whose failure names the RPC, the volume and the gRPC code (the pod's FailedMount event shows it). */
async function rpc<T>(op: string, pv: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw new Error(`${op} of volume "${pv}" failed: ${e instanceof CsiError ? `${e.code}: ` : ''}${msg(e)}`, { cause: e });
  }
}
const readBootId = async (): Promise<string> => (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
const volumeKey = (r: { driver: string; volumeHandle: string }) => `${r.driver}\0${r.volumeHandle}`;

async function removeDir(path: string, what: string): Promise<void> {
  await rmdir(path).catch((e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new Error(`Cannot remove ${what} ${path}: ${code === 'EBUSY' ? 'it is still mounted' : code === 'ENOTEMPTY' ? 'it still holds files' : msg(e)}; the driver did not undo its mount, unmount it (umount ${path}) and retry`, { cause: e });
  });
}

/** Pure: the claim says a node must still grow its filesystem (NodeResizePending or FileSystemResizePending). */
export function awaitsNodeResize(claim: KObject): boolean {
  const status = obj(claim.status);
  if (str(obj(status.allocatedResourceStatuses).storage) === 'NodeResizePending') return true;
  const conditions = Array.isArray(status.conditions) ? (status.conditions as { type?: unknown; status?: unknown }[]) : [];
  return conditions.some((c) => c.type === 'FileSystemResizePending' && c.status === 'True');
}

export class CsiVolumes {
  /** pod uid → volume name → what this process published. */
  private readonly published = new Map<string, Map<string, Published>>();
  private readonly locks = new KeyedLock();
  /** "<ns>/<claim>@<bytes>" → the last failed expansion. */
  private readonly failed = new Map<string, { at: number; precondition: boolean }>();
  /** Failures already told as a FileSystemResizeFailed event (once per claim and size). */
  private readonly told = new Set<string>();
  /**
   * Volumes this process staged. A stage record from before (an earlier process) is not trusted:
   * the first setUp of a volume in each process calls NodeStageVolume again (idempotent per CSI).
   */
  private readonly stagedHere = new Set<string>();
  /** When the sweep for staged volumes no pod holds last ran (ms); undefined: not yet in this process. */
  private sweptAt: number | undefined;

  constructor(private readonly o: CsiVolumesOptions) {}

  private driver(name: string): CsiDriver {
    const d = this.o.drivers?.get(name);
    if (!d) throw new Error(`driver ${name} is not registered on node ${this.o.nodeName}: start it with its socket in ${this.o.socketDir}`);
    return d;
  }

  /** Stages (once per node) and publishes the pod's volume; returns the path containers get. Idempotent. */
  async setUp(pod: Pod, volume: string, plan: CsiClaimMount): Promise<{ path: string }> {
    const uid = pod.metadata.uid ?? '';
    const have = this.published.get(uid)?.get(volume);
    if (have && have.plan.pvName === plan.pvName) {
      have.plan = plan;
      have.pod = pod;
      return { path: have.targetPath };
    }
    const driver = this.driver(plan.driver);
    for (const f of plan.ignored) this.o.log.warn({ pv: plan.pvName, field: `spec.csi.${f}` }, 'CSI secrets are not passed to drivers on this node; the field is ignored');
    const caps = await driver.nodeGetCapabilities();
    const root = await this.o.podsDir();
    const staging = caps.has('STAGE_UNSTAGE_VOLUME') ? stagingPath(this.o.dataDir, plan.driver, plan.volumeHandle) : undefined;
    const entry: Published = { pod, plan, targetPath: publishTarget(root, uid, volume, plan.block), ...(staging ? { stagingPath: staging } : {}) };
    const fresh = await this.locks.run(volumeKey(plan), async () => {
      // Recorded first: a pod that fails or crashes mid-stage or mid-publish still holds the
      // volume, and its tear-down undoes whatever part was done (both calls are idempotent).
      const rec: PublishRecord = { driver: plan.driver, volumeHandle: plan.volumeHandle, pvName: plan.pvName, ...(staging ? { stagingPath: staging } : {}), targetPath: entry.targetPath, block: plan.block, podUid: uid, volume };
      await writeRecord(join(publishDir(root, uid, volume), RECORD_FILE), rec);
      const staged = staging ? await this.stage(driver, plan, staging) : false;
      await mkdir(dirname(entry.targetPath), { recursive: true, mode: 0o750 });
      await rpc('NodePublishVolume', plan.pvName, () => driver.nodePublishVolume({
        volumeId: plan.volumeHandle, ...(staging ? { stagingPath: staging } : {}), targetPath: entry.targetPath,
        capability: plan.capability, readOnly: plan.readOnly, volumeContext: plan.volumeContext,
      }));
      return staged || !staging;
    });
    const vols = this.published.get(uid) ?? new Map<string, Published>();
    vols.set(volume, entry);
    this.published.set(uid, vols);
    // A volume grown while it was not staged is grown offline now (the kubelet does it at mount time).
    // A failure here must not fail the mount: the volume works at its old size, and the online pass retries.
    if (fresh) await this.locks.run(volumeKey(plan), () => this.expand(driver, entry, true)).catch((e: unknown) => this.o.log.warn({ pv: plan.pvName, err: msg(e) }, 'volume expansion after staging failed'));
    return { path: entry.targetPath };
  }

  /** NodeStageVolume unless the volume is staged already; true when it staged now. */
  private async stage(driver: CsiDriver, plan: CsiClaimMount, path: string): Promise<boolean> {
    const recPath = join(dirname(path), RECORD_FILE);
    const bootId = await (this.o.bootId ?? readBootId)();
    const had = await readRecord<StageRecord>(recPath);
    if (had?.staged && had.bootId === bootId && this.stagedHere.has(volumeKey(plan))) return false;
    const rec: StageRecord = { driver: plan.driver, volumeHandle: plan.volumeHandle, pvName: plan.pvName, staged: false, bootId };
    await writeRecord(recPath, rec);
    await mkdir(path, { recursive: true, mode: 0o750 });
    await rpc('NodeStageVolume', plan.pvName, () => driver.nodeStageVolume({ volumeId: plan.volumeHandle, stagingPath: path, capability: plan.capability, volumeContext: plan.volumeContext }));
    await writeRecord(recPath, { ...rec, staged: true });
    this.stagedHere.add(volumeKey(plan));
    this.o.log.info({ pv: plan.pvName, driver: plan.driver, stagingPath: path }, 'volume staged');
    return true;
  }

  /** Unpublishes every CSI volume of the pod (from its records on disk) and unstages those no other pod on this node holds. */
  async tearDown(podUid: string): Promise<void> {
    const root = await this.o.podsDir();
    for (const rec of await podRecords(root, podUid)) {
      await this.locks.run(volumeKey(rec), async () => {
        const driver = this.driver(rec.driver);
        await rpc('NodeUnpublishVolume', rec.pvName, () => driver.nodeUnpublishVolume(rec.volumeHandle, rec.targetPath));
        if (rec.block) {
          await rm(rec.targetPath, { force: true }).catch((e: unknown) => {
            throw new Error(`Cannot remove the block volume file ${rec.targetPath}: ${msg(e)}; the driver did not undo its bind mount, unmount it (umount ${rec.targetPath}) and retry`, { cause: e });
          });
        } else await removeDir(rec.targetPath, 'the volume mount point');
        // Unstaged before the publish record goes: a crash in between leaves the record, and the
        // next tear-down (or the sweep) redoes the work instead of leaking the staged volume.
        if (rec.stagingPath) {
          const self = (r: PublishRecord) => r.podUid === rec.podUid && r.volume === rec.volume;
          const holders = (await allRecords(root)).filter((r) => volumeKey(r) === volumeKey(rec) && !self(r));
          if (holders.length === 0) await this.unstage(driver, rec, rec.stagingPath);
        }
        const dir = publishDir(root, rec.podUid, rec.volume);
        await removeRecord(join(dir, RECORD_FILE));
        await rmdir(dir).catch(() => undefined);
        this.published.get(podUid)?.delete(rec.volume);
      });
    }
    this.published.delete(podUid);
  }

  private async unstage(driver: CsiDriver, vol: { driver: string; volumeHandle: string; pvName: string }, path: string): Promise<void> {
    const recPath = join(dirname(path), RECORD_FILE);
    const had = await readRecord<StageRecord>(recPath);
    if (!had) return;
    // Not staged from here on: if unstaging fails half-way, the next setUp stages it again.
    this.stagedHere.delete(volumeKey(vol));
    if (had.staged) await writeRecord(recPath, { ...had, staged: false });
    await rpc('NodeUnstageVolume', vol.pvName, () => driver.nodeUnstageVolume(vol.volumeHandle, path));
    await removeDir(path, 'the staging path');
    await removeRecord(recPath);
    await rmdir(dirname(path)).catch(() => undefined);
    this.o.log.info({ pv: vol.pvName, driver: vol.driver, stagingPath: path }, 'volume unstaged');
  }

  /**
   * Unstages every volume staged on this node that no publish record (and no pod set up by this
   * process) holds: left by a crash of a version that removed the record before unstaging, or by
   * a tear-down whose unstage failed. Runs at the first resync of a process, then every SWEEP_MS.
   */
  private async sweepStaged(): Promise<void> {
    const now = this.o.clock.now().getTime();
    if (this.sweptAt !== undefined && now - this.sweptAt < SWEEP_MS) return;
    this.sweptAt = now;
    const root = await this.o.podsDir();
    for (const { recPath, rec } of await stageRecords(this.o.dataDir)) {
      const driver = this.o.drivers?.get(rec.driver);
      if (!driver) continue; // unstaged once its driver registers
      await this.locks.run(volumeKey(rec), async () => {
        if (!(await readRecord<StageRecord>(recPath))) return;
        const inMemory = [...this.published.values()].some((vols) => [...vols.values()].some((p) => volumeKey(p.plan) === volumeKey(rec)));
        const onDisk = (await allRecords(root)).some((r) => volumeKey(r) === volumeKey(rec));
        if (inMemory || onDisk) return;
        this.o.log.info({ pv: rec.pvName, driver: rec.driver }, 'unstaging a volume no pod on this node holds');
        await this.unstage(driver, rec, join(dirname(recPath), 'globalmount'));
      }).catch((e: unknown) => this.o.log.warn({ pv: rec.pvName, err: msg(e) }, 'unstaging a volume no pod holds failed'));
    }
  }

  /**
   * The resync pass: unstages volumes no pod holds (see sweepStaged), then grows each published
   * filesystem volume whose PV outgrew its claim's status.
   */
  async expandOnline(): Promise<void> {
    await this.sweepStaged();
    for (const [uid, vols] of [...this.published]) {
      for (const [name, entry] of [...vols]) {
        if (entry.plan.block) continue;
        const { plan } = entry;
        try {
          const claim = await this.o.client.get(pvcRef, plan.claimNamespace, plan.claimName);
          // The resizer marks a claim before its volume needs the node: only then is the PV read.
          if (!awaitsNodeResize(claim)) continue;
          const pv = await this.o.client.get(pvRef, undefined, plan.pvName);
          plan.claimCapacity = str(obj(obj(claim.status).capacity).storage);
          plan.pvCapacity = str(obj(obj(pv.spec).capacity).storage);
          const driver = this.o.drivers?.get(plan.driver);
          if (!driver) continue;
          await this.locks.run(volumeKey(plan), async () => {
            if (this.published.get(uid)?.get(name) === entry) await this.expand(driver, entry, false, claim);
          });
        } catch (e) {
          this.o.log.warn({ pod: uid, volume: name, err: msg(e) }, 'online volume expansion check failed');
        }
      }
    }
  }

  /** NodeExpandVolume when the PV is larger than the claim says; on success the claim's status records the new size. */
  private async expand(driver: CsiDriver, entry: Published, afterStage: boolean, claimObj?: KObject): Promise<void> {
    const { plan } = entry;
    const required = nodeExpansionNeeded(plan.pvCapacity, plan.claimCapacity);
    if (required === undefined) return;
    if (!(await driver.nodeGetCapabilities()).has('EXPAND_VOLUME')) return;
    const key = `${plan.claimNamespace}/${plan.claimName}@${required}`;
    const last = this.failed.get(key);
    if (!afterStage && last && (last.precondition || this.o.clock.now().getTime() - last.at < RETRY_MS)) return;
    try {
      await driver.nodeExpandVolume({ volumeId: plan.volumeHandle, volumePath: entry.targetPath, ...(entry.stagingPath ? { stagingPath: entry.stagingPath } : {}), requiredBytes: required, capability: plan.capability });
    } catch (e) {
      this.failed.set(key, { at: this.o.clock.now().getTime(), precondition: isCsiCode(e, 'FAILED_PRECONDITION') });
      this.o.log.warn({ pv: plan.pvName, err: msg(e) }, 'NodeExpandVolume failed');
      if (!this.told.has(key)) {
        this.told.add(key);
        const claim = claimObj ?? (await this.o.client.get(pvcRef, plan.claimNamespace, plan.claimName).catch(() => undefined));
        const why = e instanceof CsiError ? `${e.code}: ${e.message}` : msg(e);
        if (claim) this.o.recorder?.event(claim, 'Warning', 'FileSystemResizeFailed', `NodeExpandVolume of volume "${plan.pvName}" on node "${this.o.nodeName}" failed: ${why}`);
      }
      return;
    }
    this.failed.delete(key);
    const claim = await markResizeFinished(this.o.client, plan.claimNamespace, plan.claimName, plan.pvCapacity);
    plan.claimCapacity = plan.pvCapacity;
    const text = `NodeExpandVolume grew the filesystem of volume "${plan.pvName}" to ${plan.pvCapacity} on node "${this.o.nodeName}"`;
    this.o.recorder?.event(claim, 'Normal', 'FileSystemResizeSuccessful', text);
    this.o.recorder?.event(entry.pod, 'Normal', 'FileSystemResizeSuccessful', text);
    this.o.log.info({ pv: plan.pvName, capacity: plan.pvCapacity }, 'volume filesystem expanded');
  }
}
