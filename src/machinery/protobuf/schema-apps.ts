// Protobuf schema, apps/v1: Deployment, ReplicaSet, StatefulSet.
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const appsV1: SchemaPackage = {
  pkg: 'apps',
  messages: {
    Deployment: '1:metadata:meta.ObjectMeta 2:spec:DeploymentSpec 3:status:DeploymentStatus',
    ReplicaSet: '1:metadata:meta.ObjectMeta 2:spec:ReplicaSetSpec 3:status:ReplicaSetStatus',
    StatefulSet: '1:metadata:meta.ObjectMeta 2:spec:StatefulSetSpec 3:status:StatefulSetStatus',
    DeploymentSpec: `1:replicas:*i32 2:selector:*meta.LabelSelector! 3:template:core.PodTemplateSpec!
      4:strategy:DeploymentStrategy 5:minReadySeconds:i32 6:revisionHistoryLimit:*i32 7:paused:b
      9:progressDeadlineSeconds:*i32`,
    DeploymentStatus: `1:observedGeneration:i64 2:replicas:i32 3:updatedReplicas:i32 7:readyReplicas:i32
      4:availableReplicas:i32 5:unavailableReplicas:i32 9:terminatingReplicas:*i32
      6:conditions:[]DeploymentCondition 8:collisionCount:*i32`,
    ReplicaSetSpec: `1:replicas:*i32 4:minReadySeconds:i32 2:selector:*meta.LabelSelector!
      3:template:core.PodTemplateSpec`,
    ReplicaSetStatus: `1:replicas:i32! 2:fullyLabeledReplicas:i32 4:readyReplicas:i32 5:availableReplicas:i32
      7:terminatingReplicas:*i32 3:observedGeneration:i64 6:conditions:[]ReplicaSetCondition`,
    StatefulSetSpec: `1:replicas:*i32 2:selector:*meta.LabelSelector! 3:template:core.PodTemplateSpec!
      4:volumeClaimTemplates:[]core.PersistentVolumeClaim 5:serviceName:s! 6:podManagementPolicy:s
      7:updateStrategy:StatefulSetUpdateStrategy 8:revisionHistoryLimit:*i32 9:minReadySeconds:i32
      10:persistentVolumeClaimRetentionPolicy:*StatefulSetPersistentVolumeClaimRetentionPolicy
      11:ordinals:*StatefulSetOrdinals`,
    StatefulSetStatus: `1:observedGeneration:i64 2:replicas:i32! 3:readyReplicas:i32 4:currentReplicas:i32
      5:updatedReplicas:i32 6:currentRevision:s 7:updateRevision:s 9:collisionCount:*i32
      10:conditions:[]StatefulSetCondition 11:availableReplicas:i32!`,
    DeploymentStrategy: '1:type:s 2:rollingUpdate:*RollingUpdateDeployment',
    DeploymentCondition: `1:type:s! 2:status:s! 6:lastUpdateTime:Time 7:lastTransitionTime:Time 4:reason:s
      5:message:s`,
    ReplicaSetCondition: '1:type:s! 2:status:s! 3:lastTransitionTime:Time 4:reason:s 5:message:s',
    StatefulSetUpdateStrategy: '1:type:s 2:rollingUpdate:*RollingUpdateStatefulSetStrategy',
    StatefulSetPersistentVolumeClaimRetentionPolicy: '1:whenDeleted:s 2:whenScaled:s',
    StatefulSetOrdinals: '1:start:i32!',
    StatefulSetCondition: '1:type:s! 2:status:s! 3:lastTransitionTime:Time 4:reason:s 5:message:s',
    RollingUpdateDeployment: '1:maxUnavailable:*IntOrString 2:maxSurge:*IntOrString',
    RollingUpdateStatefulSetStrategy: '1:partition:*i32 2:maxUnavailable:*IntOrString',
  },
};
