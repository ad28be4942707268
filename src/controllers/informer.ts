// A shared informer: list+watch of one resource into a local cache keyed "namespace/name",
// with add/update/delete handlers. A watch that fails, reports an ERROR (410 Expired, stream
// end) or cannot start is replaced by a fresh list+watch after a backoff (client-go's
// reflector: 800 ms doubling to 30 s), and the re-list is diffed against the cache so
// handlers see the deletes they missed.
import type { ApiClient, ResourceRef } from '../machinery/client';
import type { KObject } from '../machinery/types';
import { type Timer, backoffDelay } from './queue';

export interface Handlers {
  onAdd?(obj: KObject): void;
  onUpdate?(old: KObject, obj: KObject): void;
  onDelete?(obj: KObject): void;
}

export interface InformerLog {
  warn(obj: object, msg: string): void;
}

export interface InformerOptions {
  client: ApiClient;
  resource: ResourceRef;
  timer: Timer;
  namespace?: string;
  log?: InformerLog;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Only objects matching this field selector (e.g. metadata.name=x). */
  fieldSelector?: string;
  /** Shapes what is cached and handed to handlers (e.g. metadata only). */
  transform?: (o: KObject) => KObject;
}

/** Keeps what the garbage collector needs and drops the rest, like upstream's metadata informers. */
export function metadataOnly(o: KObject): KObject {
  const { managedFields: _mf, annotations: _a, ...meta } = o.metadata;
  return { ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}), ...(o.kind ? { kind: o.kind } : {}), metadata: meta };
}

export function objectKeyOf(obj: KObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');
}

/** What a re-list means for handlers, given the cache before it. */
export function diffRelist(cache: ReadonlyMap<string, KObject>, items: readonly KObject[]) {
  const adds: KObject[] = [];
  const updates: [KObject, KObject][] = [];
  const seen = new Set<string>();
  for (const o of items) {
    const k = objectKeyOf(o);
    seen.add(k);
    const old = cache.get(k);
    if (!old) adds.push(o);
    else if (old.metadata.resourceVersion !== o.metadata.resourceVersion || old.metadata.uid !== o.metadata.uid) updates.push([old, o]);
  }
  const deletes = [...cache.entries()].filter(([k]) => !seen.has(k)).map(([, o]) => o);
  return { adds, updates, deletes };
}

export class Informer {
  private readonly cache = new Map<string, KObject>();
  private readonly handlers: Handlers[] = [];
  private synced = false;
  private markSynced!: () => void;
  /** Resolves after the first list has been delivered to handlers. */
  readonly hasSynced: Promise<void> = new Promise((r) => (this.markSynced = r));
  private failures = 0;
  private stopWatch: (() => void) | undefined;
  private cancelRetry: (() => void) | undefined;
  /** Bumped on every (re)start so events of an abandoned watch are ignored. */
  private generation = 0;
  private stopped = false;

  constructor(private readonly opts: InformerOptions) {}

  get resource(): ResourceRef {
    return this.opts.resource;
  }

  /** Handlers added after the first sync get the current contents as adds (as client-go does). */
  addHandler(h: Handlers): void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.cache.values()) h.onAdd?.(o);
  }

  get(namespace: string | undefined, name: string): KObject | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): KObject[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Runs until `signal` aborts. */
  start(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const stop = () => {
        this.stopped = true;
        this.generation++;
        this.cancelRetry?.();
        this.stopWatch?.();
        this.stopWatch = undefined;
        resolve();
      };
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      void this.listAndWatch();
    });
  }

  private async listAndWatch(): Promise<void> {
    const gen = ++this.generation;
    const { client, resource, namespace } = this.opts;
    try {
      const sel = this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {};
      const page = await client.list(resource, namespace, sel);
      if (gen !== this.generation) return;
      const t = this.opts.transform;
      this.replace(t ? page.items.map(t) : page.items);
      let rv = page.metadata.resourceVersion;
      const stopWatch = await client.watch(resource, namespace, { ...sel, resourceVersion: rv, allowWatchBookmarks: true }, (e) => {
        if (gen !== this.generation) return;
        const objRv = e.object.metadata.resourceVersion;
        if (e.type === 'ERROR') return this.restart(gen, e.object);
        if (objRv) rv = objRv;
        const obj = t ? t(e.object) : e.object;
        if (e.type === 'ADDED' || e.type === 'MODIFIED') this.upsert(obj);
        else if (e.type === 'DELETED') this.remove(obj);
      });
      if (gen !== this.generation) return stopWatch();
      this.stopWatch = stopWatch;
      this.failures = 0;
    } catch (err) {
      if (gen === this.generation) this.restart(gen, err);
    }
  }

  /** Drops the current watch and schedules a fresh list+watch after the backoff. */
  private restart(gen: number, why: unknown): void {
    if (this.stopped || gen !== this.generation) return;
    this.generation++;
    this.stopWatch?.();
    this.stopWatch = undefined;
    const delay = backoffDelay(this.failures++, this.opts.backoffBaseMs ?? 800, this.opts.backoffMaxMs ?? 30_000);
    this.opts.log?.warn({ resource: this.opts.resource.plural, delay, err: describe(why) }, 'watch ended; re-listing');
    this.cancelRetry = this.opts.timer.setTimeout(() => {
      this.cancelRetry = undefined;
      if (!this.stopped) void this.listAndWatch();
    }, delay);
  }

  private replace(items: readonly KObject[]): void {
    const { adds, updates, deletes } = diffRelist(this.cache, items);
    this.cache.clear();
    for (const o of items) this.cache.set(objectKeyOf(o), o);
    for (const o of deletes) this.emit((h) => h.onDelete?.(o));
    for (const o of adds) this.emit((h) => h.onAdd?.(o));
    for (const [old, o] of updates) this.emit((h) => h.onUpdate?.(old, o));
    if (!this.synced) {
      this.synced = true;
      this.markSynced();
    }
  }

  private upsert(o: KObject): void {
    const k = objectKeyOf(o);
    const old = this.cache.get(k);
    this.cache.set(k, o);
    if (old) this.emit((h) => h.onUpdate?.(old, o));
    else this.emit((h) => h.onAdd?.(o));
  }

  private remove(o: KObject): void {
    const k = objectKeyOf(o);
    this.cache.delete(k);
    this.emit((h) => h.onDelete?.(o));
  }

  private emit(fn: (h: Handlers) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (err) {
        // A broken handler must not stop the others or the watch.
        this.opts.log?.warn({ resource: this.opts.resource.plural, err: describe(err) }, 'informer handler failed');
      }
    }
  }
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  if (v && typeof v === 'object' && 'message' in v) return String((v).message);
  return String(v);
}

/** One informer per resource, shared by every controller that needs it. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer>();

  constructor(private readonly base: Omit<InformerOptions, 'resource'>) {}

  /** The shared informer for a resource; `metadata` ones cache only what metadataOnly keeps. */
  for(resource: ResourceRef, view: 'full' | 'metadata' = 'full', fieldSelector = ''): Informer {
    const k = `${resource.group}/${resource.version}/${resource.plural}/${view}/${fieldSelector}`;
    let inf = this.informers.get(k);
    if (!inf) {
      inf = new Informer({
        ...this.base,
        resource,
        ...(view === 'metadata' ? { transform: metadataOnly } : {}),
        ...(fieldSelector ? { fieldSelector } : {}),
      });
      this.informers.set(k, inf);
    }
    return inf;
  }

  all(): Informer[] {
    return [...this.informers.values()];
  }
}
