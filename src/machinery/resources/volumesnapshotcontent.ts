// snapshot.storage.k8s.io/v1 VolumeSnapshotContent: cluster-scoped, the snapshot on the storage
// system (spec.source.volumeHandle: to be taken from that volume; spec.source.snapshotHandle: it
// exists already) and the VolumeSnapshot it is bound to.
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { type KObject, isObject } from '../types';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { keepAllButStatus, keepStatus, nameColumn } from './common';
import { asStr, dig } from './storage-apps-util';
import { SNAPSHOT_GROUP, cell, celError, crdAge, crdAgeColumn, crdColumn, fixedOnceSet, requiredString, validateDeletionPolicy, validateSnapshotError } from './volumesnapshot-common';

function validateSpec(spec: unknown): FieldError[] {
  if (!isObject(spec)) return [fe.required('spec')];
  const p = new Path('spec');
  const errs: FieldError[] = [];
  errs.push(...validateDeletionPolicy(spec['deletionPolicy'], p.child('deletionPolicy')));
  errs.push(...requiredString(spec['driver'], p.child('driver')));
  const source = spec['source'];
  if (!isObject(source)) errs.push(fe.required(p.child('source')));
  else if ((source['volumeHandle'] === undefined) === (source['snapshotHandle'] === undefined)) {
    errs.push(celError(p.child('source'), source, 'exactly one of volumeHandle and snapshotHandle must be set'));
  }
  const ref = spec['volumeSnapshotRef'];
  if (!isObject(ref)) errs.push(fe.required(p.child('volumeSnapshotRef')));
  else if (ref['name'] === undefined || ref['namespace'] === undefined) {
    errs.push(celError(p.child('volumeSnapshotRef'), ref, 'both spec.volumeSnapshotRef.name and spec.volumeSnapshotRef.namespace must be set'));
  }
  return errs;
}

function validateStatus(status: unknown): FieldError[] {
  if (!isObject(status)) return [];
  const errs: FieldError[] = [];
  const size = status['restoreSize'];
  if (typeof size === 'number' && size < 0) errs.push(fe.invalid('status.restoreSize', size, 'status.restoreSize in body should be greater than or equal to 0'));
  errs.push(...validateSnapshotError(status['error'], new Path('status').child('error')));
  return errs;
}

export function validateVolumeSnapshotContent(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  errs.push(...validateSpec(o['spec']));
  errs.push(...validateStatus(o['status']));
  return errs;
}

/** The CRD's transition rules: the source handles and sourceVolumeMode are fixed once set. */
export function validateVolumeSnapshotContentUpdate(o: KObject, old: KObject): FieldError[] {
  const source = dig(o, 'spec', 'source');
  const oldSource = dig(old, 'spec', 'source');
  const sp = new Path('spec').child('source');
  return [
    ...fixedOnceSet(source, oldSource, 'volumeHandle', sp),
    ...fixedOnceSet(source, oldSource, 'snapshotHandle', sp),
    ...fixedOnceSet(o['spec'], old['spec'], 'sourceVolumeMode', new Path('spec')),
  ];
}

export const volumeSnapshotContentDef: ResourceDef = {
  group: SNAPSHOT_GROUP,
  versions: ['v1'],
  kind: 'VolumeSnapshotContent',
  plural: 'volumesnapshotcontents',
  singular: 'volumesnapshotcontent',
  shortNames: ['vsc', 'vscs'],
  categories: [],
  namespaced: false,
  subresources: ['status'],
  generation: true,

  prepareForCreate(o) {
    // A CRD with a status subresource drops status on create.
    delete o.status;
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate: validateVolumeSnapshotContent,
  validateUpdate: validateVolumeSnapshotContentUpdate,
  table: {
    columns: [
      nameColumn(),
      crdColumn('ReadyToUse', 'boolean', 'Whether the snapshot can be used to restore a volume.'),
      crdColumn('RestoreSize', 'integer', 'The size of the snapshot in bytes.'),
      crdColumn('DeletionPolicy', 'string', 'Whether this content and its snapshot on the storage system go when the bound VolumeSnapshot is deleted.'),
      crdColumn('Driver', 'string', 'The CSI driver that took (or holds) the snapshot.'),
      crdColumn('VolumeSnapshotClass', 'string', 'The VolumeSnapshotClass the snapshot was taken through.'),
      crdColumn('VolumeSnapshot', 'string', 'Name of the VolumeSnapshot this content is bound to.'),
      crdColumn('VolumeSnapshotNamespace', 'string', 'Namespace of the VolumeSnapshot this content is bound to.'),
      crdAgeColumn(),
    ],
    row(o, now) {
      const ready = dig(o, 'status', 'readyToUse');
      const size = dig(o, 'status', 'restoreSize');
      return [
        o.metadata.name ?? '',
        typeof ready === 'boolean' ? ready : null,
        typeof size === 'number' ? size : null,
        cell(asStr(dig(o, 'spec', 'deletionPolicy'))),
        cell(asStr(dig(o, 'spec', 'driver'))),
        cell(asStr(dig(o, 'spec', 'volumeSnapshotClassName'))),
        cell(asStr(dig(o, 'spec', 'volumeSnapshotRef', 'name'))),
        cell(asStr(dig(o, 'spec', 'volumeSnapshotRef', 'namespace'))),
        crdAge(o, now),
      ];
    },
  },
};
