// core/v1 ServiceAccount.
import type { ResourceDef } from '../resource';
import { age } from '../printers/age';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { arr, col, nameColumn, ageColumn } from './common';

export const serviceAccountDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  categories: [],
  namespaced: true,
  // token: TokenRequest, served by apiserver/serviceaccount/tokens.ts.
  subresources: ['token'],
  generation: false,

  validate(o) {
    return validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  },
  table: {
    columns: [nameColumn(), col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn()],
    row(o, now) {
      return [o.metadata.name ?? '', arr(o.secrets).length, age(o.metadata.creationTimestamp, now)];
    },
  },
};
