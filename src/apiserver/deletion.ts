// Deletion rules shared by every kind: propagation-policy finalizers, preconditions, and when a
// deleting object is finally gone.
import { errors } from '../machinery/errors';
import type { ResourceDef } from '../machinery/resource';
import type { KObject } from '../machinery/types';

export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

/** A deleting object with no finalizers left and no grace period to wait out is removed. */
export function finishedDeleting(o: KObject): boolean {
  const m = o.metadata;
  return !!m.deletionTimestamp && (m.finalizers ?? []).length === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0;
}

/** metadata.finalizers after a delete with this propagation policy. */
export function withPolicyFinalizers(current: string[], policy: PropagationPolicy | undefined): string[] {
  const out = [...current];
  const add = (f: string) => {
    if (!out.includes(f)) out.push(f);
  };
  const drop = (f: string) => {
    const i = out.indexOf(f);
    if (i >= 0) out.splice(i, 1);
  };
  if (policy === 'Orphan') {
    add('orphan');
    drop('foregroundDeletion');
  } else if (policy === 'Foreground') {
    add('foregroundDeletion');
    drop('orphan');
  } else if (policy === 'Background') {
    drop('orphan');
    drop('foregroundDeletion');
  }
  return out;
}

export function checkPreconditions(def: ResourceDef, obj: KObject, opts: { preconditions?: DeletePreconditions }): void {
  const p = opts.preconditions;
  const name = obj.metadata.name ?? '';
  if (p?.uid && p.uid !== obj.metadata.uid) {
    throw errors.conflict({ group: def.group, resource: def.plural }, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  }
  if (p?.resourceVersion && p.resourceVersion !== obj.metadata.resourceVersion) {
    throw errors.conflict(
      { group: def.group, resource: def.plural },
      name,
      `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`,
    );
  }
}
