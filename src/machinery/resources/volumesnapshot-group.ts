// The snapshot.storage.k8s.io/v1 kinds (external-snapshotter's CRDs, served built in).
import type { ResourceDef } from '../resource';
import { volumeSnapshotDef } from './volumesnapshot';
import { volumeSnapshotClassDef } from './volumesnapshotclass';
import { volumeSnapshotContentDef } from './volumesnapshotcontent';

export const snapshotResources: ResourceDef[] = [volumeSnapshotDef, volumeSnapshotClassDef, volumeSnapshotContentDef];
