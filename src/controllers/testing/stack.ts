// The real storage stack for controller integration tests: MemoryBackend + ObjectStore +
// Registry + InProcessClient with allResources. While parts of the tree are still being
// written, it falls back to hand-made defs and a thin client straight over ObjectStore.
import { ObjectStore } from '../../apiserver/object-store';
import { Registry } from '../../apiserver/registry';
import type { ApiClient, ClientWatchEvent, DeleteOpts, ListOpts, ObjectList, PatchType, ResourceRef, WriteOpts } from '../../machinery/client';
import { type Clock, randomIds } from '../../machinery/clock';
import { errors } from '../../machinery/errors';
import type { ResourceDef } from '../../machinery/resource';
import type { KObject } from '../../machinery/types';
import { MemoryBackend } from '../../store/memory';

function def(p: Partial<ResourceDef> & Pick<ResourceDef, 'kind' | 'plural'>): ResourceDef {
  return { group: '', versions: ['v1'], singular: p.plural.slice(0, -1), shortNames: [], categories: [], namespaced: true, subresources: [], generation: false, table: { columns: [], row: () => [] }, ...p };
}
const o = (v: unknown) => (typeof v === 'object' && v ? (v as Record<string, unknown>) : {});

export const handMadeDefs: ResourceDef[] = [
  def({
    kind: 'Namespace', plural: 'namespaces', namespaced: false, subresources: ['status', 'finalize'],
    default(obj) {
      obj.status = { phase: 'Active', ...o(obj.status) };
    },
    prepareForCreate(obj) {
      const fins = Array.isArray(o(obj.spec).finalizers) ? (o(obj.spec).finalizers as unknown[]) : [];
      obj.spec = { ...o(obj.spec), finalizers: fins.includes('kubernetes') ? fins : [...fins, 'kubernetes'] };
    },
    prepareForUpdate(obj, old) {
      obj.spec = { ...o(obj.spec), finalizers: o(old.spec).finalizers };
      obj.status = old.status;
    },
    prepareForStatusUpdate(obj, old) {
      obj.spec = old.spec;
    },
  }),
  def({ kind: 'ConfigMap', plural: 'configmaps' }),
  def({ kind: 'Secret', plural: 'secrets' }),
  def({ kind: 'ServiceAccount', plural: 'serviceaccounts' }),
  def({ kind: 'Event', plural: 'events' }),
  def({ kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false }),
  def({ group: 'apps', kind: 'Deployment', plural: 'deployments', generation: true }),
  def({ group: 'apps', kind: 'ReplicaSet', plural: 'replicasets', generation: true }),
];

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...o(target) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** ApiClient straight over ObjectStore (storage version only, merge patches only). */
export class StoreClient implements ApiClient {
  constructor(private readonly registry: Registry, private readonly store: ObjectStore) {}
  private def(r: ResourceRef): ResourceDef {
    const d = this.registry.lookup(r.group, r.version, r.plural);
    if (!d) throw errors.pathNotFound();
    return d;
  }
  private out(d: ResourceDef, obj: KObject): KObject {
    return { ...obj, apiVersion: d.group ? `${d.group}/${d.versions[0] ?? 'v1'}` : (d.versions[0] ?? 'v1'), kind: d.kind };
  }
  async get(r: ResourceRef, ns: string | undefined, name: string) {
    const d = this.def(r);
    return this.out(d, await this.store.get(d, ns, name));
  }
  async list(r: ResourceRef, ns: string | undefined): Promise<ObjectList> {
    const d = this.def(r);
    const page = await this.store.list(d, ns);
    return { apiVersion: 'v1', kind: `${d.kind}List`, metadata: { resourceVersion: String(page.revision) }, items: page.items.map((x) => this.out(d, x)) };
  }
  async create(r: ResourceRef, ns: string | undefined, obj: KObject) {
    const d = this.def(r);
    return this.out(d, await this.store.create(d, ns, obj));
  }
  async update(r: ResourceRef, ns: string | undefined, obj: KObject, _o?: WriteOpts, subresource?: string) {
    const d = this.def(r);
    return this.out(d, await this.store.update(d, ns, obj.metadata.name ?? '', () => obj, subresource ? { subresource } : {}));
  }
  async patch(r: ResourceRef, ns: string | undefined, name: string, type: PatchType, patch: unknown, _o?: WriteOpts, subresource?: string) {
    if (type !== 'merge') throw errors.badRequest(`test client supports merge patches only, not ${type}`);
    const d = this.def(r);
    const out = await this.store.update(d, ns, name, (cur) => mergePatch(cur, patch) as KObject, { retryOnConflict: true, ...(subresource ? { subresource } : {}) });
    return this.out(d, out);
  }
  async delete(r: ResourceRef, ns: string | undefined, name: string, opts: DeleteOpts = {}) {
    const d = this.def(r);
    const { dryRun: _d, ...rest } = opts;
    return this.out(d, (await this.store.delete(d, ns, name, rest)).obj);
  }
  async watch(r: ResourceRef, ns: string | undefined, opts: ListOpts, onEvent: (e: ClientWatchEvent) => void) {
    const d = this.def(r);
    return this.store.watch(d, ns, Number(opts.resourceVersion ?? 0), (e) => onEvent({ type: e.type, object: this.out(d, e.object) }));
  }
}

export interface Stack {
  client: ApiClient;
  registry: Registry;
  store: ObjectStore;
  real: { client: boolean; resources: boolean };
}

const fixedClock: Clock = { now: () => new Date() };

export async function testStack(clock: Clock = fixedClock): Promise<Stack> {
  let defs = handMadeDefs;
  let realResources = false;
  try {
    defs = (await import('../../machinery/resources')).allResources;
    realResources = true;
  } catch {
    // allResources isn't loadable yet.
  }
  const registry = new Registry(defs);
  const store = new ObjectStore(new MemoryBackend(), clock, randomIds);
  try {
    const { InProcessClient } = await import('../../apiserver/inprocess-client');
    return { client: new InProcessClient({ registry, store, clock, connectors: new Map() }), registry, store, real: { client: true, resources: realResources } };
  } catch {
    return { client: new StoreClient(registry, store), registry, store, real: { client: false, resources: realResources } };
  }
}
