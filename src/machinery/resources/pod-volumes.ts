// Pod volume validation (pkg/apis/core/validation: validateVolumes and the per-source checks).
import { type FieldError, Path, fe } from '../field-errors';
import { isObject, type JsonObject } from '../types';
import { tryParseQuantity } from '../quantity';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/names';
import { arr, obj, str } from './common';
import { validateNFS } from './pv-validation';

const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
export const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

export function validatePathNoBacksteps(p: string, path: Path): FieldError[] {
  return p.split('/').includes('..') ? [fe.invalid(path, p, "must not contain '..'")] : [];
}

export function validateLocalDescendingPath(p: string, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(fe.invalid(path, p, 'must be a relative path'));
  return [...errs, ...validatePathNoBacksteps(p, path)];
}

export function validateLocalNonReservedPath(p: string, path: Path): FieldError[] {
  const errs = validateLocalDescendingPath(p, path);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(fe.invalid(path, p, "must not start with '..'"));
  return errs;
}

function validateMode(v: unknown, path: Path): FieldError[] {
  if (v === undefined || v === null) return [];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777 ? [] : [fe.invalid(path, v, FILE_MODE_MSG)];
}

function validateItems(items: unknown, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  arr(items).forEach((raw, i) => {
    const it = obj(raw);
    const p = path.index(i);
    if (!str(it.key)) errs.push(fe.required(p.child('key')));
    if (!str(it.path)) errs.push(fe.required(p.child('path')));
    errs.push(...validateLocalNonReservedPath(str(it.path), p.child('path')));
    errs.push(...validateMode(it.mode, p.child('mode')));
  });
  return errs;
}

function validateSource(kind: string, src: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'emptyDir': {
      const medium = str(src.medium);
      if (medium !== '' && medium !== 'Memory' && !medium.startsWith('HugePages')) errs.push(fe.notSupported(path.child('medium'), medium, ['', 'Memory', 'HugePages']));
      if (src.sizeLimit !== undefined && src.sizeLimit !== null) {
        const q = tryParseQuantity(src.sizeLimit);
        if (!q.ok) errs.push(fe.invalid(path.child('sizeLimit'), src.sizeLimit, q.error));
        else if (q.q.mant < 0n) errs.push(fe.forbidden(path.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'hostPath': {
      const p = str(src.path);
      if (!p) errs.push(fe.required(path.child('path')));
      errs.push(...validatePathNoBacksteps(p, path.child('path')));
      const t = str(src.type);
      if (!HOST_PATH_TYPES.includes(t)) errs.push(fe.notSupported(path.child('type'), t, HOST_PATH_TYPES));
      break;
    }
    case 'configMap':
    case 'secret': {
      const nameField = kind === 'secret' ? 'secretName' : 'name';
      const name = str(src[nameField]);
      if (!name) errs.push(fe.required(path.child(nameField)));
      else for (const m of isDNS1123Subdomain(name)) errs.push(fe.invalid(path.child(nameField), name, m));
      errs.push(...validateMode(src.defaultMode, path.child('defaultMode')));
      errs.push(...validateItems(src.items, path.child('items')));
      break;
    }
    case 'persistentVolumeClaim':
      if (!str(src.claimName)) errs.push(fe.required(path.child('claimName')));
      break;
    case 'nfs':
      errs.push(...validateNFS(src, path));
      break;
    case 'downwardAPI':
      errs.push(...validateMode(src.defaultMode, path.child('defaultMode')));
      arr(src.items).forEach((raw, i) => {
        const it = obj(raw);
        const p = path.child('items').index(i);
        if (!str(it.path)) errs.push(fe.required(p.child('path')));
        errs.push(...validateLocalNonReservedPath(str(it.path), p.child('path')));
        errs.push(...validateMode(it.mode, p.child('mode')));
      });
      break;
    case 'projected':
      errs.push(...validateMode(src.defaultMode, path.child('defaultMode')));
      arr(src.sources).forEach((raw, i) => {
        const s = obj(raw);
        const p = path.child('sources').index(i);
        for (const k of ['secret', 'configMap']) if (isObject(s[k])) errs.push(...validateItems(s[k].items, p.child(k).child('items')));
        if (isObject(s.serviceAccountToken)) {
          const tp = str(s.serviceAccountToken.path);
          if (!tp) errs.push(fe.required(p.child('serviceAccountToken').child('path')));
          errs.push(...validateLocalNonReservedPath(tp, p.child('serviceAccountToken').child('path')));
        }
      });
      break;
    default:
      break;
  }
  return errs;
}

/** Validates spec.volumes; returns the errors and the set of declared volume names. */
export function validateVolumes(volumes: unknown, path: Path): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(volumes).forEach((raw, i) => {
    const v = obj(raw);
    const p = path.index(i);
    const name = str(v.name);
    if (!name) errs.push(fe.required(p.child('name')));
    else {
      for (const m of isDNS1123Label(name)) errs.push(fe.invalid(p.child('name'), name, m));
      if (names.has(name)) errs.push(fe.duplicate(p.child('name'), name));
      names.add(name);
    }
    const present = VOLUME_SOURCES.filter((k) => v[k] !== undefined && v[k] !== null);
    if (present.length === 0) errs.push(fe.required(p, 'must specify a volume type'));
    present.forEach((k, n) => {
      if (n > 0) errs.push(fe.forbidden(p.child(k), 'may not specify more than 1 volume type'));
      else errs.push(...validateSource(k, obj(v[k]), p.child(k)));
    });
  });
  return { errs, names };
}
