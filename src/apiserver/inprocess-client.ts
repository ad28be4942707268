// ApiClient served in-process for the components `berth server` runs itself (controllers),
// with the same semantics as the HTTP API (conversion, admission, validation, watch filtering).
import type { ApiClient, ClientWatchEvent, DeleteOpts, ListOpts, ObjectList, PatchType, ResourceRef, WriteOpts } from '../machinery/client';
import { errors } from '../machinery/errors';
import { apiVersionOf, type ResourceDef } from '../machinery/resource';
import type { KObject } from '../machinery/types';
import { type ApiDeps, toRequestVersion, toStorageVersion } from './handlers/context';
import { objectFilter } from './handlers/filters';
import { applyPatchOfType, serverSideApply, trackUpdate } from './handlers/patching';
import { toScale, applyScale } from './handlers/scale';
import { visibleEvent } from './handlers/watch';
import { finalizeNamespace } from '../machinery/resources/namespace';
import { bindPod } from '../machinery/resources/pod';

export class InProcessClient implements ApiClient {
  constructor(private readonly deps: ApiDeps) {}

  private def(r: ResourceRef): ResourceDef {
    const d = this.deps.registry.lookup(r.group, r.version, r.plural);
    if (!d) throw errors.pathNotFound(`the server could not find the requested resource (${r.plural}.${r.group}/${r.version})`);
    return d;
  }

  private tracker(def: ResourceDef, version: string, manager: string | undefined, subresource?: string) {
    const now = this.deps.clock.now();
    const m = manager ?? 'berth-controller-manager';
    return (old: KObject | undefined, next: KObject) => trackUpdate(def, version, old, next, m, now, subresource);
  }

  async get(r: ResourceRef, ns: string | undefined, name: string, subresource?: string): Promise<KObject> {
    const def = this.def(r);
    const obj = await this.deps.store.get(def, ns, name);
    return subresource === 'scale' ? toScale(def, obj) : toRequestVersion(def, obj, r.version);
  }

  async list(r: ResourceRef, ns: string | undefined, opts: ListOpts = {}): Promise<ObjectList> {
    const def = this.def(r);
    const filter = objectFilter(def, opts.labelSelector ?? '', opts.fieldSelector ?? '');
    const page = await this.deps.store.list(def, ns, filter ? { filter } : {});
    return {
      apiVersion: apiVersionOf(def, r.version),
      kind: `${def.kind}List`,
      metadata: { resourceVersion: String(page.revision) },
      items: page.items.map((o) => toRequestVersion(def, o, r.version)),
    };
  }

  async create(r: ResourceRef, ns: string | undefined, obj: KObject, opts: WriteOpts = {}, subresource?: string): Promise<KObject> {
    const def = this.def(r);
    if (subresource === 'binding') return this.bind(def, ns, obj, opts);
    if (subresource === 'token') return this.token(ns, obj);
    const created = await this.deps.store.create(def, ns, toStorageVersion(def, obj, r.version), {
      ...(opts.dryRun ? { dryRun: true } : {}),
      managedFields: this.tracker(def, r.version, opts.fieldManager),
    });
    return toRequestVersion(def, created, r.version);
  }

  /** serviceaccounts/token: `obj` is the TokenRequest, its metadata.name the service account. */
  private async token(ns: string | undefined, obj: KObject): Promise<KObject> {
    const tokens = this.deps.serviceAccountTokens;
    if (!tokens) throw errors.pathNotFound('service account tokens are not served: the server was started without a signing key');
    return tokens.request(ns ?? '', obj.metadata.name ?? '', obj);
  }

  /** pods/binding as the HTTP handler serves it: uid/resourceVersion preconditions, then bindPod. */
  private async bind(def: ResourceDef, ns: string | undefined, binding: KObject, opts: WriteOpts): Promise<KObject> {
    const name = binding.metadata.name ?? '';
    const node = (binding.target as { name?: unknown } | undefined)?.name;
    if (typeof node !== 'string' || !node) throw errors.invalid('Binding', '', name, [{ type: 'FieldValueRequired', field: 'target.name', hasValue: false, detail: '' }]);
    const now = this.deps.clock.now();
    await this.deps.store.update(
      def,
      ns,
      name,
      (cur) => {
        if (!cur) throw errors.notFound({ group: '', resource: 'pods' }, name);
        const { uid, resourceVersion } = binding.metadata;
        if (uid && uid !== cur.metadata.uid) throw errors.conflict({ group: '', resource: 'pods' }, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${cur.metadata.uid ?? ''}`);
        if (resourceVersion && resourceVersion !== cur.metadata.resourceVersion) throw errors.modified({ group: '', resource: 'pods' }, name);
        const refused = bindPod(cur, node, binding.metadata.annotations, now);
        if (refused) throw errors.conflict({ group: '', resource: 'pods' }, name, refused);
        return cur;
      },
      { subresource: 'binding', retryOnConflict: true, ...(opts.dryRun ? { dryRun: true } : {}) },
    );
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  }

  async update(r: ResourceRef, ns: string | undefined, obj: KObject, opts: WriteOpts = {}, subresource?: string): Promise<KObject> {
    const def = this.def(r);
    const name = obj.metadata.name ?? '';
    const out = await this.deps.store.update(
      def,
      ns,
      name,
      (cur) => {
        if (subresource === 'scale' && cur) return applyScale(def, cur, obj);
        if (subresource === 'finalize' && cur) return finalizeNamespace(cur, obj);
        return toStorageVersion(def, obj, r.version);
      },
      { ...(subresource ? { subresource } : {}), ...(opts.dryRun ? { dryRun: true } : {}), managedFields: this.tracker(def, r.version, opts.fieldManager, subresource) },
    );
    return subresource === 'scale' ? toScale(def, out) : toRequestVersion(def, out, r.version);
  }

  async patch(r: ResourceRef, ns: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOpts = {}, subresource?: string): Promise<KObject> {
    const def = this.def(r);
    const now = this.deps.clock.now();
    const manager = opts.fieldManager ?? 'berth-controller-manager';
    const out = await this.deps.store.update(
      def,
      ns,
      name,
      (cur) => {
        if (type === 'apply') {
          const live = cur ? toRequestVersion(def, cur, r.version) : undefined;
          return toStorageVersion(def, serverSideApply(def, r.version, live, patch as KObject, manager, !!opts.force, now, subresource, name, ns), r.version);
        }
        if (!cur) throw errors.notFound({ group: def.group, resource: def.plural }, name);
        // The scale subresource is patched as an autoscaling/v1 Scale, as over HTTP.
        if (subresource === 'scale') return applyScale(def, cur, applyPatchOfType(type, def, toScale(def, cur), patch, 'autoscaling', 'Scale'));
        return toStorageVersion(def, applyPatchOfType(type, def, toRequestVersion(def, cur, r.version), patch, def.group, def.kind), r.version);
      },
      {
        retryOnConflict: true,
        allowCreate: type === 'apply' && !subresource,
        ...(subresource ? { subresource } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(type === 'apply' ? {} : { managedFields: this.tracker(def, r.version, manager, subresource) }),
      },
    );
    return subresource === 'scale' ? toScale(def, out) : toRequestVersion(def, out, r.version);
  }

  async delete(r: ResourceRef, ns: string | undefined, name: string, opts: DeleteOpts = {}): Promise<KObject> {
    const def = this.def(r);
    const { obj } = await this.deps.store.delete(def, ns, name, {
      ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
      ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
      ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
      ...(opts.dryRun?.length ? { dryRun: true } : {}),
    });
    return toRequestVersion(def, obj, r.version);
  }

  async watch(
    r: ResourceRef,
    ns: string | undefined,
    opts: ListOpts & { allowWatchBookmarks?: boolean },
    onEvent: (e: ClientWatchEvent) => void,
  ): Promise<() => void> {
    const def = this.def(r);
    const filter = objectFilter(def, opts.labelSelector ?? '', opts.fieldSelector ?? '');
    let from = opts.resourceVersion && opts.resourceVersion !== '0' ? Number(opts.resourceVersion) : 0;
    if (!from) {
      const page = await this.deps.store.list(def, ns, filter ? { filter } : {});
      for (const o of page.items) onEvent({ type: 'ADDED', object: toRequestVersion(def, o, r.version) });
      from = page.revision;
    }
    return this.deps.store.watch(def, ns, from, (e) => {
      const type = visibleEvent(e, filter);
      if (type) onEvent({ type, object: toRequestVersion(def, e.object, r.version) });
    });
  }
}
