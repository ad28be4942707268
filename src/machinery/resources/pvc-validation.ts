// PersistentVolumeClaim validation: the spec rules (shared with claim templates), the 1.32
// update rules, and the PersistentVolumeClaimResize admission check.
import { type ApiError, errors } from '../errors';
import { type FieldError, type Path, fe } from '../field-errors';
import { type JsonObject, type KObject, isObject } from '../types';
import { validateLabelSelector } from '../validation/labels';
import { FIELD_IMMUTABLE, validateImmutable } from '../validation/meta';
import { isDNS1123Label, isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names';
import {
  BETA_STORAGE_CLASS_ANNOTATION,
  compareQuantityText,
  goCmpDiff,
  positiveQuantity,
  pvcClass,
  validateAccessModeValues,
  validateVolumeModeValue,
} from './storage-common';
import { asArr, asStr, dig, invalidRendered, semanticEqual } from './storage-apps-util';

export const PVC_SPEC_FIELDS = [
  'accessModes',
  'selector',
  'resources',
  'volumeName',
  'storageClassName',
  'volumeMode',
  'dataSource',
  'dataSourceRef',
  'volumeAttributesClassName',
];

export const PVC_IMMUTABLE_MSG = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

function validateDataSource(ref: JsonObject, path: Path, withNamespace: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const kind = asStr(ref['kind']) ?? '';
  const apiGroup = asStr(ref['apiGroup']) ?? '';
  if (!asStr(ref['name'])) errs.push(fe.required(path.child('name')));
  if (!kind) errs.push(fe.required(path.child('kind')));
  if (!apiGroup && kind !== 'PersistentVolumeClaim') errs.push(fe.invalid(path, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (apiGroup) for (const m of isDNS1123Subdomain(apiGroup)) errs.push(fe.invalid(path.child('apiGroup'), apiGroup, m));
  const ns = asStr(ref['namespace']);
  if (withNamespace && ns) for (const m of isDNS1123Label(ns)) errs.push(fe.invalid(path.child('namespace'), ns, m));
  return errs;
}

/** ValidatePersistentVolumeClaimSpec. */
export function validatePVCSpec(spec: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const modes = asArr(spec['accessModes']);
  if (modes.length === 0) errs.push(fe.required(path.child('accessModes'), 'at least 1 access mode is required'));
  if (isObject(spec['selector'])) errs.push(...validateLabelSelector(spec['selector'], path.child('selector')));
  errs.push(...validateAccessModeValues(modes, path.child('accessModes')));

  const storagePath = path.child('resources').key('storage');
  const storage = dig(spec, 'resources', 'requests', 'storage');
  if (storage === undefined) errs.push(fe.required(storagePath));
  else errs.push(...positiveQuantity(storage, storagePath));

  const cls = asStr(spec['storageClassName']);
  if (cls) for (const m of nameIsDNSSubdomain(cls, false)) errs.push(fe.invalid(path.child('storageClassName'), cls, m));
  errs.push(...validateVolumeModeValue(spec['volumeMode'], path.child('volumeMode')));

  const ds = spec['dataSource'];
  const dsRef = spec['dataSourceRef'];
  if (isObject(ds)) errs.push(...validateDataSource(ds, path.child('dataSource'), false));
  if (isObject(dsRef)) errs.push(...validateDataSource(dsRef, path.child('dataSourceRef'), true));
  if (isObject(dsRef) && asStr(dsRef['namespace'])) {
    if (isObject(ds)) errs.push(invalidRendered(path.toString(), path.child('dataSource').toString(), 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (isObject(ds) && isObject(dsRef)) {
    const same = ds['apiGroup'] === dsRef['apiGroup'] && ds['kind'] === dsRef['kind'] && ds['name'] === dsRef['name'];
    if (!same) errs.push(invalidRendered(path.toString(), path.child('dataSource').toString(), 'must match dataSourceRef'));
  }
  return errs;
}

const specOf = (o: KObject): JsonObject => (isObject(o['spec']) ? o['spec'] : {});

/** ValidatePersistentVolumeClaimUpdate's own checks, with RecoverVolumeExpansionFailure on (1.32). */
export function validatePVCUpdate(pvc: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const newSpec = structuredClone(specOf(pvc));
  const oldSpec = structuredClone(specOf(old));
  // The binder fills volumeName once.
  if (!asStr(oldSpec['volumeName'])) oldSpec['volumeName'] = newSpec['volumeName'];

  const oldAnn = old.metadata.annotations ?? {};
  const newAnn = pvc.metadata.annotations ?? {};
  const oldClassAnn = oldAnn[BETA_STORAGE_CLASS_ANNOTATION];
  const newClassAnn = newAnn[BETA_STORAGE_CLASS_ANNOTATION];
  const oldSC = asStr(oldSpec['storageClassName']);
  const newSC = asStr(newSpec['storageClassName']);
  const upgradeFromAnnotation =
    oldClassAnn !== undefined && oldSC === undefined && newSC !== undefined && newSC === oldClassAnn && (newClassAnn === undefined || newClassAnn === oldClassAnn);
  if (upgradeFromAnnotation) {
    delete newSpec['storageClassName'];
  } else {
    if ((newClassAnn ?? '') !== (oldClassAnn ?? '')) errs.push(fe.invalid(`metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`, newClassAnn ?? '', FIELD_IMMUTABLE));
    // A class may be set once on a claim that had none (retroactive default class).
    if (newSC !== undefined && oldSC === undefined && (oldClassAnn === undefined || newSC === oldClassAnn)) oldSpec['storageClassName'] = newSC;
  }

  const bound = dig(pvc, 'status', 'phase') === 'Bound';
  const newReq = dig(newSpec, 'resources', 'requests');
  if (bound && isObject(newReq)) {
    const oldStorage = dig(oldSpec, 'resources', 'requests', 'storage');
    if (oldStorage === undefined) delete newReq['storage'];
    else newReq['storage'] = oldStorage;
  }
  newSpec['volumeAttributesClassName'] = oldSpec['volumeAttributesClassName'];
  if (newSpec['volumeAttributesClassName'] === undefined) delete newSpec['volumeAttributesClassName'];

  if (!semanticEqual(newSpec, oldSpec)) errs.push(fe.forbidden('spec', `${PVC_IMMUTABLE_MSG}\n${goCmpDiff('core.PersistentVolumeClaimSpec', PVC_SPEC_FIELDS, oldSpec, newSpec)}`));

  const newSize = dig(pvc, 'spec', 'resources', 'requests', 'storage');
  const oldSize = dig(old, 'spec', 'resources', 'requests', 'storage');
  const statusSize = dig(old, 'status', 'capacity', 'storage');
  if (compareQuantityText(newSize, oldSize) < 0 && compareQuantityText(newSize, statusSize) <= 0) {
    errs.push(fe.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  errs.push(...validateImmutable(dig(pvc, 'spec', 'volumeMode'), dig(old, 'spec', 'volumeMode'), 'volumeMode'));
  if (!semanticEqual(dig(pvc, 'spec', 'volumeAttributesClassName'), dig(old, 'spec', 'volumeAttributesClassName'))) {
    errs.push(fe.forbidden('spec.volumeAttributesClassName', 'update is forbidden when the VolumeAttributesClass feature gate is disabled'));
  }
  return errs;
}

/**
 * The PersistentVolumeClaimResize admission plugin: growing a claim needs a bound claim whose
 * (unchanged) class allows expansion. `getClass` looks a StorageClass up by name.
 */
export function admitPVCResize(pvc: KObject, old: KObject, getClass: (name: string) => KObject | undefined): ApiError | undefined {
  const newSize = dig(pvc, 'spec', 'resources', 'requests', 'storage');
  const oldSize = dig(old, 'spec', 'resources', 'requests', 'storage');
  if (compareQuantityText(newSize, oldSize) <= 0) return undefined;
  const deny = (msg: string): ApiError => errors.forbidden(`persistentvolumeclaims "${pvc.metadata.name ?? ''}" is forbidden: ${msg}`);
  if (dig(old, 'status', 'phase') !== 'Bound') return deny('Only bound persistent volume claims can be expanded');
  const cls = pvcClass(pvc);
  const allowed = cls !== '' && cls === pvcClass(old) && dig(getClass(cls), 'allowVolumeExpansion') === true;
  if (!allowed) return deny('only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  return undefined;
}
