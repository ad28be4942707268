// OpenAPI (v2-style) schemas of the snapshot.storage.k8s.io/v1 kinds, named as kube-apiserver
// names CRD schemas (reversed group: io.k8s.storage.snapshot.v1.<Kind>). Neither client-node nor
// kubernetes-models has these kinds, so the fields are described here, following the CRDs'
// field lists; the apiserver's OpenAPI documents, `kubectl explain` and field validation use them.
import { SNAPSHOT_GROUP } from './volumesnapshot-common';

type Schema = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const SNAPSHOT_SCHEMA_PREFIX = 'io.k8s.storage.snapshot.v1.';

const str = (description: string): Schema => ({ description, type: 'string' });
const bool = (description: string): Schema => ({ description, type: 'boolean' });
const int64 = (description: string, extra: Schema = {}): Schema => ({ description, type: 'integer', format: 'int64', ...extra });
const time = (description: string): Schema => ({ description, type: 'string', format: 'date-time' });
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ description, type: 'object', properties, ...extra });
const gvk = (kind: string): Schema => ({ 'x-kubernetes-group-version-kind': [{ group: SNAPSHOT_GROUP, version: 'v1', kind }] });

const apiVersion = str('The versioned schema of this object (snapshot.storage.k8s.io/v1). Servers convert recognized schemas to the latest internal value and may reject unrecognized values.');
const kindProp = str('The REST resource this object represents, in CamelCase. Servers may infer it from the endpoint the request was sent to. Cannot be updated.');

const snapshotError = obj('The last error seen while taking the snapshot, if any. The controller keeps retrying; a success clears it.', {
  message: str('What went wrong. It may be logged, so it carries no secrets.'),
  time: time('When the error was seen.'),
});

function kind(name: string, description: string, properties: Record<string, Schema>, required: string[]): Schema {
  return {
    description,
    type: 'object',
    properties: {
      apiVersion,
      kind: kindProp,
      metadata: { description: "Standard object's metadata.", $ref: `#/definitions/${META}ObjectMeta` },
      ...properties,
    },
    ...(required.length ? { required } : {}),
    ...gvk(name),
  };
}

function list(item: string): Schema {
  return {
    description: `A list of ${item} objects.`,
    type: 'object',
    properties: {
      apiVersion,
      items: { description: `The ${item} objects.`, type: 'array', items: { $ref: `#/definitions/${SNAPSHOT_SCHEMA_PREFIX}${item}` } },
      kind: kindProp,
      metadata: { description: "Standard list metadata.", $ref: `#/definitions/${META}ListMeta` },
    },
    required: ['items'],
    ...gvk(`${item}List`),
  };
}

const volumeSnapshot = kind(
  'VolumeSnapshot',
  'A request to take a point-in-time snapshot of a PersistentVolumeClaim, or to bind to a snapshot that already exists (a pre-provisioned VolumeSnapshotContent).',
  {
    spec: obj('What snapshot is wanted. Required.', {
      source: obj('Where the snapshot comes from: exactly one of persistentVolumeClaimName (take a new one) and volumeSnapshotContentName (use an existing one). Cannot be changed after creation. Required.', {
        persistentVolumeClaimName: str('Name of the PersistentVolumeClaim, in the snapshot\'s namespace, to take a new snapshot of. Cannot be changed.'),
        volumeSnapshotContentName: str('Name of a pre-provisioned VolumeSnapshotContent that represents an existing snapshot. Cannot be changed.'),
      }),
      volumeSnapshotClassName: str('The VolumeSnapshotClass to take the snapshot with. When unset, the default class (annotation snapshot.storage.kubernetes.io/is-default-class: "true") for the source volume\'s CSI driver is used; more than one default for a driver is an error. Must not be empty when set.'),
    }, { required: ['source'] }),
    status: obj('What the snapshot controller observed. Check that this snapshot and its VolumeSnapshotContent point at each other before using it.', {
      boundVolumeSnapshotContentName: str('The VolumeSnapshotContent this snapshot is bound to; unset until binding succeeded.'),
      creationTime: time('When the storage system took the snapshot (the CSI CreateSnapshot creation_time). Unset when unknown.'),
      error: snapshotError,
      readyToUse: bool('Whether the snapshot can be used to restore a volume. Unset when unknown.'),
      restoreSize: {
        description: 'The smallest volume this snapshot can be restored into (the CSI size_bytes). A volume restored from it must be at least this large. Unset when unknown.',
        'x-kubernetes-int-or-string': true,
        pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
      },
      volumeGroupSnapshotName: str('The VolumeGroupSnapshot this snapshot is part of, if any.'),
    }),
  },
  ['spec'],
);

const volumeSnapshotContent = kind(
  'VolumeSnapshotContent',
  'A snapshot on the storage system and the VolumeSnapshot it is bound to. Made by the snapshot controller for a VolumeSnapshot of a claim, or by an administrator for a snapshot that already exists.',
  {
    spec: obj('The snapshot this object stands for. Required.', {
      deletionPolicy: { ...str('What happens when the bound VolumeSnapshot is deleted: "Delete" removes this object and the snapshot on the storage system, "Retain" keeps both. Copied from the VolumeSnapshotClass for dynamic snapshots; required for pre-provisioned ones.'), enum: ['Delete', 'Retain'] },
      driver: str('The CSI driver that took the snapshot, as its GetPluginInfo names it. Required.'),
      source: obj('Whether the snapshot is to be taken from a volume (volumeHandle) or exists already (snapshotHandle); exactly one. Cannot be changed after creation. Required.', {
        snapshotHandle: str('The CSI snapshot_id of an existing snapshot. Cannot be changed.'),
        volumeHandle: str('The CSI volume_id of the volume to take the snapshot of. Cannot be changed.'),
      }),
      sourceVolumeMode: str('Mode of the volume the snapshot was taken of: Filesystem or Block. Unset when unknown. Cannot be changed.'),
      volumeSnapshotClassName: str('The VolumeSnapshotClass the snapshot was (or is to be) taken with. The class may change or go away later, so it is not consulted after the snapshot exists.'),
      volumeSnapshotRef: obj('The VolumeSnapshot this content is bound to; that VolumeSnapshot must name this content for the binding to hold. A pre-provisioned content must give the name and namespace. Required.', {
        apiVersion: str('API version of the referent.'),
        fieldPath: str('A part of the referent, if the reference is to part of an object.'),
        kind: str('Kind of the referent.'),
        name: str('Name of the referent.'),
        namespace: str('Namespace of the referent.'),
        resourceVersion: str('The resourceVersion of the referent this reference was made to, if any.'),
        uid: str('UID of the referent; set by the snapshot controller when it binds.'),
      }, { 'x-kubernetes-map-type': 'atomic' }),
    }, { required: ['deletionPolicy', 'driver', 'source', 'volumeSnapshotRef'] }),
    status: obj('What the snapshotter observed of the snapshot on the storage system.', {
      creationTime: int64('When the storage system took the snapshot, in nanoseconds since the Unix epoch (`date +%s%N`). Unset when unknown.'),
      error: snapshotError,
      readyToUse: bool('Whether the snapshot can be used to restore a volume. Unset when unknown.'),
      restoreSize: int64('The full size of the snapshot in bytes (the CSI size_bytes); a restored volume must be at least this large. Unset when unknown.', { minimum: 0 }),
      snapshotHandle: str('The CSI snapshot_id on the storage system; unset while a dynamic snapshot is not yet taken or failed.'),
      volumeGroupSnapshotHandle: str('The CSI group_snapshot_id of the group snapshot this snapshot belongs to, if any.'),
    }),
  },
  ['spec'],
);

const volumeSnapshotClass = kind(
  'VolumeSnapshotClass',
  'Parameters a storage system uses to take snapshots; a VolumeSnapshot names one in spec.volumeSnapshotClassName. Cluster-scoped.',
  {
    deletionPolicy: { ...str('What happens to a VolumeSnapshotContent made through this class when its VolumeSnapshot is deleted: "Delete" removes it and the snapshot on the storage system, "Retain" keeps both. Required.'), enum: ['Delete', 'Retain'] },
    driver: str('The CSI driver that takes snapshots of this class. Required.'),
    parameters: { description: 'Driver-specific key-value parameters for taking snapshots; opaque to Kubernetes.', type: 'object', additionalProperties: { type: 'string' } },
  },
  ['deletionPolicy', 'driver'],
);

/** Schema name -> schema, for the models the apiserver loads. */
export const snapshotSchemas: Record<string, Schema> = {
  [`${SNAPSHOT_SCHEMA_PREFIX}VolumeSnapshot`]: volumeSnapshot,
  [`${SNAPSHOT_SCHEMA_PREFIX}VolumeSnapshotList`]: list('VolumeSnapshot'),
  [`${SNAPSHOT_SCHEMA_PREFIX}VolumeSnapshotContent`]: volumeSnapshotContent,
  [`${SNAPSHOT_SCHEMA_PREFIX}VolumeSnapshotContentList`]: list('VolumeSnapshotContent'),
  [`${SNAPSHOT_SCHEMA_PREFIX}VolumeSnapshotClass`]: volumeSnapshotClass,
  [`${SNAPSHOT_SCHEMA_PREFIX}VolumeSnapshotClassList`]: list('VolumeSnapshotClass'),
};
