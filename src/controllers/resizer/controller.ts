// The resizer (kube-controller-manager's volume_expand hand-off + external-resizer, for every
// driver in the registry): a bound claim asking for more than it has gets ControllerExpandVolume
// (or, for a driver that only expands on the node, just the new size), the PV's capacity grows,
// and the claim is marked finished or FileSystemResizePending for the node to complete.
// Decisions are in decide.ts and status.ts; this layer calls the driver and writes.
import { rfc3339 } from '../../machinery/clock';
import { pvRef, pvcRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import type { CsiDriver, CsiDriverRegistry } from '../../storage/csi/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { Informer } from '../informer';
import { volumeCapability } from '../provisioner/csi-request';
import { isFinalError, isInfeasibleError, rpcErrorText } from '../provisioner/rpc-status';
import { quantityOfBytes } from '../provisioner/sizes';
import { WorkQueue } from '../queue';
import { ANN_PRE_RESIZE_CAPACITY, claimNeedsResize, decideResize, preResizeAnnotationDone, type Size, statusCapacity } from './decide';
import { failedStatus, finishedStatus, inProgressStatus, nodeExpansionAnnotation, nodePendingStatus } from './status';

export interface ResizerOptions {
  drivers: CsiDriverRegistry;
  /** Retry backoff of a failing claim (external-resizer: 1 s doubling to 5 min). */
  retryStartMs?: number;
  retryMaxMs?: number;
  /** How long an infeasible size waits before it is tried again (the slow set: 5 min). */
  infeasibleRetryMs?: number;
}

/** Already reported (event recorded); the queue just retries with backoff. */
class Retry extends Error {}

const claimKey = (c: KObject) => `${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`;

export class ResizerController implements Controller {
  readonly name = 'csi-resizer';
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly claims: Informer;
  private readonly volumes: Informer;
  /** Claims whose last expansion failed finally / as infeasible (and when). */
  private readonly finalErrors = new Set<string>();
  private readonly slow = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext, private readonly o: ResizerOptions) {
    this.queue = new WorkQueue({ timer: ctx.timer, baseDelayMs: o.retryStartMs ?? 1000, maxDelayMs: o.retryMaxMs ?? 300_000 });
    this.claims = ctx.informers.for(pvcRef);
    this.volumes = ctx.informers.for(pvRef);
    const claim = (c: KObject) => this.queue.add(claimKey(c));
    const volume = (v: KObject) => {
      const ref = (v.spec as { claimRef?: { namespace?: string; name?: string } } | undefined)?.claimRef;
      if (ref?.name) this.queue.add(`${ref.namespace ?? ''}/${ref.name}`);
    };
    this.claims.addHandler({ onAdd: claim, onUpdate: (_old, c) => claim(c), onDelete: (c) => this.forget(claimKey(c)) });
    this.volumes.addHandler({ onAdd: volume, onUpdate: (_old, v) => volume(v) });
    this.ready = Promise.all([this.claims.hasSynced, this.volumes.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    const onError = (key: string, err: unknown) => {
      if (err instanceof Retry || isReason(err, 'Conflict')) return this.ctx.log.debug({ controller: this.name, key }, errMessage(err));
      this.ctx.log.warn({ controller: this.name, key, err: errMessage(err) }, 'resize failed; will retry');
    };
    await this.queue.run(2, (k) => this.sync(k), signal, onError);
  }

  /** For tests: resolves when no work is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private forget(key: string): void {
    this.finalErrors.delete(key);
    this.slow.delete(key);
  }

  private async sync(key: string): Promise<void> {
    const i = key.indexOf('/');
    let claim = this.claims.get(key.slice(0, i), key.slice(i + 1));
    const volumeName = (claim?.spec as { volumeName?: string } | undefined)?.volumeName;
    if (!claim || !volumeName) return;
    let pv = this.volumes.get(undefined, volumeName);
    if (pv && preResizeAnnotationDone(claim, pv)) {
      const { [ANN_PRE_RESIZE_CAPACITY]: _gone, ...annotations } = pv.metadata.annotations ?? {};
      pv = await this.ctx.client.update(pvRef, undefined, { ...pv, metadata: { ...pv.metadata, annotations } }, { fieldManager: this.name });
    }
    if (!pv || !claimNeedsResize(claim)) return;
    const driverName = (pv.spec as { csi?: { driver?: string } }).csi?.driver ?? '';
    const driver = this.o.drivers.get(driverName);
    const controlPlane = driver ? (await driver.controllerGetCapabilities()).has('EXPAND_VOLUME') : false;
    const slowSince = this.slow.get(key);
    const slowMs = this.o.infeasibleRetryMs ?? 300_000;
    const inSlowSet = slowSince !== undefined && this.ctx.timer.now() - slowSince < slowMs;
    const d = decideResize({ claim, pv, registered: !!driver, controlPlane, hadFinalError: this.finalErrors.has(key), inSlowSet });
    if (d.action === 'none' || !driver) return;
    if (d.action === 'delay') return this.queue.addAfter(key, slowMs - (this.ctx.timer.now() - (slowSince ?? 0)));
    const rec = this.ctx.recorder(`external-resizer ${driverName}`);
    if (!controlPlane && !(await driver.nodeGetCapabilities()).has('EXPAND_VOLUME')) {
      rec.event(claim, 'Warning', 'VolumeResizeFailed', `resize volume "${pv.metadata.name ?? ''}" by resizer "${driverName}" failed: the driver reports neither controller nor node EXPAND_VOLUME; use a StorageClass whose driver can expand volumes`);
      return;
    }
    // kube-controller-manager's expand controller hands CSI volumes to the external resizer.
    this.ctx.recorder('volume_expand').event(claim, 'Warning', 'ExternalExpanding', 'waiting for an external controller to expand this PVC');
    claim = await this.writeClaim(claim, inProgressStatus(claim, d.size.text, d.updateStatus, this.now()), true);
    rec.event(claim, 'Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata.name ?? ''}`);
    const result = await this.expand(key, claim, pv, driver, driverName, d.size, controlPlane);
    await this.recordVolumeSize(pv, statusCapacity(claim)?.text, result.size, result.nodeExpansionRequired);
    if (result.nodeExpansionRequired) {
      await this.writeClaim(claim, nodePendingStatus(claim, this.now()), true);
      rec.event(claim, 'Normal', 'FileSystemResizeRequired', 'Require file system resize of volume on node');
    } else {
      await this.writeClaim(claim, finishedStatus(claim, result.size), false);
      rec.event(claim, 'Normal', 'VolumeResizeSuccessful', 'Resize volume succeeded');
    }
  }

  private now(): string {
    return rfc3339(this.ctx.clock.now());
  }

  /** ControllerExpandVolume (or the trivial resize); a failure is recorded on the claim and retried. */
  private async expand(key: string, claim: KObject, pv: KObject, driver: CsiDriver, driverName: string, size: Size, controlPlane: boolean): Promise<{ size: string; nodeExpansionRequired: boolean }> {
    if (!controlPlane) return { size: size.text, nodeExpansionRequired: true };
    const handle = (pv.spec as { csi?: { volumeHandle?: string } }).csi?.volumeHandle ?? '';
    try {
      if (!handle) throw new Error('empty volume handle');
      const cap = volumeCapability(pv);
      if (!cap.ok) throw new Error(`failed to get capabilities of volume ${pv.metadata.name ?? ''} with ${cap.error}`);
      const r = await driver.controllerExpandVolume(handle, size.bytes, cap.value);
      this.forget(key);
      return { size: r.capacityBytes > 0n ? quantityOfBytes(r.capacityBytes) : size.text, nodeExpansionRequired: r.nodeExpansionRequired };
    } catch (err) {
      const text = rpcErrorText(err);
      if (isFinalError(err)) {
        this.finalErrors.add(key);
        const infeasible = isInfeasibleError(err);
        if (infeasible) this.slow.set(key, this.ctx.timer.now());
        else this.slow.delete(key);
        await this.writeClaim(claim, failedStatus(claim, text, infeasible, this.now()), undefined).catch(() => undefined);
      } else this.forget(key);
      const message = `resize volume "${pv.metadata.name ?? ''}" by resizer "${driverName}" failed: ${text}`;
      this.ctx.recorder(`external-resizer ${driverName}`).event(claim, 'Warning', 'VolumeResizeFailed', message);
      throw new Retry(message);
    }
  }

  /** The PV's new capacity; before a node expansion, the old claim capacity as pre-resize-capacity. */
  private async recordVolumeSize(pv: KObject, oldCapacity: string | undefined, size: string, nodeExpansionRequired: boolean): Promise<void> {
    const fresh = await this.ctx.client.get(pvRef, undefined, pv.metadata.name ?? '');
    const spec = fresh.spec as { capacity?: Record<string, unknown> };
    const annotations = { ...(fresh.metadata.annotations ?? {}) };
    if (nodeExpansionRequired && oldCapacity && annotations[ANN_PRE_RESIZE_CAPACITY] === undefined) annotations[ANN_PRE_RESIZE_CAPACITY] = oldCapacity;
    const next = { ...fresh, metadata: { ...fresh.metadata, annotations }, spec: { ...spec, capacity: { ...spec.capacity, storage: size } } };
    await this.ctx.client.update(pvRef, undefined, next, { fieldManager: this.name });
  }

  /** Writes the claim's status (and the node-expansion-not-required annotation when `nodeExpansion` says). */
  private async writeClaim(claim: KObject, status: Record<string, unknown>, nodeExpansion: boolean | undefined): Promise<KObject> {
    let cur = claim;
    const annotations = nodeExpansion === undefined ? undefined : nodeExpansionAnnotation(cur, nodeExpansion);
    if (annotations) cur = await this.ctx.client.update(pvcRef, cur.metadata.namespace, { ...cur, metadata: { ...cur.metadata, annotations } }, { fieldManager: this.name });
    return this.ctx.client.update(pvcRef, cur.metadata.namespace, { ...cur, status }, { fieldManager: this.name }, 'status');
  }
}
