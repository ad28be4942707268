// core/v1 ConfigMap: key syntax, size limit, immutability.
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import type { KObject } from '../types';
import { age } from '../printers/age';
import { validateObjectMeta } from '../validation/meta';
import { isConfigMapKey, nameIsDNSSubdomain } from '../validation/names';
import { col, nameColumn, ageColumn, obj } from './common';

export const MAX_DATA_SIZE = 1024 * 1024;
const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function base64Errors(map: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj(map))) {
    if (typeof v !== 'string' || !BASE64.test(v)) errs.push(fe.invalid(path.key(k), '<binary data>', 'illegal base64 data'));
  }
  return errs;
}

export const decodedLength = (v: unknown): number => (typeof v === 'string' ? Buffer.from(v, 'base64').length : 0);

function validateConfigMap(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const data = obj(o.data);
  const bin = obj(o.binaryData);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    const p = new Path('data').key(k);
    for (const m of isConfigMapKey(k)) errs.push(fe.invalid(p, k, m));
    if (k in bin) errs.push(fe.invalid(p, k, 'duplicate of key present in binaryData'));
    total += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  }
  for (const [k, v] of Object.entries(bin)) {
    const p = new Path('binaryData').key(k);
    for (const m of isConfigMapKey(k)) errs.push(fe.invalid(p, k, m));
    if (k in data) errs.push(fe.invalid(p, k, 'duplicate of key present in data'));
    total += decodedLength(v);
  }
  errs.push(...base64Errors(bin, new Path('binaryData')));
  if (total > MAX_DATA_SIZE) errs.push(fe.tooLong('', '', MAX_DATA_SIZE));
  return errs;
}

export const configMapDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  categories: [],
  namespaced: true,
  subresources: [],
  generation: false,

  validate: validateConfigMap,
  validateUpdate(o, old) {
    const errs: FieldError[] = [];
    if (old.immutable === true) {
      if (o.immutable !== true) errs.push(fe.forbidden('immutable', IMMUTABLE_MSG));
      if (!same(o.data, old.data)) errs.push(fe.forbidden('data', IMMUTABLE_MSG));
      if (!same(o.binaryData, old.binaryData)) errs.push(fe.forbidden('binaryData', IMMUTABLE_MSG));
    }
    return errs;
  },
  table: {
    columns: [nameColumn(), col('Data', 'Data contains the configuration data.'), ageColumn()],
    row(o, now) {
      return [o.metadata.name ?? '', Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, age(o.metadata.creationTimestamp, now)];
    },
  },
};
