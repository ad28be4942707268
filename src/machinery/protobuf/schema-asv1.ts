// Protobuf schema, autoscaling/v1: HorizontalPodAutoscaler and Scale.
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const autoscalingV1: SchemaPackage = {
  pkg: 'asv1',
  messages: {
    HorizontalPodAutoscaler: `1:metadata:meta.ObjectMeta 2:spec:HorizontalPodAutoscalerSpec
      3:status:HorizontalPodAutoscalerStatus`,
    Scale: '1:metadata:meta.ObjectMeta 2:spec:ScaleSpec 3:status:ScaleStatus',
    HorizontalPodAutoscalerSpec: `1:scaleTargetRef:CrossVersionObjectReference! 2:minReplicas:*i32 3:maxReplicas:i32!
      4:targetCPUUtilizationPercentage:*i32`,
    HorizontalPodAutoscalerStatus: `1:observedGeneration:*i64 2:lastScaleTime:*Time 3:currentReplicas:i32!
      4:desiredReplicas:i32! 5:currentCPUUtilizationPercentage:*i32`,
    ScaleSpec: '1:replicas:i32',
    ScaleStatus: '1:replicas:i32! 2:selector:s',
    CrossVersionObjectReference: '1:kind:s! 2:name:s! 3:apiVersion:s',
  },
};
