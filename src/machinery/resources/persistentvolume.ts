// core/v1 PersistentVolume: cluster-scoped storage with an immutable volume source.
import { rfc3339 } from '../clock';
import { Path } from '../field-errors';
import { age } from '../printers/age';
import type { ResourceDef } from '../resource';
import type { KObject } from '../types';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { ageColumn, col, ensureObj, keepAllButStatus, keepStatus, nameColumn } from './common';
import { validatePVSpec, validatePVUpdate } from './pv-validation';
import { accessModesString, canonicalizeQuantities, pvClass } from './storage-common';
import { asStr, dig } from './storage-apps-util';

/** Source defaults from core/v1 defaults.go that show up on stored objects. */
function defaultSources(spec: Record<string, unknown>): void {
  const hostPath = spec['hostPath'];
  if (hostPath && typeof hostPath === 'object' && !('type' in hostPath)) (hostPath as Record<string, unknown>)['type'] = '';
  const iscsi = spec['iscsi'];
  if (iscsi && typeof iscsi === 'object' && !('iscsiInterface' in iscsi)) (iscsi as Record<string, unknown>)['iscsiInterface'] = 'default';
  const rbd = spec['rbd'] as Record<string, unknown> | undefined;
  if (rbd && typeof rbd === 'object') {
    rbd['pool'] ??= 'rbd';
    rbd['user'] ??= 'admin';
    rbd['keyring'] ??= '/etc/ceph/keyring';
  }
}

/** The VolumeAttributesClass gate is off in 1.32: the field is dropped unless already stored. */
function dropDisabled(o: KObject, old?: KObject): void {
  const spec = ensureObj(o, 'spec');
  if (spec['volumeAttributesClassName'] !== undefined && dig(old, 'spec', 'volumeAttributesClassName') === undefined) {
    delete spec['volumeAttributesClassName'];
  }
}

/** Create: PersistentVolumeLastPhaseTransitionTime is GA, so a new volume starts Pending, stamped now. */
export function preparePVCreate(o: KObject, now: Date): void {
  o['status'] = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(now) };
  dropDisabled(o);
}

/** Status update: spec stays; a phase change is stamped unless the writer set a new time itself. */
export function preparePVStatusUpdate(o: KObject, old: KObject, now: Date): void {
  keepAllButStatus(o, old);
  const status = ensureObj(o, 'status');
  const oldTime = dig(old, 'status', 'lastPhaseTransitionTime');
  const newTime = status['lastPhaseTransitionTime'];
  if (status['phase'] === dig(old, 'status', 'phase')) {
    if (newTime === undefined && oldTime !== undefined) status['lastPhaseTransitionTime'] = oldTime;
  } else if (newTime === undefined || newTime === oldTime) {
    status['lastPhaseTransitionTime'] = rfc3339(now);
  }
}

/** Upstream's deprecation warning for the Recycle reclaim policy. */
export const RECYCLE_WARNING = 'The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.';

export const persistentVolumeDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  shortNames: ['pv'],
  categories: [],
  namespaced: false,
  subresources: ['status'],
  generation: false,

  warnings(o) {
    return dig(o, 'spec', 'persistentVolumeReclaimPolicy') === 'Recycle' ? [`spec.persistentVolumeReclaimPolicy: ${RECYCLE_WARNING}`] : [];
  },

  default(o) {
    const spec = ensureObj(o, 'spec');
    canonicalizeQuantities(spec['capacity'], 'PersistentVolume');
    if (!spec['persistentVolumeReclaimPolicy']) spec['persistentVolumeReclaimPolicy'] = 'Retain';
    if (spec['volumeMode'] === undefined || spec['volumeMode'] === null) spec['volumeMode'] = 'Filesystem';
    defaultSources(spec);
    const status = ensureObj(o, 'status');
    if (!status['phase']) status['phase'] = 'Pending';
  },
  // ResourceDef passes no clock; the extra parameter lets a caller that has one inject it.
  prepareForCreate: (o, now) => preparePVCreate(o, now),
  prepareForUpdate(o, old) {
    keepStatus(o, old);
    dropDisabled(o, old);
  },
  prepareForStatusUpdate: (o, old, now) => preparePVStatusUpdate(o, old, now),
  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
    errs.push(...validatePVSpec(ensureObj(o, 'spec'), new Path('spec')));
    return errs;
  },
  validateUpdate: validatePVUpdate,
  // Upstream's field set for volumes is only the legacy "name" alias.
  fields: (o) => ({ name: o.metadata.name ?? '' }),
  table: {
    columns: [
      nameColumn(),
      col('Capacity', 'Capacity of the volume (spec.capacity).'),
      col('Access Modes', 'Ways the volume can be mounted (spec.accessModes).'),
      col('Reclaim Policy', 'What happens to the volume when released from its claim.'),
      col('Status', 'Phase of the volume (status.phase).'),
      col('Claim', 'The claim bound to this volume, as namespace/name.'),
      col('StorageClass', 'StorageClass of the pv'),
      col('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
      col('Reason', 'Brief reason for the current phase, if any.'),
      ageColumn(),
      col('VolumeMode', 'Filesystem or Block (spec.volumeMode).', { priority: 1 }),
    ],
    row(o, now) {
      const claimRef = dig(o, 'spec', 'claimRef');
      const claim = claimRef === undefined ? '' : `${asStr(dig(claimRef, 'namespace')) ?? ''}/${asStr(dig(claimRef, 'name')) ?? ''}`;
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : (asStr(dig(o, 'status', 'phase')) ?? '');
      const capacity = asStr(dig(o, 'spec', 'capacity', 'storage')) ?? '0';
      return [
        o.metadata.name ?? '',
        capacity,
        accessModesString(dig(o, 'spec', 'accessModes')),
        asStr(dig(o, 'spec', 'persistentVolumeReclaimPolicy')) ?? '',
        phase,
        claim,
        pvClass(o),
        // A *string upstream: only nil prints <unset>; a set empty string prints as is.
        asStr(dig(o, 'spec', 'volumeAttributesClassName')) ?? '<unset>',
        asStr(dig(o, 'status', 'reason')) ?? '',
        age(o.metadata.creationTimestamp, now),
        asStr(dig(o, 'spec', 'volumeMode')) ?? '<unset>',
      ];
    },
  },
};
