// storage.k8s.io/v1 StorageClass: cluster-scoped provisioning policy; everything that shapes
// provisioning is fixed at creation.
import { type FieldError, Path, fe } from '../field-errors';
import { age } from '../printers/age';
import type { ResourceDef } from '../resource';
import { type KObject, isObject } from '../types';
import { validateLabelName } from '../validation/labels';
import { validateImmutable, validateObjectMeta } from '../validation/meta';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names';
import { ageColumn, col, nameColumn } from './common';
import { asArr, asStr, dig, semanticEqual } from './storage-apps-util';

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** storageutil.IsDefaultAnnotation. */
export function isDefaultClass(o: KObject): boolean {
  const a = o.metadata.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

function validateParameters(params: unknown, path: Path): FieldError[] {
  if (!isObject(params)) return [];
  const entries = Object.entries(params);
  if (entries.length > MAX_PARAMETERS) return [fe.tooLong(path, 'Provisioner Parameters exceeded max allowed', MAX_PARAMETERS)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(fe.invalid(path, k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(fe.tooLong(path, '', MAX_PARAMETERS_SIZE));
  return errs;
}

function validateTopologies(terms: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  asArr(terms).forEach((term, i) => {
    const exprPath = path.index(i).child('matchLabelExpressions');
    const keys = new Set<string>();
    asArr(dig(term, 'matchLabelExpressions')).forEach((req, j) => {
      const p = exprPath.index(j);
      const values = asArr(dig(req, 'values')).map(String);
      if (values.length === 0) errs.push(fe.required(p.child('values')));
      values.forEach((v, k) => {
        if (values.indexOf(v) < k) errs.push(fe.duplicate(p.child('values').index(k), v));
      });
      const key = asStr(dig(req, 'key')) ?? '';
      errs.push(...validateLabelName(key, p.child('key')));
      if (keys.has(key)) errs.push(fe.duplicate(p.child('key'), key));
      keys.add(key);
    });
  });
  return errs;
}

/** ValidateStorageClass (storage/validation). */
export function validateStorageClass(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  const provisioner = asStr(o['provisioner']) ?? '';
  if (!provisioner) errs.push(fe.required('provisioner'));
  else for (const m of isQualifiedName(provisioner.toLowerCase())) errs.push(fe.invalid('provisioner', provisioner, m));
  errs.push(...validateParameters(o['parameters'], new Path('parameters')));
  const policy = asStr(o['reclaimPolicy']) ?? '';
  if (policy && !RECLAIM_POLICIES.includes(policy)) errs.push(fe.notSupported('reclaimPolicy', policy, RECLAIM_POLICIES));
  const mode = o['volumeBindingMode'];
  if (mode === undefined || mode === null) errs.push(fe.required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(String(mode))) errs.push(fe.notSupported('volumeBindingMode', mode, BINDING_MODES));
  errs.push(...validateTopologies(o['allowedTopologies'], new Path('allowedTopologies')));
  return errs;
}

/** ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy and binding mode are fixed. */
export function validateStorageClassUpdate(o: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!semanticEqual(o['parameters'], old['parameters'])) errs.push(fe.forbidden('parameters', 'updates to parameters are forbidden.'));
  if ((o['provisioner'] ?? '') !== (old['provisioner'] ?? '')) errs.push(fe.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if ((o['reclaimPolicy'] ?? '') !== (old['reclaimPolicy'] ?? '')) errs.push(fe.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutable(o['volumeBindingMode'], old['volumeBindingMode'], 'volumeBindingMode'));
  return errs;
}

export const storageClassDef: ResourceDef = {
  group: 'storage.k8s.io',
  versions: ['v1'],
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  shortNames: ['sc'],
  categories: [],
  namespaced: false,
  subresources: [],
  generation: false,

  default(o) {
    if (o['reclaimPolicy'] === undefined || o['reclaimPolicy'] === null) o['reclaimPolicy'] = 'Delete';
    if (o['volumeBindingMode'] === undefined || o['volumeBindingMode'] === null) o['volumeBindingMode'] = 'Immediate';
  },
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
  table: {
    columns: [
      nameColumn(),
      col('Provisioner', 'The volume plugin or external provisioner that creates volumes of this class.'),
      col('ReclaimPolicy', 'Reclaim policy of volumes this class provisions.'),
      col('VolumeBindingMode', 'When volumes of this class are provisioned and bound.'),
      col('AllowVolumeExpansion', 'Whether claims of this class may be grown.'),
      ageColumn(),
    ],
    row(o, now) {
      const name = `${o.metadata.name ?? ''}${isDefaultClass(o) ? ' (default)' : ''}`;
      return [
        name,
        asStr(o['provisioner']) ?? '',
        asStr(o['reclaimPolicy']) ?? 'Delete',
        asStr(o['volumeBindingMode']) ?? 'Immediate',
        o['allowVolumeExpansion'] === true,
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
};
