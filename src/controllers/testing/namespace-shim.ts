// Emulates, over the test stack, what the apiserver does for namespaces (see the namespace
// controller's report): DELETE with spec.finalizers only marks the namespace, and the
// finalize that empties spec.finalizers removes it. A stand-in metadata finalizer holds it.
import type { ApiClient, DeleteOpts, ResourceRef, WriteOpts } from '../../machinery/client';
import type { KObject } from '../../machinery/types';

const HOLD = 'test.berth.dev/spec-finalizers';
const isNs = (r: ResourceRef) => r.group === '' && r.plural === 'namespaces';
const specFinalizers = (o: KObject) => ((o.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []);

export function withNamespaceLifecycle(inner: ApiClient): ApiClient {
  const c: ApiClient = Object.create(inner) as ApiClient;
  c.delete = async (r: ResourceRef, ns: string | undefined, name: string, opts?: DeleteOpts) => {
    if (!isNs(r)) return inner.delete(r, ns, name, opts);
    const cur = await inner.get(r, undefined, name);
    if (specFinalizers(cur).length && !(cur.metadata.finalizers ?? []).includes(HOLD)) {
      await inner.patch(r, undefined, name, 'merge', { metadata: { finalizers: [...(cur.metadata.finalizers ?? []), HOLD] } });
    }
    return inner.delete(r, ns, name, opts);
  };
  c.update = async (r: ResourceRef, ns: string | undefined, obj: KObject, opts?: WriteOpts, sub?: string) => {
    const out = await inner.update(r, ns, obj, opts, sub);
    if (!isNs(r) || sub !== 'finalize' || specFinalizers(out).length) return out;
    const rest = (out.metadata.finalizers ?? []).filter((f) => f !== HOLD);
    return inner.patch(r, undefined, out.metadata.name ?? '', 'merge', { metadata: { finalizers: rest.length ? rest : null } });
  };
  return c;
}
