// The CSI provisioner (external-provisioner + its library, for every driver in the registry):
// claims the PV binder hands to a registered driver get CreateVolume and a PV pre-bound to them;
// Released volumes with reclaim Delete get DeleteVolume and lose their PV. Decisions are pure
// (decide.ts, content-source.ts, reclaim.ts); this layer looks things up, calls, writes, records.
import type { ResourceRef } from '../../machinery/client';
import { nodeRef, pvRef, pvcRef, scRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';
import type { ContentSource, CsiDriver, CsiDriverRegistry, CsiVolume } from '../../storage/csi/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { EventRecorder } from '../events';
import type { Informer } from '../informer';
import { ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE } from '../persistentvolume/compute';
import { WorkQueue } from '../queue';
import { cloneSource, type Fetched, SNAPSHOT_GROUP, snapshotSource } from './content-source';
import type { Result } from './csi-request';
import { type ClaimDecision, decideClaim, prepareRequest, volumeNameFor } from './decide';
import { PROVISIONER_FINALIZER, provisionedVolume } from './provisioned-volume';
import { decideVolume } from './reclaim';
import { isInvalidArgument, provisioningState, rpcErrorText } from './rpc-status';

// TRANSITIONAL: the old directory provisioner, until controllers/manager.ts is rewired.

const snapshotRef: ResourceRef = { group: SNAPSHOT_GROUP, version: 'v1', plural: 'volumesnapshots' };
const contentRef: ResourceRef = { group: SNAPSHOT_GROUP, version: 'v1', plural: 'volumesnapshotcontents' };

export interface CsiProvisionerOptions {
  drivers: CsiDriverRegistry;
  /** This instance's id (default "<ms>-<0..9999>"); PVs carry "<identity>-<driver>" as csiProvisionerIdentity. */
  identity?: string;
  /** Retry backoff of a failing claim or volume (external-provisioner: 1 s doubling to 5 min). */
  retryStartMs?: number;
  retryMaxMs?: number;
  /** Retry delay after the driver called a request invalid (upstream's slow set: 5 min). */
  infeasibleRetryMs?: number;
}

/** Already reported (event recorded); the queue just retries with backoff. */
class Retry extends Error {}

export class CsiProvisionerController implements Controller {
  readonly name = 'csi-provisioner';
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly classes: Informer;
  private readonly nodes: Informer;
  private readonly identity: string;

  constructor(private readonly ctx: ControllerContext, private readonly o: CsiProvisionerOptions) {
    this.queue = new WorkQueue({ timer: ctx.timer, baseDelayMs: o.retryStartMs ?? 1000, maxDelayMs: o.retryMaxMs ?? 300_000 });
    this.identity = o.identity ?? `${ctx.clock.now().getTime()}-${Math.floor(Math.random() * 10000)}`;
    this.claims = ctx.informers.for(pvcRef);
    this.volumes = ctx.informers.for(pvRef);
    this.classes = ctx.informers.for(scRef);
    this.nodes = ctx.informers.for(nodeRef);
    const claim = (c: KObject) => this.queue.add(`claim/${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
    const volume = (v: KObject) => this.queue.add(`volume/${v.metadata.name ?? ''}`);
    this.claims.addHandler({ onAdd: claim, onUpdate: (_old, c) => claim(c) });
    this.volumes.addHandler({ onAdd: volume, onUpdate: (_old, v) => volume(v) });
    // A class created after its claims: look at the waiting claims again.
    const all = () => this.claims.list().filter((c) => !(c.spec as { volumeName?: string } | undefined)?.volumeName).forEach(claim);
    this.classes.addHandler({ onAdd: all, onUpdate: all });
    this.ready = Promise.all([this.claims.hasSynced, this.volumes.hasSynced, this.classes.hasSynced, this.nodes.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    const onError = (key: string, err: unknown) => {
      if (err instanceof Retry || isReason(err, 'Conflict')) return this.ctx.log.debug({ controller: this.name, key }, errMessage(err));
      this.ctx.log.warn({ controller: this.name, key, err: errMessage(err) }, 'sync failed; will retry');
    };
    // A few workers so a slow CreateVolume (mkfs) does not hold up deletions; a key never runs twice at once.
    await this.queue.run(4, (k) => this.sync(k), signal, onError);
  }

  /** For tests: resolves when no work is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private recorder(driver: string): EventRecorder {
    return this.ctx.recorder(`${driver}_${this.identity}`);
  }

  private registered = (name: string): boolean => this.o.drivers.get(name) !== undefined;

  private async sync(key: string): Promise<void> {
    const [kind = '', a = '', b = ''] = key.split('/');
    if (kind === 'claim') await this.syncClaim(key, a, b);
    else await this.syncVolume(key.slice('volume/'.length));
  }

  private async syncClaim(key: string, namespace: string, name: string): Promise<void> {
    const claim = this.claims.get(namespace, name);
    const className = (claim?.spec as { storageClassName?: string } | undefined)?.storageClassName ?? '';
    const cls = className ? this.classes.get(undefined, className) : undefined;
    const d = decideClaim(claim, cls, !!(claim && this.volumes.get(undefined, volumeNameFor(claim))), this.registered);
    if (d.action !== 'provision' || !claim || !cls) return;
    const driver = this.o.drivers.get(d.driver);
    if (driver) await this.provision(key, claim, cls, driver, d);
  }

  private fail(claim: KObject, driver: string, message: string): never {
    this.recorder(driver).event(claim, 'Warning', 'ProvisioningFailed', message);
    throw new Retry(message);
  }

  private async provision(key: string, claim: KObject, cls: KObject, driver: CsiDriver, d: Extract<ClaimDecision, { action: 'provision' }>): Promise<void> {
    const rec = this.recorder(d.driver);
    const caps = { plugin: await driver.getPluginCapabilities(), controller: await driver.controllerGetCapabilities() };
    const node = d.selectedNode ? this.nodes.get(undefined, d.selectedNode) : undefined;
    const prepared = prepareRequest(claim, cls, d.driver, caps, d.pvName, d.selectedNode ? { name: d.selectedNode, node } : undefined);
    if (!prepared.ok) this.fail(claim, d.driver, prepared.error);
    const p = prepared.value;
    if (p.populator) return rec.event(claim, 'Normal', 'Provisioning', 'Assuming an external populator will provision the volume');
    // The scheduler picked a node that is gone: let it pick again.
    if (p.topologyAware && d.selectedNode && !node) return this.reschedule(claim, d.driver, `nodes "${d.selectedNode}" not found`);
    const request = { ...p.request };
    if (p.source) {
      const source = await this.contentSource(claim, cls, p.source.ds, p.source.kind);
      if (!source.ok) this.fail(claim, d.driver, source.error);
      request.contentSource = source.value;
    }
    rec.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claim.metadata.namespace ?? ''}/${claim.metadata.name ?? ''}"`);
    let volume: CsiVolume;
    try {
      volume = await driver.createVolume(request);
    } catch (err) {
      const state = provisioningState(err, p.topologyAware && !!d.selectedNode);
      if (isInvalidArgument(err)) {
        rec.event(claim, 'Warning', 'ProvisioningFailed', `Volume provisioning failed with infeasible error. Retries will be delayed. ${rpcErrorText(err)}`);
        return this.queue.addAfter(key, this.o.infeasibleRetryMs ?? 300_000);
      }
      if (state === 'reschedule' && d.selectedNode) return this.reschedule(claim, d.driver, rpcErrorText(err));
      this.fail(claim, d.driver, rpcErrorText(err));
    }
    const capacityBytes = volume.capacityBytes === 0n ? request.requiredBytes : volume.capacityBytes;
    let problem: string | undefined;
    if (capacityBytes < request.requiredBytes) problem = `created volume capacity ${capacityBytes} less than requested capacity ${request.requiredBytes}`;
    else if (request.contentSource && !volume.contentSource) problem = 'volume content source missing';
    if (problem) await this.cleanUp(claim, d.driver, driver, volume.volumeId, problem);
    const pv = provisionedVolume({ claim, cls, driver: d.driver, pvName: d.pvName, volume, capacityBytes, fsType: p.fsType, identity: `${this.identity}-${d.driver}`, topologyAware: p.topologyAware });
    try {
      await this.ctx.client.create(pvRef, undefined, pv, { fieldManager: this.name });
    } catch (err) {
      // Made by an earlier pass whose watch event is on its way: upstream counts that as success.
      if (!isReason(err, 'AlreadyExists')) {
        await this.cleanUp(claim, d.driver, driver, volume.volumeId, `Error creating provisioned PV object for claim ${claim.metadata.namespace ?? ''}/${claim.metadata.name ?? ''}: ${errMessage(err)}. Deleting the volume.`);
      }
    }
    rec.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${d.pvName}`);
  }

  /** Deletes a volume that cannot be used, then fails the pass with `problem` so it is retried. */
  private async cleanUp(claim: KObject, name: string, driver: CsiDriver, volumeId: string, problem: string): Promise<never> {
    try {
      await driver.deleteVolume(volumeId);
    } catch (err) {
      this.fail(claim, name, `${problem}. Cleanup of volume ${volumeId} failed, volume is orphaned: ${rpcErrorText(err)}`);
    }
    this.fail(claim, name, problem);
  }

  /** ProvisioningFailed, and the selected-node annotation removed so the scheduler tries again. */
  private async reschedule(claim: KObject, driver: string, message: string): Promise<void> {
    this.recorder(driver).event(claim, 'Warning', 'ProvisioningFailed', message);
    const fresh = await this.ctx.client.get(pvcRef, claim.metadata.namespace, claim.metadata.name ?? '');
    const annotations = { ...(fresh.metadata.annotations ?? {}) };
    if (!(ANN_SELECTED_NODE in annotations)) return;
    delete annotations[ANN_SELECTED_NODE];
    await this.ctx.client.update(pvcRef, fresh.metadata.namespace, { ...fresh, metadata: { ...fresh.metadata, annotations } }, { fieldManager: this.name });
  }

  private async fetch(ref: ResourceRef, namespace: string | undefined, name: string): Promise<Fetched> {
    try {
      return await this.ctx.client.get(ref, namespace, name);
    } catch (err) {
      return { error: errMessage(err) };
    }
  }

  private async contentSource(claim: KObject, cls: KObject, ds: { name: string; namespace: string; kind: string; apiGroup: string }, kind: 'snapshot' | 'clone'): Promise<Result<ContentSource>> {
    if (kind === 'snapshot') {
      const snapshot = await this.fetch(snapshotRef, ds.namespace, ds.name);
      const bound = 'error' in snapshot ? '' : ((snapshot.status as { boundVolumeSnapshotContentName?: string } | undefined)?.boundVolumeSnapshotContentName ?? '');
      const content = bound ? await this.fetch(contentRef, undefined, bound) : undefined;
      return snapshotSource(ds, claim, cls, snapshot, content);
    }
    const source: Fetched = this.claims.get(ds.namespace, ds.name) ?? { error: `persistentvolumeclaim "${ds.name}" not found` };
    const volumeName = 'error' in source ? '' : ((source.spec as { volumeName?: string } | undefined)?.volumeName ?? '');
    const pv = volumeName ? (this.volumes.get(undefined, volumeName) ?? { error: `persistentvolume "${volumeName}" not found` }) : undefined;
    return cloneSource(ds, claim, cls, source, pv);
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    const d = decideVolume(pv, this.registered);
    if (!pv || d.action === 'none') return;
    const driverName = pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] ?? '';
    const rec = this.recorder(driverName);
    switch (d.action) {
      case 'finalizers':
        await this.ctx.client.update(pvRef, undefined, { ...pv, metadata: { ...pv.metadata, finalizers: d.finalizers } }, { fieldManager: this.name });
        return;
      case 'fail':
        rec.event(pv, 'Warning', 'VolumeFailedDelete', d.message);
        throw new Retry(d.message);
      case 'delete':
        return this.deleteVolume(pv, d.driver, d.volumeHandle, rec);
    }
  }

  /** DeleteVolume, then the PV object, then our finalizer (as the library orders them). */
  private async deleteVolume(pv: KObject, driverName: string, handle: string, rec: EventRecorder): Promise<void> {
    const name = pv.metadata.name ?? '';
    const driver = this.o.drivers.get(driverName);
    try {
      if (!driver) throw new Error(`CSI driver ${driverName} is not registered; start it (or put its socket back) so the volume can be deleted`);
      await driver.deleteVolume(handle);
    } catch (err) {
      rec.event(pv, 'Warning', 'VolumeFailedDelete', rpcErrorText(err));
      throw new Retry(rpcErrorText(err));
    }
    try {
      await this.ctx.client.delete(pvRef, undefined, name, { preconditions: { uid: pv.metadata.uid ?? '' } });
      const fresh = await this.ctx.client.get(pvRef, undefined, name);
      const finalizers = fresh.metadata.finalizers ?? [];
      const rest = finalizers.filter((f) => f !== PROVISIONER_FINALIZER);
      if (rest.length !== finalizers.length) await this.ctx.client.update(pvRef, undefined, { ...fresh, metadata: { ...fresh.metadata, finalizers: rest } }, { fieldManager: this.name });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
    }
  }
}
