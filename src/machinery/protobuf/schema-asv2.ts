// Protobuf schema, autoscaling/v2: HorizontalPodAutoscaler with metric specs and behavior.
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const autoscalingV2: SchemaPackage = {
  pkg: 'asv2',
  messages: {
    HorizontalPodAutoscaler: `1:metadata:meta.ObjectMeta 2:spec:HorizontalPodAutoscalerSpec
      3:status:HorizontalPodAutoscalerStatus`,
    HorizontalPodAutoscalerSpec: `1:scaleTargetRef:CrossVersionObjectReference! 2:minReplicas:*i32 3:maxReplicas:i32!
      4:metrics:[]MetricSpec 5:behavior:*HorizontalPodAutoscalerBehavior`,
    HorizontalPodAutoscalerStatus: `1:observedGeneration:*i64 2:lastScaleTime:*Time 3:currentReplicas:i32
      4:desiredReplicas:i32! 5:currentMetrics:[]MetricStatus!
      6:conditions:[]HorizontalPodAutoscalerCondition`,
    CrossVersionObjectReference: '1:kind:s! 2:name:s! 3:apiVersion:s',
    MetricSpec: `1:type:s! 2:object:*ObjectMetricSource 3:pods:*PodsMetricSource 4:resource:*ResourceMetricSource
      7:containerResource:*ContainerResourceMetricSource 5:external:*ExternalMetricSource`,
    HorizontalPodAutoscalerBehavior: '1:scaleUp:*HPAScalingRules 2:scaleDown:*HPAScalingRules',
    MetricStatus: `1:type:s! 2:object:*ObjectMetricStatus 3:pods:*PodsMetricStatus 4:resource:*ResourceMetricStatus
      7:containerResource:*ContainerResourceMetricStatus 5:external:*ExternalMetricStatus`,
    HorizontalPodAutoscalerCondition: `1:type:s! 2:status:s! 3:lastTransitionTime:Time 4:reason:s 5:message:s
      6:observedGeneration:*i64`,
    ObjectMetricSource: `1:describedObject:CrossVersionObjectReference! 2:target:MetricTarget!
      3:metric:MetricIdentifier!`,
    PodsMetricSource: '1:metric:MetricIdentifier! 2:target:MetricTarget!',
    ResourceMetricSource: '1:name:s! 2:target:MetricTarget!',
    ContainerResourceMetricSource: '1:name:s! 2:target:MetricTarget! 3:container:s!',
    ExternalMetricSource: '1:metric:MetricIdentifier! 2:target:MetricTarget!',
    HPAScalingRules: `3:stabilizationWindowSeconds:*i32 1:selectPolicy:*s 2:policies:[]HPAScalingPolicy
      4:tolerance:*Quantity`,
    ObjectMetricStatus: `1:metric:MetricIdentifier! 2:current:MetricValueStatus!
      3:describedObject:CrossVersionObjectReference!`,
    PodsMetricStatus: '1:metric:MetricIdentifier! 2:current:MetricValueStatus!',
    ResourceMetricStatus: '1:name:s! 2:current:MetricValueStatus!',
    ContainerResourceMetricStatus: '1:name:s! 2:current:MetricValueStatus! 3:container:s!',
    ExternalMetricStatus: '1:metric:MetricIdentifier! 2:current:MetricValueStatus!',
    MetricTarget: '1:type:s! 2:value:*Quantity 3:averageValue:*Quantity 4:averageUtilization:*i32',
    MetricIdentifier: '1:name:s! 2:selector:*meta.LabelSelector',
    HPAScalingPolicy: '1:type:s! 2:value:i32! 3:periodSeconds:i32!',
    MetricValueStatus: '1:value:*Quantity 2:averageValue:*Quantity 3:averageUtilization:*i32',
  },
};
