// Generic object storage over the revisioned Backend: the semantics every kind shares
// (uid, timestamps, resourceVersion, generation, finalizers, graceful deletion, no-op updates,
// optimistic concurrency). Objects here are in their storage version.
import type { Backend, KeyValue } from '../store/backend';
import { type Clock, type IdSource, rfc3339 } from '../machinery/clock';
import { clone, deepEqual } from '../machinery/deep-equal';
import { ApiError, StoreError, errors } from '../machinery/errors';
import type { ResourceDef } from '../machinery/resource';
import type { KObject } from '../machinery/types';
import { type Admission, runAdmission } from './admission/admission';
import { objectKey, prefixKey } from './keys';
import type { DeleteOptions, ListPage, StoredEvent, UpdateOptions, WriteOptions } from './object-store-types';
import { checkPreconditions, finishedDeleting, withPolicyFinalizers } from './deletion';
import { validateForCreate, validateForUpdate } from './validate-object';

export type { DeleteOptions, ListPage, StoredEvent, UpdateOptions, WriteOptions } from './object-store-types';

const gr = (def: ResourceDef) => ({ group: def.group, resource: def.plural });

export class ObjectStore {
  constructor(
    readonly backend: Backend,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly admission: readonly Admission[] = [],
  ) {}

  decode(kv: KeyValue): KObject {
    const obj = JSON.parse(kv.value) as KObject;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  }

  private encode(obj: KObject): string {
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    return JSON.stringify({ ...obj, metadata: meta });
  }

  async get(def: ResourceDef, ns: string | undefined, name: string): Promise<KObject> {
    const kv = await this.backend.get(objectKey(def, ns, name));
    if (!kv) throw errors.notFound(gr(def), name);
    return this.decode(kv);
  }

  async tryGet(def: ResourceDef, ns: string | undefined, name: string): Promise<KObject | undefined> {
    const kv = await this.backend.get(objectKey(def, ns, name));
    return kv ? this.decode(kv) : undefined;
  }

  /** Lists in key order; `filter` applies before `limit`, as upstream's storage does. */
  async list(
    def: ResourceDef,
    ns: string | undefined,
    opts: { filter?: (o: KObject) => boolean; limit?: number; startAfter?: string } = {},
  ): Promise<ListPage> {
    const prefix = prefixKey(def, ns);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    if (!opts.filter) {
      const r = await this.backend.list({ prefix, ...(limit ? { limit } : {}), ...(opts.startAfter ? { startAfter: opts.startAfter } : {}) });
      const items = r.items.map((kv) => this.decode(kv));
      const last = r.items[r.items.length - 1];
      return { items, revision: r.revision, ...(r.more && last ? { continueAfter: last.key, ...(r.remaining !== undefined ? { remaining: r.remaining } : {}) } : {}) };
    }
    const items: KObject[] = [];
    let after = opts.startAfter;
    let revision = 0;
    const batch = limit ? Math.max(limit * 2, 200) : 0;
    for (;;) {
      const r = await this.backend.list({ prefix, ...(batch ? { limit: batch } : {}), ...(after ? { startAfter: after } : {}) });
      if (!revision) revision = r.revision;
      for (let i = 0; i < r.items.length; i++) {
        const kv = r.items[i] as KeyValue;
        const obj = this.decode(kv);
        if (!opts.filter(obj)) continue;
        items.push(obj);
        if (limit && items.length === limit) {
          const more = i < r.items.length - 1 || r.more;
          return { items, revision, ...(more ? { continueAfter: kv.key } : {}) };
        }
      }
      const last = r.items[r.items.length - 1];
      if (!r.more || !last) return { items, revision };
      after = last.key;
    }
  }

  async create(def: ResourceDef, ns: string | undefined, input: KObject, opts: WriteOptions = {}): Promise<KObject> {
    const obj = clone(input);
    const meta = obj.metadata;
    const generated = !meta.name && !!meta.generateName;
    for (let attempt = 0; ; attempt++) {
      // Upstream keeps the base to 58 characters so the name with its suffix fits 63.
      if (generated) meta.name = `${(meta.generateName ?? '').slice(0, 58)}${this.ids.suffix(5)}`;
      const prepared = await this.prepareCreate(def, ns, obj, opts);
      if (opts.dryRun) {
        if (await this.backend.get(objectKey(def, ns, prepared.metadata.name ?? ''))) throw errors.alreadyExists(gr(def), prepared.metadata.name ?? '');
        return prepared;
      }
      try {
        return this.decode(await this.backend.create(objectKey(def, ns, prepared.metadata.name ?? ''), this.encode(prepared)));
      } catch (err) {
        if (err instanceof StoreError && err.code === 'KeyExists') {
          if (generated && attempt < 4) continue;
          throw errors.alreadyExists(gr(def), prepared.metadata.name ?? '');
        }
        throw err;
      }
    }
  }

  private async prepareCreate(def: ResourceDef, ns: string | undefined, input: KObject, opts: WriteOptions): Promise<KObject> {
    const obj = clone(input);
    const meta = obj.metadata;
    if (def.namespaced) meta.namespace = ns ?? '';
    else delete meta.namespace;
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'generation'] as const) delete meta[k];
    def.default?.(obj);
    def.prepareForCreate?.(obj, this.clock.now());
    await runAdmission(this.admission, { op: 'create', def, obj, store: this, ...(opts.dryRun ? { dryRun: true } : {}) });
    meta.uid = this.ids.uid();
    meta.creationTimestamp = rfc3339(this.clock.now());
    if (def.generation) meta.generation = 1;
    validateForCreate(def, obj);
    const mf = opts.managedFields?.(undefined, obj);
    if (mf) obj.metadata.managedFields = mf;
    return obj;
  }

  /**
   * Read-modify-write. `compute` gets the current object (or undefined when allowCreate and
   * absent) and returns the desired one; a resourceVersion in it is a precondition.
   */
  async update(
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    compute: (current: KObject | undefined) => KObject | Promise<KObject>,
    opts: UpdateOptions = {},
  ): Promise<KObject> {
    for (let attempt = 0; ; attempt++) {
      const key = objectKey(def, ns, name);
      const kv = await this.backend.get(key);
      if (!kv) {
        if (!opts.allowCreate) throw errors.notFound(gr(def), name);
        const created = await compute(undefined);
        try {
          return await this.create(def, ns, created, opts);
        } catch (err) {
          if (err instanceof ApiError && err.reason === 'AlreadyExists' && attempt < 5) continue;
          throw err;
        }
      }
      const old = this.decode(kv);
      const next = clone(await compute(clone(old)));
      const want = next.metadata.resourceVersion;
      if (want && want !== old.metadata.resourceVersion) throw errors.modified(gr(def), name);
      const prepared = await this.prepareUpdate(def, next, old, opts);
      if (prepared === old) return old;
      if (opts.dryRun) return prepared;
      try {
        if (finishedDeleting(prepared) && !def.blocksDeletion?.(prepared)) {
          await this.backend.delete(key, kv.modRevision);
          return prepared;
        }
        return this.decode(await this.backend.update(key, this.encode(prepared), kv.modRevision));
      } catch (err) {
        if (err instanceof StoreError && (err.code === 'RevisionMismatch' || err.code === 'KeyNotFound')) {
          if ((opts.retryOnConflict || !want) && attempt < 10) continue;
          throw errors.modified(gr(def), name);
        }
        throw err;
      }
    }
  }

  private async prepareUpdate(def: ResourceDef, input: KObject, old: KObject, opts: UpdateOptions): Promise<KObject> {
    const obj = input;
    const meta = obj.metadata;
    const om = old.metadata;
    // An unconditional update (no resourceVersion) applies to what is stored now.
    meta.resourceVersion = om.resourceVersion ?? '';
    // Fields only the server sets are carried over from the stored object; a uid or deletion
    // grace period the client did send must match (validation reports a change as immutable).
    for (const k of ['creationTimestamp', 'deletionTimestamp', 'generation', 'selfLink'] as const) {
      if (om[k] === undefined) delete meta[k];
      else (meta as Record<string, unknown>)[k] = om[k];
    }
    for (const k of ['uid', 'deletionGracePeriodSeconds'] as const) {
      if (meta[k] === undefined || meta[k] === '') {
        if (om[k] === undefined) delete meta[k];
        else (meta as Record<string, unknown>)[k] = om[k];
      }
    }
    if (meta.managedFields === undefined && om.managedFields) meta.managedFields = om.managedFields;
    if (def.namespaced && meta.namespace === undefined) meta.namespace = om.namespace ?? '';
    def.default?.(obj);
    if (opts.subresource === 'status') def.prepareForStatusUpdate?.(obj, old, this.clock.now());
    else if (!opts.subresource) def.prepareForUpdate?.(obj, old);
    if (def.generation) {
      const gen = om.generation ?? 1;
      meta.generation = deepEqual(specOf(obj), specOf(old)) ? gen : gen + 1;
    }
    await runAdmission(this.admission, { op: 'update', def, obj, old, store: this, ...(opts.dryRun ? { dryRun: true } : {}) });
    validateForUpdate(def, obj, old, opts.subresource);
    const mf = opts.managedFields?.(old, obj);
    if (mf) meta.managedFields = mf;
    if (deepEqual(withoutVolatile(obj), withoutVolatile(old))) return old;
    return obj;
  }

  /** Returns the object as it stands after the call and whether it is gone. */
  async delete(def: ResourceDef, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<{ obj: KObject; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const key = objectKey(def, ns, name);
      const kv = await this.backend.get(key);
      if (!kv) throw errors.notFound(gr(def), name);
      const obj = this.decode(kv);
      checkPreconditions(def, obj, opts);
      const next = clone(obj);
      const meta = next.metadata;
      const finalizers = withPolicyFinalizers(meta.finalizers ?? [], opts.propagationPolicy);
      if (finalizers.length) meta.finalizers = finalizers;
      else delete meta.finalizers;
      const grace = def.gracefulDeletionSeconds?.(obj, opts.gracePeriodSeconds) ?? 0;
      await runAdmission(this.admission, { op: 'delete', def, obj, store: this, ...(opts.dryRun ? { dryRun: true } : {}) });
      const blocked = def.blocksDeletion?.(obj) ?? false;
      // Deleting again while the namespace controller works is a no-op answered with the object.
      if (blocked && obj.metadata.deletionTimestamp) return { obj, deleted: false };
      if (blocked) def.markDeleting?.(next);
      try {
        if (finalizers.length === 0 && grace === 0 && !blocked) {
          if (opts.dryRun) return { obj, deleted: true };
          const gone = await this.backend.delete(key, kv.modRevision);
          return { obj: { ...this.decode(gone) }, deleted: true };
        }
        const now = this.clock.now();
        if (!meta.deletionTimestamp) {
          meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
          // Upstream bumps a tracked generation when deletion begins, so controllers see it.
          if (def.generation && meta.generation !== undefined && meta.generation > 0) meta.generation += 1;
        }
        else if (grace < (meta.deletionGracePeriodSeconds ?? 0)) {
          // A shorter grace period (e.g. --force, or the kubelet's final delete) wins.
          meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
        }
        meta.deletionGracePeriodSeconds = Math.min(grace, meta.deletionGracePeriodSeconds ?? grace);
        if (deepEqual(next, obj)) return { obj, deleted: false };
        if (opts.dryRun) return { obj: next, deleted: false };
        return { obj: this.decode(await this.backend.update(key, this.encode(next), kv.modRevision)), deleted: false };
      } catch (err) {
        if (err instanceof StoreError && err.code === 'RevisionMismatch' && attempt < 10) continue;
        if (err instanceof StoreError && err.code === 'KeyNotFound') throw errors.notFound(gr(def), name);
        throw err;
      }
    }
  }

  /** Events for the resource (optionally one namespace) with revision > fromRevision. */
  async watch(def: ResourceDef, ns: string | undefined, fromRevision: number, onEvent: (e: StoredEvent) => void): Promise<() => void> {
    try {
      const w = await this.backend.watch(prefixKey(def, ns), fromRevision, (e) => {
        if (e.type === 'delete') {
          const last = this.decode(e.prev ?? e.kv);
          last.metadata.resourceVersion = String(e.revision);
          onEvent({ type: 'DELETED', object: last, revision: e.revision });
          return;
        }
        const object = this.decode(e.kv);
        onEvent({
          type: e.created ? 'ADDED' : 'MODIFIED',
          object,
          ...(e.prev ? { old: this.decode(e.prev) } : {}),
          revision: e.revision,
        });
      });
      return () => w.stop();
    } catch (err) {
      if (err instanceof StoreError && err.code === 'Compacted') {
        throw errors.expired(`too old resource version: ${fromRevision} (${err.revision ?? 0})`);
      }
      throw err;
    }
  }
}

function specOf(o: KObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function withoutVolatile(o: KObject): unknown {
  // managedFields count: a write that only renames a manager or resets them is a change. A true
  // no-op recomputes them equal (entry times move only when the writer's fields change).
  const { resourceVersion: _rv, ...meta } = o.metadata;
  return { ...o, metadata: meta };
}
