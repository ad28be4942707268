// Protobuf schema, core/v1: PodSpec, PodStatus and everything they reach except volume sources.
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const corePod: SchemaPackage = {
  pkg: 'core',
  messages: {
    PodSpec: `1:volumes:[]Volume 20:initContainers:[]Container 2:containers:[]Container!
      34:ephemeralContainers:[]EphemeralContainer 3:restartPolicy:s 4:terminationGracePeriodSeconds:*i64
      5:activeDeadlineSeconds:*i64 6:dnsPolicy:s 7:nodeSelector:{}s 8:serviceAccountName:s 9:serviceAccount:s
      21:automountServiceAccountToken:*b 10:nodeName:s 11:hostNetwork:b 12:hostPID:b 13:hostIPC:b
      27:shareProcessNamespace:*b 14:securityContext:*PodSecurityContext
      15:imagePullSecrets:[]LocalObjectReference 16:hostname:s 17:subdomain:s 18:affinity:*Affinity
      19:schedulerName:s 22:tolerations:[]Toleration 23:hostAliases:[]HostAlias 24:priorityClassName:s
      25:priority:*i32 26:dnsConfig:*PodDNSConfig 28:readinessGates:[]PodReadinessGate 29:runtimeClassName:*s
      30:enableServiceLinks:*b 31:preemptionPolicy:*s 32:overhead:{}Quantity
      33:topologySpreadConstraints:[]TopologySpreadConstraint 35:setHostnameAsFQDN:*b 36:os:*PodOS
      37:hostUsers:*b 38:schedulingGates:[]PodSchedulingGate 39:resourceClaims:[]PodResourceClaim
      40:resources:*ResourceRequirements 41:hostnameOverride:*s 43:schedulingGroup:*PodSchedulingGroup
      44:evictionResponders:[]EvictionResponder`,
    PodStatus: `17:observedGeneration:i64 1:phase:s 2:conditions:[]PodCondition 3:message:s 4:reason:s
      11:nominatedNodeName:s 5:hostIP:s 16:hostIPs:[]HostIP 6:podIP:s 12:podIPs:[]PodIP 7:startTime:*Time
      10:initContainerStatuses:[]ContainerStatus 8:containerStatuses:[]ContainerStatus 9:qosClass:s
      13:ephemeralContainerStatuses:[]ContainerStatus 14:resize:s
      15:resourceClaimStatuses:[]PodResourceClaimStatus
      18:extendedResourceClaimStatus:*PodExtendedResourceClaimStatus 19:allocatedResources:{}Quantity
      20:resources:*ResourceRequirements
      21:nodeAllocatableResourceClaimStatuses:[]NodeAllocatableResourceClaimStatus
      22:volumeHealth:[]PodVolumeHealth`,
    Volume: '1:name:s! 2:~:VolumeSource',
    Container: `1:name:s! 2:image:s 3:command:[]s 4:args:[]s 5:workingDir:s 6:ports:[]ContainerPort
      19:envFrom:[]EnvFromSource 7:env:[]EnvVar 8:resources:ResourceRequirements
      23:resizePolicy:[]ContainerResizePolicy 24:restartPolicy:*s
      25:restartPolicyRules:[]ContainerRestartRule 9:volumeMounts:[]VolumeMount
      21:volumeDevices:[]VolumeDevice 10:livenessProbe:*Probe 11:readinessProbe:*Probe
      22:startupProbe:*Probe 12:lifecycle:*Lifecycle 13:terminationMessagePath:s
      20:terminationMessagePolicy:s 14:imagePullPolicy:s 15:securityContext:*SecurityContext 16:stdin:b
      17:stdinOnce:b 18:tty:b`,
    EphemeralContainer: '1:~:EphemeralContainerCommon 2:targetContainerName:s',
    PodSecurityContext: `1:seLinuxOptions:*SELinuxOptions 8:windowsOptions:*WindowsSecurityContextOptions
      2:runAsUser:*i64 6:runAsGroup:*i64 3:runAsNonRoot:*b 4:supplementalGroups:[]i64
      12:supplementalGroupsPolicy:*s 5:fsGroup:*i64 7:sysctls:[]Sysctl 9:fsGroupChangePolicy:*s
      10:seccompProfile:*SeccompProfile 11:appArmorProfile:*AppArmorProfile
      13:seLinuxChangePolicy:*s`,
    Affinity: '1:nodeAffinity:*NodeAffinity 2:podAffinity:*PodAffinity 3:podAntiAffinity:*PodAntiAffinity',
    Toleration: '1:key:s 2:operator:s 3:value:s 4:effect:s 5:tolerationSeconds:*i64',
    HostAlias: '1:ip:s! 2:hostnames:[]s',
    PodDNSConfig: '1:nameservers:[]s 2:searches:[]s 3:options:[]PodDNSConfigOption',
    PodReadinessGate: '1:conditionType:s!',
    TopologySpreadConstraint: `1:maxSkew:i32! 2:topologyKey:s! 3:whenUnsatisfiable:s!
      4:labelSelector:*meta.LabelSelector 5:minDomains:*i32 6:nodeAffinityPolicy:*s
      7:nodeTaintsPolicy:*s 8:matchLabelKeys:[]s`,
    PodOS: '1:name:s!',
    PodSchedulingGate: '1:name:s!',
    PodResourceClaim: '1:name:s! 3:resourceClaimName:*s 4:resourceClaimTemplateName:*s',
    ResourceRequirements: '1:limits:{}Quantity 2:requests:{}Quantity 3:claims:[]ResourceClaim',
    PodSchedulingGroup: '1:podGroupName:*s',
    EvictionResponder: '1:name:s! 2:priority:*i32!',
    PodCondition: `1:type:s! 7:observedGeneration:i64 2:status:s! 3:lastProbeTime:Time 4:lastTransitionTime:Time
      5:reason:s 6:message:s`,
    HostIP: '1:ip:s!',
    PodIP: '1:ip:s!',
    ContainerStatus: `1:name:s! 2:state:ContainerState 3:lastState:ContainerState 4:ready:b! 5:restartCount:i32!
      6:image:s! 7:imageID:s! 8:containerID:s 9:started:*b 10:allocatedResources:{}Quantity
      11:resources:*ResourceRequirements 12:volumeMounts:[]VolumeMountStatus 13:user:*ContainerUser
      14:allocatedResourcesStatus:[]ResourceStatus 15:stopSignal:*s`,
    PodResourceClaimStatus: '1:name:s! 2:resourceClaimName:*s',
    PodExtendedResourceClaimStatus: '1:requestMappings:[]ContainerExtendedResourceRequest! 2:resourceClaimName:s!',
    NodeAllocatableResourceClaimStatus: `1:resourceClaimName:s! 2:containers:[]s
      4:mapping:[]NodeAllocatableMappedResources
      5:overhead:[]NodeAllocatableOverheadResources`,
    PodVolumeHealth: '1:name:s! 2:healthConditions:[]VolumeHealthCondition 3:lastTransitionTime:Time',
    ContainerPort: '1:name:s 2:hostPort:i32 3:containerPort:i32! 4:protocol:s 5:hostIP:s',
    EnvFromSource: '1:prefix:s 2:configMapRef:*ConfigMapEnvSource 3:secretRef:*SecretEnvSource',
    EnvVar: '1:name:s! 2:value:s 3:valueFrom:*EnvVarSource',
    ContainerResizePolicy: '1:resourceName:s! 2:restartPolicy:s!',
    ContainerRestartRule: '1:action:s 2:exitCodes:*ContainerRestartRuleOnExitCodes',
    VolumeMount: `1:name:s! 2:readOnly:b 7:recursiveReadOnly:*s 3:mountPath:s! 4:subPath:s 5:mountPropagation:*s
      6:subPathExpr:s 8:bindMountOptions:[]s`,
    VolumeDevice: '1:name:s! 2:devicePath:s!',
    Probe: `1:~:ProbeHandler 2:initialDelaySeconds:i32 3:timeoutSeconds:i32 4:periodSeconds:i32
      5:successThreshold:i32 6:failureThreshold:i32 7:terminationGracePeriodSeconds:*i64`,
    Lifecycle: '1:postStart:*LifecycleHandler 2:preStop:*LifecycleHandler 3:stopSignal:*s',
    SecurityContext: `1:capabilities:*Capabilities 2:privileged:*b 3:seLinuxOptions:*SELinuxOptions
      10:windowsOptions:*WindowsSecurityContextOptions 4:runAsUser:*i64 8:runAsGroup:*i64
      5:runAsNonRoot:*b 6:readOnlyRootFilesystem:*b 7:allowPrivilegeEscalation:*b 9:procMount:*s
      11:seccompProfile:*SeccompProfile 12:appArmorProfile:*AppArmorProfile`,
    EphemeralContainerCommon: `1:name:s! 2:image:s 3:command:[]s 4:args:[]s 5:workingDir:s 6:ports:[]ContainerPort
      19:envFrom:[]EnvFromSource 7:env:[]EnvVar 8:resources:ResourceRequirements
      23:resizePolicy:[]ContainerResizePolicy 24:restartPolicy:*s
      25:restartPolicyRules:[]ContainerRestartRule 9:volumeMounts:[]VolumeMount
      21:volumeDevices:[]VolumeDevice 10:livenessProbe:*Probe 11:readinessProbe:*Probe
      22:startupProbe:*Probe 12:lifecycle:*Lifecycle 13:terminationMessagePath:s
      20:terminationMessagePolicy:s 14:imagePullPolicy:s 15:securityContext:*SecurityContext
      16:stdin:b 17:stdinOnce:b 18:tty:b`,
    SELinuxOptions: '1:user:s 2:role:s 3:type:s 4:level:s',
    WindowsSecurityContextOptions: `1:gmsaCredentialSpecName:*s 2:gmsaCredentialSpec:*s 3:runAsUserName:*s
      4:hostProcess:*b`,
    Sysctl: '1:name:s! 2:value:s!',
    SeccompProfile: '1:type:s! 2:localhostProfile:*s',
    AppArmorProfile: '1:type:s! 2:localhostProfile:*s',
    NodeAffinity: `1:requiredDuringSchedulingIgnoredDuringExecution:*NodeSelector
      2:preferredDuringSchedulingIgnoredDuringExecution:[]PreferredSchedulingTerm`,
    PodAffinity: `1:requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm
      2:preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm`,
    PodAntiAffinity: `1:requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm
      2:preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm`,
    PodDNSConfigOption: '1:name:s 2:value:*s',
    ResourceClaim: '1:name:s! 2:request:s',
    ContainerState: `1:waiting:*ContainerStateWaiting 2:running:*ContainerStateRunning
      3:terminated:*ContainerStateTerminated`,
    VolumeMountStatus: '1:name:s! 2:mountPath:s! 3:readOnly:b 4:recursiveReadOnly:*s 5:volumeStatus:*VolumeStatus',
    ContainerUser: '1:linux:*LinuxContainerUser',
    ResourceStatus: '1:name:s! 2:resources:[]ResourceHealth',
    ContainerExtendedResourceRequest: '1:containerName:s! 2:resourceName:s! 3:requestName:s!',
    NodeAllocatableMappedResources: '1:name:s! 2:quantity:*Quantity!',
    NodeAllocatableOverheadResources: '1:name:s! 2:perPod:*Quantity 3:perContainer:*Quantity',
    VolumeHealthCondition: '1:status:s! 2:reason:s! 3:message:s',
    NodeSelector: '1:nodeSelectorTerms:[]NodeSelectorTerm!',
    ConfigMapEnvSource: '1:~:LocalObjectReference 2:optional:*b',
    SecretEnvSource: '1:~:LocalObjectReference 2:optional:*b',
    EnvVarSource: `1:fieldRef:*ObjectFieldSelector 2:resourceFieldRef:*ResourceFieldSelector
      3:configMapKeyRef:*ConfigMapKeySelector 4:secretKeyRef:*SecretKeySelector
      5:fileKeyRef:*FileKeySelector`,
    ContainerRestartRuleOnExitCodes: '1:operator:s 2:values:[]i32',
    ProbeHandler: '1:exec:*ExecAction 2:httpGet:*HTTPGetAction 3:tcpSocket:*TCPSocketAction 4:grpc:*GRPCAction',
    LifecycleHandler: '1:exec:*ExecAction 2:httpGet:*HTTPGetAction 3:tcpSocket:*TCPSocketAction 4:sleep:*SleepAction',
    Capabilities: '1:add:[]s 2:drop:[]s',
    PreferredSchedulingTerm: '1:weight:i32! 2:preference:NodeSelectorTerm!',
    PodAffinityTerm: `1:labelSelector:*meta.LabelSelector 2:namespaces:[]s 3:topologyKey:s!
      4:namespaceSelector:*meta.LabelSelector 5:matchLabelKeys:[]s 6:mismatchLabelKeys:[]s`,
    WeightedPodAffinityTerm: '1:weight:i32! 2:podAffinityTerm:PodAffinityTerm!',
    ContainerStateWaiting: '1:reason:s 2:message:s',
    ContainerStateRunning: '1:startedAt:Time',
    ContainerStateTerminated: `1:exitCode:i32! 2:signal:i32 3:reason:s 4:message:s 5:startedAt:Time 6:finishedAt:Time
      7:containerID:s`,
    VolumeStatus: '1:image:*ImageVolumeStatus',
    LinuxContainerUser: '1:uid:i64! 2:gid:i64! 3:supplementalGroups:[]i64',
    ResourceHealth: '1:resourceID:s! 2:health:s 6:message:*s',
    NodeSelectorTerm: '1:matchExpressions:[]NodeSelectorRequirement 2:matchFields:[]NodeSelectorRequirement',
    ConfigMapKeySelector: '1:~:LocalObjectReference 2:key:s! 3:optional:*b',
    SecretKeySelector: '1:~:LocalObjectReference 2:key:s! 3:optional:*b',
    FileKeySelector: '1:volumeName:s! 2:path:s! 3:key:s! 4:optional:*b',
    ExecAction: '1:command:[]s',
    HTTPGetAction: '1:path:s 2:port:IntOrString! 3:host:s 4:scheme:s 5:httpHeaders:[]HTTPHeader 6:protocol:*s',
    TCPSocketAction: '1:port:IntOrString! 2:host:s',
    GRPCAction: '1:port:i32! 2:service:*s! 3:mode:*s',
    SleepAction: '1:seconds:i64!',
    ImageVolumeStatus: '1:imageRef:s',
    NodeSelectorRequirement: '1:key:s! 2:operator:s! 3:values:[]s',
    HTTPHeader: '1:name:s! 2:value:s!',
  },
};
