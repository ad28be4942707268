// The csi-snapshotter half of the snapshot controller: runs content-compute's step for one
// VolumeSnapshotContent against the API and the CSI driver.
import type { JsonObject, KObject } from '../../machinery/types';
import { type CsiDriverRegistry, CsiError } from '../../storage/csi/types';
import { type ControllerContext, errMessage, isReason } from '../controller';
import type { Informer } from '../informer';
import { type ContentStep, decideContent } from './content-compute';
import { ANN_BEING_CREATED, ANN_BEING_DELETED, VSC_FINALIZER, contentView, snapshotterComponent, vscRef } from './names';
import { clearedContentStatus, contentErrorStatus, contentStatusFrom } from './status';

/** A sync that is not finished and should be retried with backoff (not a failure to log loudly). */
export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLater';
  }
}

const NS_PER_MS = 1_000_000;
/** Codes after which a CreateSnapshot may still be in flight on the storage system. */
const IN_FLIGHT = new Set(['CANCELLED', 'DEADLINE_EXCEEDED', 'UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'ABORTED']);

export class ContentSyncer {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly drivers: CsiDriverRegistry,
    private readonly snapshots: Informer,
    private readonly classes: Informer,
  ) {}

  async sync(name: string): Promise<void> {
    let content: KObject;
    try {
      content = await this.ctx.client.get(vscRef, undefined, name);
    } catch (err) {
      if (isReason(err, 'NotFound')) return;
      throw err;
    }
    const v = contentView(content);
    const step = decideContent({
      content,
      snapshot: v.ref.name ? this.snapshots.get(v.ref.namespace, v.ref.name) : undefined,
      snapshotClass: v.className !== undefined ? this.classes.get(undefined, v.className) : undefined,
      driverKnown: this.drivers.get(v.driver) !== undefined,
      drivers: this.drivers.names(),
    });
    await this.run(content, step);
  }

  private event(c: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.recorder(snapshotterComponent(contentView(c).driver)).event(c, type, reason, message);
  }

  private update(c: KObject): Promise<KObject> {
    return this.ctx.client.update(vscRef, undefined, c);
  }

  private setStatus(c: KObject, status: JsonObject): Promise<KObject> {
    return this.ctx.client.update(vscRef, undefined, { ...c, status }, {}, 'status');
  }

  private withAnnotation(c: KObject, key: string, value: string | undefined): KObject {
    const annotations = { ...(c.metadata.annotations ?? {}) };
    if (value === undefined) delete annotations[key];
    else annotations[key] = value;
    return { ...c, metadata: { ...c.metadata, annotations } };
  }

  private async fail(c: KObject, reason: string, message: string): Promise<never> {
    const status = contentErrorStatus(c.status as JsonObject | undefined, message, this.ctx.clock.now());
    if (status) {
      this.event(c, 'Warning', reason, message);
      await this.setStatus(c, status);
    }
    throw new RetryLater(message);
  }

  private async run(c: KObject, step: ContentStep): Promise<void> {
    switch (step.do) {
      case 'none':
        return;
      case 'addFinalizer':
        await this.update({ ...c, metadata: { ...c.metadata, finalizers: [...(c.metadata.finalizers ?? []), VSC_FINALIZER] } });
        return;
      case 'markBeingDeleted':
        await this.update(this.withAnnotation(c, ANN_BEING_DELETED, 'yes'));
        return;
      case 'dropBeingCreated':
        await this.update(this.withAnnotation(c, ANN_BEING_CREATED, undefined));
        return;
      case 'error':
        return this.fail(c, step.reason, step.message);
      case 'staticStatus': {
        const nanos = this.ctx.clock.now().getTime() * NS_PER_MS;
        const status = contentStatusFrom(c.status as JsonObject | undefined, { snapshotId: step.snapshotHandle, readyToUse: true, sizeBytes: 0n }, nanos);
        if (status) await this.setStatus(c, status);
        return;
      }
      case 'release':
        return this.release(c, step.snapshotId);
      case 'create':
        return this.create(c, step);
    }
  }

  /** DeleteSnapshot (when the policy says so), clear the status, then let the object go. */
  private async release(c: KObject, snapshotId: string | undefined): Promise<void> {
    let cur = c;
    if (snapshotId !== undefined) {
      const driver = this.drivers.get(contentView(c).driver);
      try {
        if (!driver) throw new Error(`no CSI driver named ${contentView(c).driver} is registered`);
        await driver.deleteSnapshot(snapshotId);
      } catch (err) {
        this.event(c, 'Warning', 'SnapshotDeleteError', 'Failed to delete snapshot');
        throw new Error(`failed to delete snapshot ${c.metadata.name ?? ''}, err: ${errMessage(err)}`, { cause: err });
      }
      cur = await this.setStatus(cur, clearedContentStatus(cur.status as JsonObject | undefined));
    }
    const finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== VSC_FINALIZER);
    if (finalizers.length !== (cur.metadata.finalizers ?? []).length) await this.update({ ...cur, metadata: { ...cur.metadata, finalizers } });
  }

  /** createSnapshotWrapper: mark the call in flight, CreateSnapshot, record the answer. */
  private async create(c: KObject, step: Extract<ContentStep, { do: 'create' }>): Promise<void> {
    const driver = this.drivers.get(contentView(c).driver);
    if (!driver) throw new RetryLater(`driver ${contentView(c).driver} went away`);
    let cur = c.metadata.annotations?.[ANN_BEING_CREATED] === undefined ? await this.update(this.withAnnotation(c, ANN_BEING_CREATED, 'yes')) : c;
    let snap;
    try {
      snap = await driver.createSnapshot(step.volumeId, step.name, step.parameters);
    } catch (err) {
      // In-process drivers answer or throw: only a gRPC code saying "maybe still running" keeps the mark.
      if (!(err instanceof CsiError && IN_FLIGHT.has(err.code))) cur = await this.update(this.withAnnotation(cur, ANN_BEING_CREATED, undefined));
      return this.fail(cur, 'SnapshotCreationFailed', `Failed to create snapshot: failed to take snapshot of the volume ${step.volumeId}: ${JSON.stringify(errMessage(err))}`);
    }
    const created = snap.creationTimeMs > 0 ? snap.creationTimeMs : this.ctx.clock.now().getTime();
    const status = contentStatusFrom(cur.status as JsonObject | undefined, snap, created * NS_PER_MS);
    if (status) cur = await this.setStatus(cur, status);
    await this.update(this.withAnnotation(cur, ANN_BEING_CREATED, undefined));
    if (!snap.readyToUse) throw new RetryLater(`snapshot ${snap.snapshotId} is not ready to use yet`);
  }
}
