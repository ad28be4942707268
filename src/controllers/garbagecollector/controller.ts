// garbage-collector-controller: watches every served resource, indexes owner references, and
// collects dependents whose owners are gone, runs foreground deletion and orphaning.
import { getIfExists } from '../../machinery/client';
import type { ResourceDef } from '../../machinery/resource';
import type { KObject, OwnerReference } from '../../machinery/types';
import { deepEqual } from '../../machinery/deep-equal';
import { type Controller, type ControllerContext, errMessage, isReason, refOf, readyOrAborted } from '../controller';
import type { EventRecorder } from '../events';
import { type Informer, objectKeyOf } from '../informer';
import { WorkQueue } from '../queue';
import {
  type DeletePolicy,
  type DependentAction,
  FINALIZER_ORPHAN,
  type OwnerAction,
  type OwnerState,
  classifyReferences,
  computeDependentAction,
  computeOwnerAction,
  finalizersWithout,
  isDeletingDependents,
  ownerRefsWithout,
  parseApiVersion,
  unblockedOwnerRefs,
} from './compute';
import { OwnershipGraph } from './graph';

export const GC_COMPONENT = 'garbage-collector-controller';

/**
 * Upstream's default ignored resources: events are never owners worth tracking. Like upstream, only
 * kinds that are stored (listable, watchable, deletable) are tracked: never the create-only reviews.
 */
export function collectable(def: ResourceDef): boolean {
  if (def.review) return false;
  return !(def.plural === 'events' && (def.group === '' || def.group === 'events.k8s.io'));
}

interface Item {
  def: ResourceDef;
  namespace: string | undefined;
  name: string;
}

const itemKey = (def: ResourceDef, obj: KObject) => `${def.group}|${def.plural}|${objectKeyOf(obj)}`;

/**
 * A cluster-scoped object names an owner of a namespaced kind (upstream's
 * namespacedOwnerOfClusterScopedObjectErr): no retry can fix it, so the item is dropped, neither
 * collected nor requeued; the owner reference has no namespace to look the owner up in.
 */
class NamespacedOwnerOfClusterScopedError extends Error {
  constructor() {
    super('cluster-scoped objects cannot refer to namespaced owners');
  }
}

export class GarbageCollector implements Controller {
  readonly name = GC_COMPONENT;
  readonly ready: Promise<void>;
  private readonly graph = new OwnershipGraph();
  private readonly queue: WorkQueue;
  private readonly informers = new Map<ResourceDef, Informer>();
  private readonly defsByKey = new Map<string, ResourceDef>();
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext, private readonly workers = 2) {
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.recorder = ctx.recorder(GC_COMPONENT);
    for (const def of ctx.defs.filter(collectable)) {
      const inf = ctx.informers.for(refOf(def), 'metadata');
      this.informers.set(def, inf);
      this.defsByKey.set(`${def.group}|${def.plural}`, def);
      inf.addHandler({
        onAdd: (o) => this.observe(def, undefined, o),
        onUpdate: (old, o) => this.observe(def, old, o),
        onDelete: (o) => this.observeDelete(o),
      });
    }
    this.ready = Promise.all([...this.informers.values()].map((i) => i.hasSynced)).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    await this.queue.run(this.workers, (k) => this.reconcile(k), signal, (key, err) =>
      this.ctx.log.debug({ controller: this.name, key, err: errMessage(err) }, 'garbage collection failed; will retry'),
    );
  }

  /** For tests: resolves when no work is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private observe(def: ResourceDef, old: KObject | undefined, obj: KObject): void {
    const key = itemKey(def, obj);
    this.graph.upsert(key, obj);
    const refsChanged = !deepEqual(old?.metadata.ownerReferences ?? [], obj.metadata.ownerReferences ?? []);
    const deletionChanged =
      old?.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp || !deepEqual(old?.metadata.finalizers ?? [], obj.metadata.finalizers ?? []);
    if ((refsChanged && (obj.metadata.ownerReferences ?? []).length > 0) || (deletionChanged && obj.metadata.deletionTimestamp)) {
      this.queue.add(key);
    }
    // A foreground owner's dependents must go; and owners waiting on this object re-check.
    if (isDeletingDependents(obj)) for (const d of this.graph.dependentsOf(obj.metadata.uid ?? '')) this.queue.add(d.key);
    if (refsChanged || deletionChanged) this.enqueueWaitingOwners(old, obj);
  }

  private observeDelete(obj: KObject): void {
    this.graph.remove(obj);
    for (const d of this.graph.dependentsOf(obj.metadata.uid ?? '')) this.queue.add(d.key);
    this.enqueueWaitingOwners(undefined, obj);
  }

  private enqueueWaitingOwners(old: KObject | undefined, obj: KObject): void {
    for (const o of [...(old ? this.graph.ownerKeys(old) : []), ...this.graph.ownerKeys(obj)]) this.queue.add(o);
  }

  private parse(key: string): Item {
    const [group = '', plural = '', rest = ''] = key.split('|');
    const def = this.defsByKey.get(`${group}|${plural}`);
    if (!def) throw new Error(`unknown resource in key ${key}`);
    const slash = rest.indexOf('/');
    return slash < 0 ? { def, namespace: undefined, name: rest } : { def, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
  }

  /** Re-reads the item and its owners, decides, acts. */
  async reconcile(key: string): Promise<void> {
    const { def, namespace, name } = this.parse(key);
    const item = await this.getLive(def, namespace, name);
    if (!item) return;
    if (item.metadata.deletionTimestamp) {
      return this.applyOwnerAction(def, item, computeOwnerAction(item, this.graph.dependentsOf(item.metadata.uid ?? '')));
    }
    const refs = item.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const states = new Map<string, OwnerState>();
    try {
      for (const ref of refs) states.set(ref.uid, await this.lookupOwner(item, ref));
    } catch (err) {
      // As upstream's worker: forget the item (returning counts as success, so no backoff retry).
      if (err instanceof NamespacedOwnerOfClusterScopedError) return;
      throw err;
    }
    const classified = classifyReferences(refs, (r) => states.get(r.uid) ?? { state: 'absent' });
    const deps = this.graph.dependentsOf(item.metadata.uid ?? '');
    const action = computeDependentAction(item, classified, {
      hasDependents: deps.length > 0,
      aDependentIsDeletingDependents: deps.some((d) => d.deletingDependents),
    });
    await this.applyDependentAction(def, item, action);
  }

  private getLive(def: ResourceDef, namespace: string | undefined, name: string): Promise<KObject | undefined> {
    return getIfExists(this.ctx.client, refOf(def), namespace, name);
  }

  /** The cache may say "present" (events keep it current); "absent" is confirmed live. */
  private async lookupOwner(item: KObject, ref: OwnerReference): Promise<OwnerState> {
    const { group, version } = parseApiVersion(ref.apiVersion);
    const def = this.ctx.forKind(group, version, ref.kind);
    if (!def) throw new Error(`unable to resolve owner kind ${ref.kind} in ${ref.apiVersion}`);
    const ns = item.metadata.namespace || undefined;
    if (def.namespaced && !ns) {
      this.recorder.event(item, 'Warning', 'OwnerRefInvalidNamespace',
        `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: , name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace ""`);
      throw new NamespacedOwnerOfClusterScopedError();
    }
    const cached = this.informers.get(def)?.get(def.namespaced ? ns : undefined, ref.name);
    if (cached && cached.metadata.uid === ref.uid) return { state: 'present', owner: cached };
    const live = await this.getLive(def, def.namespaced ? ns : undefined, ref.name);
    return live && live.metadata.uid === ref.uid ? { state: 'present', owner: live } : { state: 'absent' };
  }

  private async applyDependentAction(def: ResourceDef, item: KObject, action: DependentAction): Promise<void> {
    const ns = item.metadata.namespace || undefined;
    const name = item.metadata.name ?? '';
    const refs = item.metadata.ownerReferences ?? [];
    switch (action.kind) {
      case 'none':
        return;
      case 'removeOwnerRefs':
        await this.patchOwnerRefs(def, item, ownerRefsWithout(refs, action.uids));
        return;
      case 'delete': {
        // Delete the version we decided on (the unblocked one if we just wrote it).
        const target = action.unblock ? await this.patchOwnerRefs(def, item, unblockedOwnerRefs(refs)) : item;
        if (!target) return;
        this.ctx.log.debug({ controller: this.name, resource: def.plural, namespace: ns, name, policy: action.policy }, 'deleting dependent');
        return this.deleteDependent(def, target, action.policy);
      }
    }
  }

  /**
   * Upstream's deleteObject: the resourceVersion precondition makes sure the object we judged
   * ownerless is the one deleted. On Conflict, if only other fields changed (same UID, same
   * ownerReferences), the decision still holds and the delete is retried on UID alone; if the
   * owners changed (one may now be alive), the Conflict is returned and the item is re-judged.
   */
  private async deleteDependent(def: ResourceDef, item: KObject, policy: DeletePolicy): Promise<void> {
    const ref = refOf(def);
    const m = item.metadata;
    const ns = m.namespace || undefined;
    const name = m.name ?? '';
    const uid = m.uid ?? '';
    const rv = m.resourceVersion ?? '';
    try {
      await this.ctx.client.delete(ref, ns, name, { propagationPolicy: policy, preconditions: { uid, ...(rv ? { resourceVersion: rv } : {}) } });
      return;
    } catch (err) {
      if (isReason(err, 'NotFound')) return;
      if (!isReason(err, 'Conflict') || !rv) throw err;
      const live = await this.getLive(def, ns, name);
      if (!live) return;
      const sameOwners = deepEqual(live.metadata.ownerReferences ?? [], m.ownerReferences ?? []);
      if (live.metadata.uid !== uid || live.metadata.resourceVersion === rv || !sameOwners) throw err;
    }
    try {
      await this.ctx.client.delete(ref, ns, name, { propagationPolicy: policy, preconditions: { uid } });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
    }
  }

  private async applyOwnerAction(def: ResourceDef, owner: KObject, action: OwnerAction): Promise<void> {
    switch (action.kind) {
      case 'none':
        return;
      case 'waitForDependents':
        for (const k of action.enqueue) this.queue.add(k);
        return;
      case 'removeFinalizer':
        return this.removeFinalizer(def, owner, action.finalizer);
      case 'orphan':
        for (const k of action.dependents) {
          const d = this.parse(k);
          const dep = await this.getLive(d.def, d.namespace, d.name);
          const refs = dep?.metadata.ownerReferences ?? [];
          if (!dep || !refs.some((r) => r.uid === owner.metadata.uid)) continue;
          await this.patchOwnerRefs(d.def, dep, ownerRefsWithout(refs, [owner.metadata.uid ?? '']));
        }
        return this.removeFinalizer(def, owner, FINALIZER_ORPHAN);
    }
  }

  /** Merge patch guarded by resourceVersion: a concurrent writer makes us re-decide. Undefined: gone. */
  private async patchOwnerRefs(def: ResourceDef, obj: KObject, refs: OwnerReference[]): Promise<KObject | undefined> {
    const m = obj.metadata;
    try {
      return await this.ctx.client.patch(refOf(def), m.namespace || undefined, m.name ?? '', 'merge', {
        metadata: { resourceVersion: m.resourceVersion, ownerReferences: refs.length ? refs : null },
      });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
      return undefined;
    }
  }

  private async removeFinalizer(def: ResourceDef, obj: KObject, finalizer: string): Promise<void> {
    const m = obj.metadata;
    const rest = finalizersWithout(obj, finalizer);
    this.ctx.log.debug({ controller: this.name, resource: def.plural, namespace: m.namespace, name: m.name, finalizer }, 'removing finalizer');
    try {
      await this.ctx.client.patch(refOf(def), m.namespace || undefined, m.name ?? '', 'merge', {
        metadata: { resourceVersion: m.resourceVersion, finalizers: rest.length ? rest : null },
      });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
    }
  }
}
