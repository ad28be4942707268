// Contracts between the node agent's parts: images, pod network, volumes, runtime, streaming.
// Each part is built against these interfaces so it can be tested alone and composed once
// (src/node/agent.ts).
import type { KObject } from '../machinery/types';

/** A pod as the node sees it (loosely typed JSON; fields are read defensively). */
export type Pod = KObject & { spec: PodSpec; status?: Record<string, unknown> };

export interface PodSpec {
  nodeName?: string;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: VolumeSpec[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  hostname?: string;
  subdomain?: string;
  hostNetwork?: boolean;
  dnsPolicy?: string;
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  imagePullSecrets?: { name: string }[];
  [k: string]: unknown;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
  envFrom?: Record<string, unknown>[];
  ports?: { containerPort: number; hostPort?: number; protocol?: string; hostIP?: string; name?: string }[];
  volumeMounts?: VolumeMountSpec[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
  lifecycle?: Record<string, unknown>;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  [k: string]: unknown;
}

export interface VolumeMountSpec {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
  mountPropagation?: string;
}

export type VolumeSpec = { name: string } & Record<string, unknown>;

// ---------------------------------------------------------------- images

/** The parts of an OCI image config the runtime merges with a container spec. */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, unknown>;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Volumes?: Record<string, unknown> | null;
}

export interface ImageRecord {
  /** "sha256:<config digest>" — the image ID. */
  id: string;
  /** Normalized names, e.g. "docker.io/library/busybox:latest". */
  repoTags: string[];
  /** e.g. "docker.io/library/busybox@sha256:<manifest digest>". */
  repoDigests: string[];
  /** Sum of compressed layer sizes, bytes. */
  size: number;
  config: ImageConfig;
  architecture: string;
  os: string;
  created?: string;
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Why an image could not be had; `reason` becomes the container's waiting reason. */
export class ImagePullError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImagePullError';
  }
}

export interface RegistryAuth {
  /** Registry host as written in a docker config (e.g. "https://index.docker.io/v1/", "127.0.0.1:5000"). */
  server: string;
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
}

export interface PullProgress {
  layer: string;
  current: number;
  total: number;
  status: 'Waiting' | 'Downloading' | 'Verifying Checksum' | 'Download complete' | 'Extracting' | 'Pull complete' | 'Already exists';
}

export interface ImageProvider {
  /** Returns the image, pulling it as `policy` says. Throws ImagePullError. */
  ensureImage(image: string, policy: PullPolicy, opts?: { auths?: RegistryAuth[]; onProgress?: (p: PullProgress) => void; signal?: AbortSignal }): Promise<ImageRecord>;
  /** Unpacked layer directories of an image, top-most first (the order overlayfs lowerdir wants). */
  layerPaths(imageId: string): Promise<string[]>;
}

// ---------------------------------------------------------------- pod sandbox and network

/** Paths of a pod's shared namespaces (bind-mounted nsfs files) that containers join. */
export interface SandboxNamespaces {
  net: string;
  ipc: string;
  uts: string;
}

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostIP?: string;
}

export interface PodNetworkProvider {
  /** Creates the pod's net/ipc/uts namespaces under `dir` (idempotent: existing ones are reused). */
  createNamespaces(dir: string, hostname: string): Promise<SandboxNamespaces>;
  /** Wires the pod's network namespace (CNI ADD; idempotent). Returns the pod IP. */
  setUp(pod: { uid: string; namespace: string; name: string; portMappings: PortMapping[] }, ns: SandboxNamespaces): Promise<{ ip: string }>;
  /** CNI DEL, then unmounts and removes the namespaces. Safe to repeat. */
  tearDown(podUid: string, dir: string): Promise<void>;
  /** The node's internal IP (the bridge gateway is for pods; this is the host's address). */
  readonly hostIP: string;
}

// ---------------------------------------------------------------- volumes

/** One bind mount into a container (host source → container destination). */
export interface OciMount {
  destination: string;
  source: string;
  type: string;
  options: string[];
}

/** A raw block device handed to a container (a pod's volumeDevices entry). */
export interface OciDevice {
  /** The path inside the container (volumeDevices[].devicePath). */
  path: string;
  type: 'b' | 'c';
  major: number;
  minor: number;
  /** The device is opened read-only (ReadOnlyMany, or the claim source readOnly). */
  readOnly: boolean;
}

export interface VolumeProvider {
  /** Makes every volume of the pod present on the host (idempotent); resolves when all are ready. */
  setUp(pod: Pod): Promise<void>;
  /** The mounts for one container: volumeMounts resolved (subPath/subPathExpr made safe), readOnly applied. */
  containerMounts(pod: Pod, container: ContainerSpec, env: Record<string, string>): Promise<OciMount[]>;
  /** The block devices for one container's volumeDevices (claims with volumeMode Block). */
  containerDevices?(pod: Pod, container: ContainerSpec): Promise<OciDevice[]>;
  /** Unmounts and removes every volume of the pod. Safe to repeat. */
  tearDown(podUid: string): Promise<void>;
}

// ---------------------------------------------------------------- runtime as the streaming server sees it

/** Names a pod on this node; `uid` narrows it when given. */
export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

export interface TerminalSize {
  width: number;
  height: number;
}

export interface StreamIO {
  /** Absent: the process gets no stdin (reads EOF). */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /** Ignored with a TTY (the terminal merges both into stdout). */
  stderr?: NodeJS.WritableStream;
  tty: boolean;
  /** Terminal size changes from the client (only with tty). */
  onResize?: (listener: (size: TerminalSize) => void) => void;
  /** Aborted when the client goes away: kill what runs for it. */
  signal?: AbortSignal;
}

export class StreamTargetError extends Error {
  constructor(
    readonly code: 'NotFound' | 'BadRequest' | 'Conflict',
    message: string,
  ) {
    super(message);
    this.name = 'StreamTargetError';
  }
}

/** What the kubelet-style streaming server (logs, exec, attach, port-forward) asks of the runtime. */
export interface StreamRuntime {
  /** Runs `command` in a running container; resolves to its exit code. Throws StreamTargetError. */
  exec(pod: PodRef, container: string, command: string[], io: StreamIO): Promise<number>;
  /** Connects to the container's main process stdio; resolves when the client detaches or the process exits. */
  attach(pod: PodRef, container: string, io: StreamIO): Promise<void>;
  /** CRI-format log file (`<RFC3339Nano> stdout|stderr F|P <text>` per line) of the current or previous instance. */
  logFile(pod: PodRef, container: string, previous: boolean): Promise<string>;
  /** Whether the container's current instance runs (log follow ends when it stops). */
  containerRunning?(pod: PodRef, container: string): Promise<boolean>;
  /** A TCP connection to `port` inside the pod's network namespace. */
  portForward(pod: PodRef, port: number): Promise<import('node:net').Socket>;
}

// ---------------------------------------------------------------- node configuration

export interface NodeConfig {
  nodeName: string;
  /** Everything the node keeps on disk: images/, pods/<uid>/…, cni/, runc/. */
  dataDir: string;
  /** This node's pod CIDR, e.g. "10.244.0.0/24". */
  podCIDR: string;
  /** Linux bridge for pods (≤ 15 chars), unique per node on one host. */
  bridge: string;
  /** cgroup path under each controller's hierarchy, e.g. "berth" → /sys/fs/cgroup/memory/berth/pod<uid>/<container>. */
  cgroupParent: string;
  /** Address the node's streaming server listens on and reports as InternalIP. */
  address: string;
  /** Streaming (kubelet) port; 0 picks a free one. */
  kubeletPort: number;
  /** Registry mirrors by registry host, e.g. {"docker.io": ["http://127.0.0.1:5000"]}. */
  mirrors: Record<string, string[]>;
  /** Registries spoken to over plain HTTP or with unverified TLS, e.g. ["127.0.0.1:5000"]. */
  insecureRegistries: string[];
}
