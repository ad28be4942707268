// The snapshot controller: upstream's common snapshot-controller (VolumeSnapshot <->
// VolumeSnapshotContent binding, finalizers, deletion cascade) and the csi-snapshotter sidecar
// (CreateSnapshot / DeleteSnapshot through the driver registry) in one level-based controller.
// Decisions are in snapshot-compute.ts and content-compute.ts; this layer reads and writes.
import { getIfExists, type ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { asStr, dig } from '../../machinery/resources/storage-apps-util';
import type { CsiDriverRegistry } from '../../storage/csi/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { EventRecorder } from '../events';
import type { Informer } from '../informer';
import { splitKey } from '../replicaset/pods';
import { WorkQueue } from '../queue';
import { pvRef, pvcRef } from '../../machinery/refs';
import { ContentSyncer, RetryLater } from './content-sync';
import { ANN_BEING_DELETED, PVC_FINALIZER, SNAPSHOT_CONTROLLER, contentView, snapshotView, vsClassRef, vsRef, vscRef } from './names';
import { decideSnapshot, type SnapshotStep } from './snapshot-compute';
import { snapshotErrorStatus } from './status';

export interface SnapshotControllerOptions {
  drivers: CsiDriverRegistry;
}

const nsKey = (ns: string | undefined, name: string | undefined): string => `${ns ?? ''}/${name ?? ''}`;

export class SnapshotController implements Controller {
  readonly name = SNAPSHOT_CONTROLLER;
  readonly ready: Promise<void>;
  private readonly snapshotQueue: WorkQueue;
  private readonly contentQueue: WorkQueue;
  private readonly snapshots: Informer;
  private readonly contents: Informer;
  private readonly classes: Informer;
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly recorder: EventRecorder;
  private readonly contentSyncer: ContentSyncer;

  constructor(private readonly ctx: ControllerContext, o: SnapshotControllerOptions) {
    this.snapshotQueue = new WorkQueue({ timer: ctx.timer });
    this.contentQueue = new WorkQueue({ timer: ctx.timer });
    this.snapshots = ctx.informers.for(vsRef);
    this.contents = ctx.informers.for(vscRef);
    this.classes = ctx.informers.for(vsClassRef);
    this.claims = ctx.informers.for(pvcRef);
    this.volumes = ctx.informers.for(pvRef);
    this.recorder = ctx.recorder(SNAPSHOT_CONTROLLER);
    this.contentSyncer = new ContentSyncer(ctx, o.drivers, this.snapshots, this.classes);
    const onSnapshot = (s: KObject) => this.snapshotQueue.add(nsKey(s.metadata.namespace, s.metadata.name));
    const onSnapshotGone = (s: KObject) => {
      const v = snapshotView(s);
      const content = v.bound ?? v.content;
      if (content) this.contentQueue.add(content);
    };
    const onContent = (c: KObject) => {
      this.contentQueue.add(c.metadata.name ?? '');
      const r = contentView(c).ref;
      if (r.name) this.snapshotQueue.add(nsKey(r.namespace, r.name));
    };
    // A claim that became Bound, or finished restoring from a snapshot, moves its snapshots on.
    const onClaim = (c: KObject) => {
      for (const s of this.snapshots.list(c.metadata.namespace)) if (snapshotView(s).pvc === c.metadata.name) onSnapshot(s);
      const ds = asStr(dig(c, 'spec', 'dataSource', 'name'));
      if (ds && asStr(dig(c, 'spec', 'dataSource', 'kind')) === 'VolumeSnapshot') this.snapshotQueue.add(nsKey(c.metadata.namespace, ds));
    };
    const onClass = () => {
      for (const s of this.snapshots.list()) if (snapshotView(s).ready !== true) onSnapshot(s);
      for (const c of this.contents.list()) if (dig(c, 'status', 'readyToUse') !== true) this.contentQueue.add(c.metadata.name ?? '');
    };
    this.snapshots.addHandler({ onAdd: onSnapshot, onUpdate: (_o, n) => onSnapshot(n), onDelete: onSnapshotGone });
    this.contents.addHandler({ onAdd: onContent, onUpdate: (_o, n) => onContent(n), onDelete: onContent });
    this.claims.addHandler({ onAdd: onClaim, onUpdate: (_o, n) => onClaim(n), onDelete: onClaim });
    this.classes.addHandler({ onAdd: onClass, onUpdate: onClass });
    const informers = [this.snapshots, this.contents, this.classes, this.claims, this.volumes];
    this.ready = Promise.all(informers.map((i) => i.hasSynced)).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    const onError = (kind: string) => (key: string, err: unknown) => {
      if (err instanceof RetryLater || isReason(err, 'Conflict')) return this.ctx.log.debug({ controller: this.name, [kind]: key }, errMessage(err));
      this.ctx.log.warn({ controller: this.name, [kind]: key, err: errMessage(err) }, `${kind} sync failed; will retry`);
    };
    await Promise.all([
      this.snapshotQueue.run(1, (k) => this.syncSnapshot(k), signal, onError('snapshot')),
      // Driver calls (a copy of a volume) may be slow: two at once.
      this.contentQueue.run(2, (k) => this.contentSyncer.sync(k), signal, onError('content')),
    ]);
  }

  /** For tests: resolves when no work is queued, running or waiting on a retry. */
  async idle(): Promise<void> {
    await Promise.all([this.snapshotQueue.idle(), this.contentQueue.idle()]);
  }

  private tryGet(ref: ResourceRef, ns: string | undefined, name: string): Promise<KObject | undefined> {
    return getIfExists(this.ctx.client, ref, ns, name);
  }

  private async syncSnapshot(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const snapshot = await this.tryGet(vsRef, ns, name);
    if (!snapshot) return;
    const pvc = snapshotView(snapshot).pvc;
    const claim = pvc !== undefined ? this.claims.get(ns, pvc) : undefined;
    const pvName = asStr(dig(claim, 'spec', 'volumeName'));
    const steps = decideSnapshot({
      snapshot,
      contents: new Map(this.contents.list().map((c) => [c.metadata.name ?? '', c])),
      classes: this.classes.list(),
      claim,
      volume: pvName ? this.volumes.get(undefined, pvName) : undefined,
      claims: this.claims.list(ns),
      snapshots: this.snapshots.list(ns),
    });
    let cur = snapshot;
    for (const step of steps) cur = await this.run(cur, step);
  }

  /** Runs one step; returns the snapshot as it now is. */
  private async run(s: KObject, step: SnapshotStep): Promise<KObject> {
    const ns = s.metadata.namespace;
    const client = this.ctx.client;
    switch (step.do) {
      case 'releaseClaim':
      case 'protectClaim': {
        const claim = await this.tryGet(pvcRef, ns, step.claim);
        if (!claim) return s;
        const fins = (claim.metadata.finalizers ?? []).filter((f) => f !== PVC_FINALIZER);
        if (step.do === 'protectClaim') fins.push(PVC_FINALIZER);
        await client.update(pvcRef, ns, { ...claim, metadata: { ...claim.metadata, finalizers: fins } });
        return s;
      }
      case 'setClass':
        return client.update(vsRef, ns, { ...s, spec: { ...(s.spec as object), volumeSnapshotClassName: step.name } });
      case 'setFinalizers':
        return client.update(vsRef, ns, { ...s, metadata: { ...s.metadata, finalizers: step.finalizers } });
      case 'createContent':
        try {
          await client.create(vscRef, undefined, step.content);
        } catch (err) {
          // Made by an earlier pass whose watch event is still on its way: reuse it.
          if (!isReason(err, 'AlreadyExists')) {
            this.recorder.event(s, 'Warning', 'CreateSnapshotContentFailed', `Error creating volume snapshot content object for snapshot ${nsKey(ns, s.metadata.name)}: ${errMessage(err)}.`);
            throw err;
          }
        }
        this.recorder.event(s, step.event.type, step.event.reason, step.event.message);
        return s;
      case 'bindContent': {
        const c = await this.tryGet(vscRef, undefined, step.name);
        if (!c) return s;
        const spec = { ...(c.spec as Record<string, unknown>) };
        spec['volumeSnapshotRef'] = { ...(spec['volumeSnapshotRef'] as object), uid: step.uid };
        if (step.className !== undefined) spec['volumeSnapshotClassName'] = step.className;
        await client.update(vscRef, undefined, { ...c, spec });
        return s;
      }
      case 'status': {
        const out = await client.update(vsRef, ns, { ...s, status: step.status }, {}, 'status');
        for (const e of step.events) this.recorder.event(out, e.type, e.reason, e.message);
        return out;
      }
      case 'error': {
        const status = snapshotErrorStatus(s.status as Record<string, unknown> | undefined, step.message, step.setReadyFalse, this.ctx.clock.now());
        if (status) {
          this.recorder.event(s, 'Warning', step.reason, step.message);
          await client.update(vsRef, ns, { ...s, status }, {}, 'status');
        }
        throw new RetryLater(`${step.reason}: ${step.message}`);
      }
      case 'wait':
        this.recorder.event(s, step.event.type, step.event.reason, step.event.message);
        throw new RetryLater(step.event.message);
      case 'annotateContent': {
        const c = await this.tryGet(vscRef, undefined, step.name);
        if (!c) return s;
        const annotations = { ...(c.metadata.annotations ?? {}), [ANN_BEING_DELETED]: 'yes' };
        await client.update(vscRef, undefined, { ...c, metadata: { ...c.metadata, annotations } });
        return s;
      }
      case 'deleteContent':
        try {
          await client.delete(vscRef, undefined, step.name);
        } catch (err) {
          if (isReason(err, 'NotFound')) return s;
          this.recorder.event(s, 'Warning', 'SnapshotContentObjectDeleteError', 'Failed to delete snapshot content API object');
          throw err;
        }
        return s;
    }
  }
}
