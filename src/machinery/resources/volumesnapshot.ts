// snapshot.storage.k8s.io/v1 VolumeSnapshot: a namespaced request to snapshot a claim
// (spec.source.persistentVolumeClaimName) or to represent an existing snapshot
// (spec.source.volumeSnapshotContentName). The source is fixed once created.
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { type KObject, isObject } from '../types';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { keepAllButStatus, keepStatus, nameColumn } from './common';
import { asStr, dig } from './storage-apps-util';
import { SNAPSHOT_GROUP, cell, celError, crdAge, crdAgeColumn, crdColumn, dateCell, fixedOnceSet, validateQuantityField, validateSnapshotError } from './volumesnapshot-common';

const PVC = 'persistentVolumeClaimName';
const CONTENT = 'volumeSnapshotContentName';

function validateSpec(spec: unknown): FieldError[] {
  if (!isObject(spec)) return [fe.required('spec')];
  const errs: FieldError[] = [];
  const source = spec['source'];
  const sp = new Path('spec').child('source');
  if (!isObject(source)) errs.push(fe.required(sp));
  else if ((source[PVC] === undefined) === (source[CONTENT] === undefined)) {
    errs.push(celError(sp, source, `exactly one of ${CONTENT} and ${PVC} must be set`));
  }
  const cls = spec['volumeSnapshotClassName'];
  if (cls === '') errs.push(celError('spec.volumeSnapshotClassName', cls, 'volumeSnapshotClassName must not be the empty string when set'));
  return errs;
}

export function validateVolumeSnapshot(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  errs.push(...validateSpec(o['spec']));
  errs.push(...validateQuantityField(dig(o, 'status', 'restoreSize'), new Path('status').child('restoreSize')));
  errs.push(...validateSnapshotError(dig(o, 'status', 'error'), new Path('status').child('error')));
  return errs;
}

/** The CRD's transition rules: each source field is immutable and cannot be dropped. */
export function validateVolumeSnapshotUpdate(o: KObject, old: KObject): FieldError[] {
  const source = dig(o, 'spec', 'source');
  const oldSource = dig(old, 'spec', 'source');
  const p = new Path('spec').child('source');
  return [...fixedOnceSet(source, oldSource, PVC, p), ...fixedOnceSet(source, oldSource, CONTENT, p)];
}

export const volumeSnapshotDef: ResourceDef = {
  group: SNAPSHOT_GROUP,
  versions: ['v1'],
  kind: 'VolumeSnapshot',
  plural: 'volumesnapshots',
  singular: 'volumesnapshot',
  shortNames: ['vs'],
  categories: [],
  namespaced: true,
  subresources: ['status'],
  generation: true,

  prepareForCreate(o) {
    // A CRD with a status subresource drops status on create.
    delete o.status;
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate: validateVolumeSnapshot,
  validateUpdate: validateVolumeSnapshotUpdate,
  table: {
    columns: [
      nameColumn(),
      crdColumn('ReadyToUse', 'boolean', 'Whether the snapshot can be used to restore a volume.'),
      crdColumn('SourcePVC', 'string', 'The claim a new snapshot is (or will be) taken of.'),
      crdColumn('SourceSnapshotContent', 'string', 'The existing VolumeSnapshotContent this snapshot represents.'),
      crdColumn('RestoreSize', 'string', 'The smallest volume this snapshot can be restored into.'),
      crdColumn('SnapshotClass', 'string', 'The VolumeSnapshotClass the snapshot asks for.'),
      crdColumn('SnapshotContent', 'string', 'The VolumeSnapshotContent this snapshot is bound to; check that it points back before use.'),
      crdColumn('CreationTime', 'date', 'When the storage system took the snapshot.'),
      crdAgeColumn(),
    ],
    row(o, now) {
      const ready = dig(o, 'status', 'readyToUse');
      return [
        o.metadata.name ?? '',
        typeof ready === 'boolean' ? ready : null,
        cell(asStr(dig(o, 'spec', 'source', PVC))),
        cell(asStr(dig(o, 'spec', 'source', CONTENT))),
        cell(dig(o, 'status', 'restoreSize')),
        cell(asStr(dig(o, 'spec', 'volumeSnapshotClassName'))),
        cell(asStr(dig(o, 'status', 'boundVolumeSnapshotContentName'))),
        dateCell(dig(o, 'status', 'creationTime'), now),
        crdAge(o, now),
      ];
    },
  },
};
