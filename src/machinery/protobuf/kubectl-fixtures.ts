// A pod override that reaches most of the PodSpec tree, so `kubectl run --overrides` makes kubectl
// encode (and the decoder decode) nearly every core/v1 pod message, including pointer zeros.
export const bigPodOverride = {
  metadata: { annotations: { note: 'x' }, finalizers: ['a/b'] },
  spec: {
    terminationGracePeriodSeconds: 0,
    activeDeadlineSeconds: 30,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    shareProcessNamespace: false,
    hostNetwork: false,
    priority: 0,
    dnsPolicy: 'None',
    dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    hostAliases: [{ ip: '10.0.0.1', hostnames: ['h1', 'h2'] }],
    nodeSelector: { disk: 'ssd', zeta: '', alpha: '1' },
    readinessGates: [{ conditionType: 'example.com/ready' }],
    schedulingGates: [{ name: 'gate' }],
    os: { name: 'linux' },
    securityContext: {
      runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, fsGroup: 0, supplementalGroups: [1, 2, 3000000000],
      sysctls: [{ name: 'net.core.somaxconn', value: '1024' }], fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' }, seLinuxOptions: { level: 's0:c1' },
    },
    tolerations: [
      { key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 0 },
      { operator: 'Exists' },
    ],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 1, preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n'] }] } },
        ],
      },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['x'] },
        }],
      },
    },
    topologySpreadConstraints: [{
      maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { a: 'b' } },
      minDomains: 1, nodeAffinityPolicy: 'Honor', matchLabelKeys: ['pod-template-hash'],
    }],
    overhead: { cpu: '250m', memory: '1Gi' },
    volumes: [
      { name: 'cm', configMap: { name: 'c', defaultMode: 0, optional: false, items: [{ key: 'a', path: 'a', mode: 420 }] } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
      { name: 'empty', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'host', hostPath: { path: '/tmp', type: 'DirectoryOrCreate' } },
      { name: 'claim', persistentVolumeClaim: { claimName: 'pvc', readOnly: true } },
      { name: 'dapi', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } }] } },
      { name: 'proj', projected: { defaultMode: 420, sources: [
        { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
        { configMap: { name: 'c' } },
      ] } },
      { name: 'nfs', nfs: { server: 'nfs.example', path: '/export', readOnly: false } },
      { name: 'eph', ephemeral: { volumeClaimTemplate: { metadata: { labels: { v: 'e' } }, spec: {
        accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } },
      } } } },
      { name: 'csi', csi: { driver: 'd.example', readOnly: true, volumeAttributes: { k: 'v' } } },
    ],
    initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
    containers: [{
      name: 'main', image: 'busybox:1.36', command: ['sh', '-c'], args: ['sleep 1d'], workingDir: '/w',
      imagePullPolicy: 'IfNotPresent', stdin: true, tty: true, terminationMessagePolicy: 'FallbackToLogsOnError',
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP', hostPort: 0 }, { containerPort: 53, protocol: 'UDP' }],
      env: [
        { name: 'A', value: 'B' },
        { name: 'EMPTY', value: '' },
        { name: 'NODE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
        { name: 'CM', valueFrom: { configMapKeyRef: { name: 'c', key: 'a', optional: true } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
      envFrom: [{ prefix: 'P_', secretRef: { name: 's', optional: false } }, { configMapRef: { name: 'c' } }],
      resources: { limits: { cpu: '1', memory: '512Mi', 'nvidia.com/gpu': '0' }, requests: { cpu: '0.5', memory: '1e3' } },
      resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      volumeMounts: [{ name: 'cm', mountPath: '/cm', readOnly: true, subPath: 'x', mountPropagation: 'None' }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X', value: '' }] },
        initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3, terminationGracePeriodSeconds: 0 },
      readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 1 },
      startupProbe: { exec: { command: ['true'] } },
      lifecycle: { preStop: { sleep: { seconds: 0 } }, postStart: { httpGet: { port: 8080, host: 'h' } } },
      securityContext: {
        privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsUser: 1000,
        capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, procMount: 'Default',
      },
    }],
  },
};
