// snapshot.storage.k8s.io/v1 VolumeSnapshotClass: cluster-scoped, names the CSI driver that takes
// snapshots, its parameters, and what happens to the snapshot when its VolumeSnapshot goes.
import { Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { type KObject, isObject } from '../types';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { nameColumn } from './common';
import { asStr } from './storage-apps-util';
import { DEFAULT_SNAPSHOT_CLASS_ANNOTATION, SNAPSHOT_GROUP, cell, crdAge, crdAgeColumn, crdColumn, requiredString, validateDeletionPolicy } from './volumesnapshot-common';

/** utils.IsVolumeSnapshotClassDefaultAnnotation. */
export const isDefaultSnapshotClass = (o: KObject): boolean => o.metadata.annotations?.[DEFAULT_SNAPSHOT_CLASS_ANNOTATION] === 'true';

export function validateVolumeSnapshotClass(o: KObject): ReturnType<NonNullable<ResourceDef['validate']>> {
  const errs = validateObjectMeta(o.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  errs.push(...requiredString(o['driver'], 'driver'));
  errs.push(...validateDeletionPolicy(o['deletionPolicy'], 'deletionPolicy'));
  const params = o['parameters'];
  if (isObject(params)) {
    for (const [k, v] of Object.entries(params)) {
      const p = new Path('parameters').key(k);
      if (typeof v !== 'string') errs.push(fe.invalid(p, typeof v, `${p.toString()} in body must be of type string: "${typeof v}"`));
    }
  }
  return errs;
}

export const volumeSnapshotClassDef: ResourceDef = {
  group: SNAPSHOT_GROUP,
  versions: ['v1'],
  kind: 'VolumeSnapshotClass',
  plural: 'volumesnapshotclasses',
  singular: 'volumesnapshotclass',
  shortNames: ['vsclass', 'vsclasses'],
  categories: [],
  namespaced: false,
  subresources: [],
  generation: true,

  validate: validateVolumeSnapshotClass,
  table: {
    columns: [
      nameColumn(),
      crdColumn('Driver', 'string', ''),
      crdColumn('DeletionPolicy', 'string', 'Whether a VolumeSnapshotContent made through this class is deleted with its VolumeSnapshot.'),
      crdAgeColumn(),
    ],
    row(o, now) {
      return [o.metadata.name ?? '', cell(asStr(o['driver'])), cell(asStr(o['deletionPolicy'])), crdAge(o, now)];
    },
  },
};
