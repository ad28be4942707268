// Storage (PV, PVC, StorageClass), apps workloads and the HorizontalPodAutoscaler.
import type { ResourceDef } from '../resource';
import { controllerRevisionDef } from './controllerrevision';
import { csiDriverDef, csiNodeDef } from './csidriver';
import { deploymentDef } from './deployment';
import { horizontalPodAutoscalerDef } from './horizontalpodautoscaler';
import { persistentVolumeDef } from './persistentvolume';
import { persistentVolumeClaimDef } from './persistentvolumeclaim';
import { replicaSetDef } from './replicaset';
import { statefulSetDef } from './statefulset';
import { storageClassDef } from './storageclass';

export const storageAppsResources: ResourceDef[] = [
  persistentVolumeDef,
  persistentVolumeClaimDef,
  storageClassDef,
  csiDriverDef,
  csiNodeDef,
  deploymentDef,
  replicaSetDef,
  statefulSetDef,
  controllerRevisionDef,
  horizontalPodAutoscalerDef,
];
