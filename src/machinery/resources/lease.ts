// coordination.k8s.io/v1 Lease.
import { Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { age } from '../printers/age';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { col, nameColumn, ageColumn, obj, str } from './common';

export const leaseDef: ResourceDef = {
  group: 'coordination.k8s.io',
  versions: ['v1'],
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  shortNames: [],
  categories: [],
  namespaced: true,
  subresources: [],
  generation: false,

  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
    const spec = obj(o.spec);
    const sp = new Path('spec');
    if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds !== null && Number(spec.leaseDurationSeconds) <= 0) {
      errs.push(fe.invalid(sp.child('leaseDurationSeconds'), spec.leaseDurationSeconds, 'must be greater than 0'));
    }
    if (spec.leaseTransitions !== undefined && spec.leaseTransitions !== null && Number(spec.leaseTransitions) < 0) {
      errs.push(fe.invalid(sp.child('leaseTransitions'), spec.leaseTransitions, 'must be greater than or equal to 0'));
    }
    return errs;
  },
  table: {
    columns: [nameColumn(), col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
    row(o, now) {
      return [o.metadata.name ?? '', str(obj(o.spec).holderIdentity), age(o.metadata.creationTimestamp, now)];
    },
  },
};
