// PersistentVolume spec validation (core ValidatePersistentVolumeSpec and its update rules).
import { posix } from 'node:path';
import { deepEqual } from '../deep-equal';
import { type FieldError, Path, fe } from '../field-errors';
import { type JsonObject, type KObject, isObject } from '../types';
import { validateImmutable } from '../validation/meta';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names';
import { goCmpDiff, positiveQuantity, validateAccessModeValues, validateVolumeModeValue, validateVolumeNodeAffinity } from './storage-common';
import { asArr, asStr, dig } from './storage-apps-util';

/** Volume source keys in the order upstream checks them; the error path for each. */
export const PV_SOURCES: ReadonlyArray<[key: string, errorName: string]> = [
  ['hostPath', 'hostPath'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['nfs', 'nfs'],
  ['rbd', 'rbd'],
  ['quobyte', 'quobyte'],
  ['cephfs', 'cephFS'],
  ['iscsi', 'iscsi'],
  ['cinder', 'cinder'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['scaleIO', 'scaleIO'],
  ['local', 'local'],
  ['storageos', 'storageos'],
  ['csi', 'csi'],
];

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function noBacksteps(p: string, path: Path): FieldError[] {
  return p.split('/').includes('..') ? [fe.invalid(path, p, "must not contain '..'")] : [];
}

function validateHostPath(src: JsonObject, path: Path): FieldError[] {
  const p = asStr(src['path']) ?? '';
  if (!p) return [fe.required(path.child('path'))];
  const errs = noBacksteps(p, path.child('path'));
  const t = src['type'];
  if (t !== undefined && t !== null && !HOST_PATH_TYPES.includes(String(t))) errs.push(fe.notSupported(path.child('type'), t, HOST_PATH_TYPES));
  return errs;
}

/** ValidateNFSVolumeSource, shared by PVs and pods' inline nfs volumes. */
export function validateNFS(src: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const server = asStr(src['server']) ?? '';
  const p = asStr(src['path']) ?? '';
  if (!server) errs.push(fe.required(path.child('server')));
  if (!p) errs.push(fe.required(path.child('path')));
  if (!p.startsWith('/')) errs.push(fe.invalid(path.child('path'), p, 'must be an absolute path'));
  return errs;
}

function validateLocal(src: JsonObject, path: Path): FieldError[] {
  const p = asStr(src['path']) ?? '';
  if (!p) return [fe.required(path.child('path'))];
  return noBacksteps(p, path.child('path'));
}

export function validateCSIDriverName(driver: string, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  if (!driver) errs.push(fe.required(path));
  if (driver.length > 63) errs.push(fe.tooLong(path, driver, 63));
  for (const m of isDNS1123Subdomain(driver.toLowerCase())) errs.push(fe.invalid(path, driver, m));
  return errs;
}

function validateSecretRef(ref: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const name = asStr(dig(ref, 'name')) ?? '';
  const ns = asStr(dig(ref, 'namespace')) ?? '';
  if (!name) errs.push(fe.required(path.child('name')));
  else for (const m of nameIsDNSSubdomain(name, false)) errs.push(fe.invalid(path.child('name'), name, m));
  if (!ns) errs.push(fe.required(path.child('namespace')));
  else for (const m of isDNS1123Subdomain(ns)) errs.push(fe.invalid(path.child('namespace'), ns, m));
  return errs;
}

function validateCSI(src: JsonObject, path: Path): FieldError[] {
  const errs = validateCSIDriverName(asStr(src['driver']) ?? '', path.child('driver'));
  if (!asStr(src['volumeHandle'])) errs.push(fe.required(path.child('volumeHandle')));
  for (const k of ['controllerPublishSecretRef', 'controllerExpandSecretRef', 'nodePublishSecretRef', 'nodeExpandSecretRef']) {
    if (isObject(src[k])) errs.push(...validateSecretRef(src[k], path.child(k)));
  }
  return errs;
}

function validateSource(key: string, src: JsonObject, path: Path): FieldError[] {
  switch (key) {
    case 'hostPath':
      return validateHostPath(src, path);
    case 'nfs':
      return validateNFS(src, path);
    case 'local':
      return validateLocal(src, path);
    case 'csi':
      return validateCSI(src, path);
    default:
      // Cloud and legacy in-tree sources: only their presence is checked here.
      return [];
  }
}

/** Storage class names are DNS subdomains. */
function validateClassName(v: unknown, path: Path): FieldError[] {
  const s = String(v);
  return nameIsDNSSubdomain(s, false).map((m) => fe.invalid(path, s, m));
}

export function validatePVSpec(spec: JsonObject, path = new Path('spec')): FieldError[] {
  const errs: FieldError[] = [];
  const modes = asArr(spec['accessModes']);
  if (modes.length === 0) errs.push(fe.required(path.child('accessModes')));
  errs.push(...validateAccessModeValues(modes, path.child('accessModes')));

  const capacity = isObject(spec['capacity']) ? spec['capacity'] : {};
  const capKeys = Object.keys(capacity);
  if (capKeys.length === 0) errs.push(fe.required(path.child('capacity')));
  if (!capKeys.includes('storage') || capKeys.length > 1) {
    // The value is a Go ResourceList printed with %#v; quantities inside are only sketched.
    const rendered = isObject(spec['capacity'])
      ? `core.ResourceList{${capKeys.map((k) => `${JSON.stringify(k)}:resource.Quantity{s:${JSON.stringify(String(capacity[k]))}}`).join(', ')}}`
      : 'core.ResourceList(nil)';
    errs.push({ type: 'FieldValueNotSupported', field: path.child('capacity').toString(), value: rendered, hasValue: false, detail: `${rendered}: supported values: "storage"` });
  }
  for (const k of capKeys) errs.push(...positiveQuantity(capacity[k], path.child('capacity').key(k)));

  const policy = asStr(spec['persistentVolumeReclaimPolicy']) ?? '';
  if (policy && !RECLAIM_POLICIES.includes(policy)) errs.push(fe.notSupported(path.child('persistentVolumeReclaimPolicy'), policy, RECLAIM_POLICIES));

  const affinity = spec['nodeAffinity'];
  if (isObject(affinity)) errs.push(...validateVolumeNodeAffinity(affinity, path.child('nodeAffinity')));

  let count = 0;
  for (const [key, name] of PV_SOURCES) {
    const src = spec[key];
    if (!isObject(src)) continue;
    // flexVolume is counted without the "more than 1" check, as upstream does.
    if (count > 0 && key !== 'flexVolume') {
      errs.push(fe.forbidden(path.child(name), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...validateSource(key, src, path.child(key)));
    if (key === 'local' && !isObject(affinity)) errs.push(fe.required(path.child('nodeAffinity'), 'Local volume requires node affinity'));
  }
  if (count === 0) errs.push(fe.required(path, 'must specify a volume type'));

  const hostPath = asStr(dig(spec, 'hostPath', 'path'));
  // path.Clean as upstream: "/.", "//", "/a/.." are the root too.
  if (hostPath !== undefined && hostPath.startsWith('/') && posix.normalize(hostPath).replace(/\/+$/, '') === '' && policy === 'Recycle') {
    errs.push(fe.forbidden(path.child('persistentVolumeReclaimPolicy'), "may not be 'recycle' for a hostPath mount of '/'"));
  }
  const cls = asStr(spec['storageClassName']);
  if (cls) errs.push(...validateClassName(cls, path.child('storageClassName')));
  errs.push(...validateVolumeModeValue(spec['volumeMode'], path.child('volumeMode')));
  return errs;
}

const sourceOf = (spec: JsonObject): JsonObject => {
  const out: JsonObject = {};
  for (const [key] of PV_SOURCES) if (spec[key] !== undefined) out[key] = spec[key];
  return out;
};

/** ValidatePersistentVolumeUpdate's own checks (paths without "spec." are upstream's). */
export function validatePVUpdate(pv: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObject(pv['spec']) ? pv['spec'] : {};
  const oldSpec = isObject(old['spec']) ? old['spec'] : {};
  const newSource = structuredClone(sourceOf(spec));
  const oldSource = sourceOf(oldSpec);
  // A controllerExpandSecretRef may be added to a CSI volume that had none.
  const newCsi = newSource['csi'];
  if (isObject(newCsi) && isObject(oldSource['csi']) && oldSource['csi']['controllerExpandSecretRef'] === undefined) {
    delete newCsi['controllerExpandSecretRef'];
  }
  if (!deepEqual(newSource, oldSource)) {
    const diff = goCmpDiff('core.PersistentVolumeSource', PV_SOURCES.map(([k]) => k), oldSource, newSource);
    errs.push(fe.forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${diff}`));
  }
  errs.push(...validateImmutable(spec['volumeMode'], oldSpec['volumeMode'], 'volumeMode'));
  if (oldSpec['nodeAffinity'] !== undefined && !deepEqual(spec['nodeAffinity'], oldSpec['nodeAffinity'])) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'nodeAffinity',
      hasValue: false,
      value: spec['nodeAffinity'],
      detail: `${spec['nodeAffinity'] === undefined ? 'null' : 'core.VolumeNodeAffinity{Required:(*core.NodeSelector)(0xc000010000)}'}: field is immutable`,
    });
  }
  if (!deepEqual(spec['volumeAttributesClassName'], oldSpec['volumeAttributesClassName'])) {
    errs.push(fe.forbidden('spec.volumeAttributesClassName', 'update is forbidden when the VolumeAttributesClass feature gate is disabled'));
  }
  return errs;
}
