// The ownership index the collector keeps from its informers: who owns whom, by UID (owner
// references name owners by UID, so that is the only reliable join).
import type { KObject, OwnerReference } from '../../machinery/types';
import { type DependentRef, isDeletingDependents } from './compute';

interface Node {
  key: string;
  obj: KObject;
}

export class OwnershipGraph {
  private readonly byUid = new Map<string, Node>();
  /** owner UID → dependent key → the dependent's reference to that owner. */
  private readonly dependents = new Map<string, Map<string, { ref: OwnerReference; uid: string }>>();

  upsert(key: string, obj: KObject): void {
    const uid = obj.metadata.uid ?? '';
    const prev = this.byUid.get(uid);
    if (prev) this.unlinkOwners(prev.key, prev.obj);
    this.byUid.set(uid, { key, obj });
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let deps = this.dependents.get(ref.uid);
      if (!deps) this.dependents.set(ref.uid, (deps = new Map()));
      deps.set(key, { ref, uid });
    }
  }

  remove(obj: KObject): void {
    const uid = obj.metadata.uid ?? '';
    const node = this.byUid.get(uid);
    if (!node) return;
    this.unlinkOwners(node.key, node.obj);
    this.byUid.delete(uid);
  }

  private unlinkOwners(key: string, obj: KObject): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const deps = this.dependents.get(ref.uid);
      deps?.delete(key);
      if (deps?.size === 0) this.dependents.delete(ref.uid);
    }
  }

  keyOf(uid: string): string | undefined {
    return this.byUid.get(uid)?.key;
  }

  objectOf(uid: string): KObject | undefined {
    return this.byUid.get(uid)?.obj;
  }

  dependentsOf(ownerUid: string): DependentRef[] {
    const out: DependentRef[] = [];
    for (const [key, { ref, uid }] of this.dependents.get(ownerUid) ?? []) {
      const dep = this.byUid.get(uid)?.obj;
      out.push({ key, ref, deletingDependents: dep ? isDeletingDependents(dep) : false });
    }
    return out;
  }

  /** Keys of the known owners of `obj` (its references that resolve to an object we have seen). */
  ownerKeys(obj: KObject): string[] {
    return (obj.metadata.ownerReferences ?? []).flatMap((r) => {
      const k = this.keyOf(r.uid);
      return k ? [k] : [];
    });
  }
}
