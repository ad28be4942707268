// core/v1 PersistentVolumeClaim: a namespaced request for storage, immutable once created
// except for growing a bound claim.
import { Path } from '../field-errors';
import { age } from '../printers/age';
import type { ResourceDef } from '../resource';
import { type JsonObject, type KObject, isObject } from '../types';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { ageColumn, col, ensureObj, keepAllButStatus, keepStatus, nameColumn } from './common';
import { validatePVCSpec, validatePVCUpdate } from './pvc-validation';
import { accessModesString, canonicalizeQuantities, pvcClass } from './storage-common';
import { asStr, dig } from './storage-apps-util';

/** Defaults and canonical quantities of a claim spec (also used for StatefulSet templates). */
export function defaultPVCSpec(spec: JsonObject, kind = 'PersistentVolumeClaim'): void {
  canonicalizeQuantities(dig(spec, 'resources', 'requests'), kind);
  canonicalizeQuantities(dig(spec, 'resources', 'limits'), kind);
  if (spec['volumeMode'] === undefined || spec['volumeMode'] === null) spec['volumeMode'] = 'Filesystem';
}

const copyRef = (r: JsonObject): JsonObject => {
  const out: JsonObject = {};
  if (r['apiGroup'] !== undefined) out['apiGroup'] = r['apiGroup'];
  out['kind'] = r['kind'];
  out['name'] = r['name'];
  return out;
};

/** AnyVolumeDataSource (on in 1.32): dataSource and dataSourceRef mirror each other unless both are set. */
export function normalizeDataSources(spec: JsonObject): void {
  const ds = spec['dataSource'];
  const ref = spec['dataSourceRef'];
  if (isObject(ds) && !isObject(ref)) spec['dataSourceRef'] = copyRef(ds);
  else if (isObject(ref) && !isObject(ds) && !asStr(ref['namespace'])) spec['dataSource'] = copyRef(ref);
}

/** The VolumeAttributesClass gate is off in 1.32: the field is dropped unless already stored. */
function dropDisabled(o: KObject, old?: KObject): void {
  const spec = ensureObj(o, 'spec');
  if (spec['volumeAttributesClassName'] !== undefined && dig(old, 'spec', 'volumeAttributesClassName') === undefined) {
    delete spec['volumeAttributesClassName'];
  }
}

export const persistentVolumeClaimDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  shortNames: ['pvc'],
  categories: [],
  namespaced: true,
  subresources: ['status'],
  generation: false,

  default(o) {
    defaultPVCSpec(ensureObj(o, 'spec'));
    const status = ensureObj(o, 'status');
    canonicalizeQuantities(status['capacity'], 'PersistentVolumeClaim');
    canonicalizeQuantities(status['allocatedResources'], 'PersistentVolumeClaim');
    if (!status['phase']) status['phase'] = 'Pending';
  },
  prepareForCreate(o) {
    // Upstream clears status; reading it back defaults the phase to Pending.
    o['status'] = { phase: 'Pending' };
    dropDisabled(o);
    normalizeDataSources(ensureObj(o, 'spec'));
  },
  prepareForUpdate(o, old) {
    keepStatus(o, old);
    dropDisabled(o, old);
    // Clients that omit the dataSourceRef filled in at create get it filled in again.
    normalizeDataSources(ensureObj(o, 'spec'));
  },
  prepareForStatusUpdate: keepAllButStatus,
  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
    errs.push(...validatePVCSpec(ensureObj(o, 'spec'), new Path('spec')));
    return errs;
  },
  validateUpdate: validatePVCUpdate,
  // Upstream's field set for claims is only the legacy "name" alias.
  fields: (o) => ({ name: o.metadata.name ?? '' }),
  table: {
    columns: [
      nameColumn(),
      col('Status', 'Phase of the claim (status.phase).'),
      col('Volume', 'The volume bound to this claim (spec.volumeName).'),
      col('Capacity', 'Capacity of the bound volume (status.capacity).'),
      col('Access Modes', 'Access modes of the bound volume (status.accessModes).'),
      col('StorageClass', 'StorageClass of the pvc'),
      col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
      ageColumn(),
      col('VolumeMode', 'Filesystem or Block (spec.volumeMode).', { priority: 1 }),
    ],
    row(o: KObject, now: Date) {
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : (asStr(dig(o, 'status', 'phase')) ?? '');
      const volumeName = asStr(dig(o, 'spec', 'volumeName')) ?? '';
      // Capacity and modes come from status, and only once a volume is named.
      const capacity = volumeName ? (asStr(dig(o, 'status', 'capacity', 'storage')) ?? '0') : '';
      const modes = volumeName ? accessModesString(dig(o, 'status', 'accessModes')) : '';
      return [
        o.metadata.name ?? '',
        phase,
        volumeName,
        capacity,
        modes,
        pvcClass(o),
        // A *string upstream: only nil prints <unset>; a set empty string prints as is.
        asStr(dig(o, 'spec', 'volumeAttributesClassName')) ?? '<unset>',
        age(o.metadata.creationTimestamp, now),
        asStr(dig(o, 'spec', 'volumeMode')) ?? '<unset>',
      ];
    },
  },
};
