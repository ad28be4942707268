// Protobuf schema, core/v1: the served top-level kinds other than Pod internals (Service, Node, Event, PV/PVC, ...).
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const coreObjects: SchemaPackage = {
  pkg: 'core',
  messages: {
    Namespace: '1:metadata:meta.ObjectMeta 2:spec:NamespaceSpec 3:status:NamespaceStatus',
    Pod: '1:metadata:meta.ObjectMeta 2:spec:PodSpec 3:status:PodStatus',
    ConfigMap: '1:metadata:meta.ObjectMeta 4:immutable:*b 2:data:{}s 3:binaryData:{}by',
    Secret: '1:metadata:meta.ObjectMeta 5:immutable:*b 2:data:{}by 4:stringData:{}s 3:type:s',
    ServiceAccount: `1:metadata:meta.ObjectMeta 2:secrets:[]ObjectReference 3:imagePullSecrets:[]LocalObjectReference
      4:automountServiceAccountToken:*b`,
    Service: '1:metadata:meta.ObjectMeta 2:spec:ServiceSpec 3:status:ServiceStatus',
    Endpoints: '1:metadata:meta.ObjectMeta 2:subsets:[]EndpointSubset',
    Node: '1:metadata:meta.ObjectMeta 2:spec:NodeSpec 3:status:NodeStatus',
    Event: `1:metadata:meta.ObjectMeta! 2:involvedObject:ObjectReference! 3:reason:s 4:message:s 5:source:EventSource
      6:firstTimestamp:Time 7:lastTimestamp:Time 8:count:i32 9:type:s 10:eventTime:MicroTime
      11:series:*EventSeries 12:action:s 13:related:*ObjectReference 14:reportingComponent:s!
      15:reportingInstance:s!`,
    PersistentVolume: '1:metadata:meta.ObjectMeta 2:spec:PersistentVolumeSpec 3:status:PersistentVolumeStatus',
    PersistentVolumeClaim: `1:metadata:meta.ObjectMeta 2:spec:PersistentVolumeClaimSpec
      3:status:PersistentVolumeClaimStatus`,
    Binding: '1:metadata:meta.ObjectMeta 2:target:ObjectReference!',
    NamespaceSpec: '1:finalizers:[]s',
    NamespaceStatus: '1:phase:s 2:conditions:[]NamespaceCondition',
    ServiceSpec: `1:ports:[]ServicePort 2:selector:{}s 3:clusterIP:s 18:clusterIPs:[]s 4:type:s 5:externalIPs:[]s
      7:sessionAffinity:s 8:loadBalancerIP:s 9:loadBalancerSourceRanges:[]s 10:externalName:s
      11:externalTrafficPolicy:s 12:healthCheckNodePort:i32 13:publishNotReadyAddresses:b
      14:sessionAffinityConfig:*SessionAffinityConfig 19:ipFamilies:[]s 17:ipFamilyPolicy:*s
      20:allocateLoadBalancerNodePorts:*b 21:loadBalancerClass:*s 22:internalTrafficPolicy:*s
      23:trafficDistribution:*s`,
    ServiceStatus: '1:loadBalancer:LoadBalancerStatus 2:conditions:[]meta.Condition',
    EndpointSubset: '1:addresses:[]EndpointAddress 2:notReadyAddresses:[]EndpointAddress 3:ports:[]EndpointPort',
    NodeSpec: `1:podCIDR:s 7:podCIDRs:[]s 3:providerID:s 4:unschedulable:b 5:taints:[]Taint
      6:configSource:*NodeConfigSource 2:externalID:s 8:podPreemptionPolicy:*NodePodPreemptionPolicy`,
    NodeStatus: `1:capacity:{}Quantity 2:allocatable:{}Quantity 3:phase:s 4:conditions:[]NodeCondition
      5:addresses:[]NodeAddress 6:daemonEndpoints:NodeDaemonEndpoints 7:nodeInfo:NodeSystemInfo
      8:images:[]ContainerImage 9:volumesInUse:[]s 10:volumesAttached:[]AttachedVolume
      11:config:*NodeConfigStatus 12:runtimeHandlers:[]NodeRuntimeHandler 13:features:*NodeFeatures
      14:declaredFeatures:[]s`,
    EventSource: '1:component:s 2:host:s',
    EventSeries: '1:count:i32 2:lastObservedTime:MicroTime',
    PersistentVolumeSpec: `1:capacity:{}Quantity 2:~:PersistentVolumeSource 3:accessModes:[]s
      4:claimRef:*ObjectReference 5:persistentVolumeReclaimPolicy:s 6:storageClassName:s
      7:mountOptions:[]s 8:volumeMode:*s 9:nodeAffinity:*VolumeNodeAffinity
      10:volumeAttributesClassName:*s`,
    PersistentVolumeStatus: '1:phase:s 2:message:s 3:reason:s 4:lastPhaseTransitionTime:*Time',
    PersistentVolumeClaimStatus: `1:phase:s 2:accessModes:[]s 3:capacity:{}Quantity
      4:conditions:[]PersistentVolumeClaimCondition 5:allocatedResources:{}Quantity
      7:allocatedResourceStatuses:{}s 8:currentVolumeAttributesClassName:*s
      9:modifyVolumeStatus:*ModifyVolumeStatus 10:healthStatus:*VolumeHealthStatus`,
    TopologySelectorTerm: '1:matchLabelExpressions:[]TopologySelectorLabelRequirement',
    NamespaceCondition: '1:type:s! 2:status:s! 4:lastTransitionTime:Time 5:reason:s 6:message:s',
    ServicePort: '1:name:s 2:protocol:s 6:appProtocol:*s 3:port:i32! 4:targetPort:IntOrString 5:nodePort:i32',
    SessionAffinityConfig: '1:clientIP:*ClientIPConfig',
    LoadBalancerStatus: '1:ingress:[]LoadBalancerIngress',
    EndpointAddress: '1:ip:s! 3:hostname:s 4:nodeName:*s 2:targetRef:*ObjectReference',
    EndpointPort: '1:name:s 2:port:i32! 3:protocol:s 4:appProtocol:*s',
    Taint: '1:key:s! 2:value:s 3:effect:s! 4:timeAdded:*Time',
    NodeConfigSource: '2:configMap:*ConfigMapNodeConfigSource',
    NodePodPreemptionPolicy: '1:disableResizePreemption:[]s',
    NodeCondition: '1:type:s! 2:status:s! 3:lastHeartbeatTime:Time 4:lastTransitionTime:Time 5:reason:s 6:message:s',
    NodeAddress: '1:type:s! 2:address:s!',
    NodeDaemonEndpoints: '1:kubeletEndpoint:DaemonEndpoint',
    NodeSystemInfo: `1:machineID:s! 2:systemUUID:s! 3:bootID:s! 4:kernelVersion:s! 5:osImage:s!
      6:containerRuntimeVersion:s! 7:kubeletVersion:s! 8:kubeProxyVersion:s! 9:operatingSystem:s!
      10:architecture:s! 11:swap:*NodeSwapStatus`,
    ContainerImage: '1:names:[]s! 2:sizeBytes:i64',
    AttachedVolume: '1:name:s! 2:devicePath:s!',
    NodeConfigStatus: `1:assigned:*NodeConfigSource 2:active:*NodeConfigSource 3:lastKnownGood:*NodeConfigSource
      4:error:s`,
    NodeRuntimeHandler: '1:name:s! 2:features:*NodeRuntimeHandlerFeatures',
    NodeFeatures: '1:supplementalGroupsPolicy:*b',
    VolumeNodeAffinity: '1:required:*NodeSelector',
    PersistentVolumeClaimCondition: `1:type:s! 2:status:s! 3:lastProbeTime:Time 4:lastTransitionTime:Time 5:reason:s
      6:message:s`,
    ModifyVolumeStatus: '1:targetVolumeAttributesClassName:s 2:status:s!',
    VolumeHealthStatus: '1:healthConditions:[]VolumeHealthCondition 2:lastTransitionTime:Time',
    PodTemplateSpec: '1:metadata:meta.ObjectMeta 2:spec:PodSpec',
    TopologySelectorLabelRequirement: '1:key:s! 2:values:[]s!',
    ClientIPConfig: '1:timeoutSeconds:*i32',
    LoadBalancerIngress: '1:ip:s 2:hostname:s 3:ipMode:*s 4:ports:[]PortStatus',
    ConfigMapNodeConfigSource: '1:namespace:s! 2:name:s! 3:uid:s 4:resourceVersion:s 5:kubeletConfigKey:s!',
    DaemonEndpoint: '1:Port:i32!',
    NodeSwapStatus: '1:capacity:*i64',
    NodeRuntimeHandlerFeatures: '1:recursiveReadOnlyMounts:*b 2:userNamespaces:*b',
    PortStatus: '1:port:i32! 2:protocol:s! 3:error:*s',
  },
};
