// core/v1 Secret: type defaulting, stringData folded into data, type-specific keys, immutability.
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import type { KObject } from '../types';
import { age } from '../printers/age';
import { validateImmutable, validateObjectMeta } from '../validation/meta';
import { isConfigMapKey, nameIsDNSSubdomain } from '../validation/names';
import { col, nameColumn, ageColumn, obj, str } from './common';
import { MAX_DATA_SIZE, base64Errors, decodedLength } from './configmap';

const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function validateTyped(o: KObject, data: Record<string, unknown>, errs: FieldError[]): void {
  const dp = new Path('data');
  const has = (k: string): boolean => k in data;
  const requireJson = (key: string): void => {
    if (!has(key)) {
      errs.push(fe.required(dp.key(key)));
      return;
    }
    try {
      JSON.parse(Buffer.from(str(data[key]), 'base64').toString('utf8'));
    } catch (e) {
      errs.push(fe.invalid(dp.key(key), '<secret contents redacted>', e instanceof Error ? e.message : String(e)));
    }
  };
  switch (str(o.type)) {
    case 'kubernetes.io/service-account-token':
      if (!o.metadata.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(fe.required(new Path('metadata').child('annotations').key('kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
      requireJson('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      requireJson('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) errs.push(fe.required(dp.key('username')), fe.required(dp.key('password')));
      break;
    case 'kubernetes.io/ssh-auth':
      if (decodedLength(data['ssh-privatekey']) === 0) errs.push(fe.required(dp.key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(fe.required(dp.key('tls.crt')));
      if (!has('tls.key')) errs.push(fe.required(dp.key('tls.key')));
      break;
    default:
      break;
  }
}

export const secretDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  shortNames: [],
  categories: [],
  namespaced: true,
  subresources: [],
  generation: false,

  default(o) {
    if (!o.type) o.type = 'Opaque';
    // stringData is write-only: v1 conversion folds it into data, overriding same-named keys.
    if (o.stringData !== undefined) {
      const data = { ...obj(o.data) };
      for (const [k, v] of Object.entries(obj(o.stringData))) data[k] = Buffer.from(str(v), 'utf8').toString('base64');
      o.data = data;
      delete o.stringData;
    }
  },
  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
    const data = obj(o.data);
    let total = 0;
    for (const [k, v] of Object.entries(data)) {
      for (const m of isConfigMapKey(k)) errs.push(fe.invalid(new Path('data').key(k), k, m));
      total += decodedLength(v);
    }
    errs.push(...base64Errors(data, new Path('data')));
    if (total > MAX_DATA_SIZE) errs.push(fe.tooLong('data', '', MAX_DATA_SIZE));
    validateTyped(o, data, errs);
    return errs;
  },
  validateUpdate(o, old) {
    const errs = [...validateImmutable(o.type, old.type, 'type')];
    if (old.immutable === true) {
      if (o.immutable !== true) errs.push(fe.forbidden('immutable', IMMUTABLE_MSG));
      if (!same(o.data, old.data)) errs.push(fe.forbidden('data', IMMUTABLE_MSG));
    }
    return errs;
  },
  fields(o) {
    return { type: str(o.type) };
  },
  table: {
    columns: [nameColumn(), col('Type', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'Data contains the secret data.'), ageColumn()],
    row(o, now) {
      return [o.metadata.name ?? '', str(o.type), Object.keys(obj(o.data)).length, age(o.metadata.creationTimestamp, now)];
    },
  },
};
