// Builds a container's OCI runtime config (config.json) from the pod, the container spec and the
// image config, the way containerd/CRI-O do for the kubelet: default mounts, capabilities, masked
// paths; the pod's net/ipc/uts namespaces joined, own pid and mount namespaces; resources as
// cgroup v1 values. Pure: everything read from disk is passed in.
import { milliValue, quantityValue, parseQuantity } from '../../machinery/quantity';
import type { ContainerSpec, ImageConfig, OciDevice, OciMount, Pod, SandboxNamespaces } from '../types';
import { containerArgs } from './command';
import type { ProcessUser } from './user';

/** containerd's default capability set for unprivileged containers. */
export const defaultCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Every capability runc 1.1 knows (for privileged and "ALL"). */
export const allCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export const defaultMaskedPaths = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const defaultReadonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface OciSpecInput {
  pod: Pod;
  container: ContainerSpec;
  image: ImageConfig;
  /** The container's resolved env (envFrom + env), in order. */
  env: [string, string][];
  /** Volume mounts from the VolumeProvider. */
  volumeMounts: OciMount[];
  /** Block devices from the VolumeProvider (the container's volumeDevices). */
  devices?: OciDevice[];
  /** Host files the pod shares: etc-hosts, resolv.conf, hostname; plus this instance's termination log. */
  files: { hosts: string; resolvConf: string; hostname: string; terminationLog: string };
  namespaces: SandboxNamespaces;
  cgroupsPath: string;
  user: ProcessUser;
  annotations?: Record<string, string>;
}

export interface OciSpec {
  ociVersion: string;
  process: Record<string, unknown> & { args: string[]; env: string[]; cwd: string; terminal: boolean };
  root: { path: string; readonly: boolean };
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: Record<string, unknown>;
}

/** Image env then container env; a container value replaces the image's in place. */
export function mergeEnv(image: ImageConfig, env: [string, string][], extra: [string, string][]): [string, string][] {
  const out = new Map<string, string>();
  for (const kv of image.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) out.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const [k, v] of extra) if (!out.has(k)) out.set(k, v);
  for (const [k, v] of env) out.set(k, v);
  if (!out.has('PATH')) out.set('PATH', defaultPath);
  return [...out];
}

function capName(c: string): string {
  const u = c.toUpperCase();
  return u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** Capabilities after securityContext add/drop over the default set. */
export function capabilitiesFor(sc: Record<string, unknown>, privileged: boolean): string[] {
  if (privileged) return [...allCapabilities];
  const caps = (sc['capabilities'] ?? {}) as { add?: string[]; drop?: string[] };
  const add = (caps.add ?? []).map(capName);
  const drop = (caps.drop ?? []).map(capName);
  let set = add.includes('CAP_ALL') ? [...allCapabilities] : [...defaultCapabilities];
  for (const a of add) if (a !== 'CAP_ALL' && !set.includes(a)) set.push(a);
  if (drop.includes('CAP_ALL')) set = add.filter((a) => a !== 'CAP_ALL');
  else set = set.filter((c) => !drop.includes(c));
  return set;
}

/** cgroup v1 values for the container's requests/limits (kubelet's MilliCPUToShares/Quota). */
export function cgroupResources(resources: ContainerSpec['resources']): { cpu: Record<string, number>; memory?: { limit: number } } {
  const req = resources?.requests ?? {};
  const lim = resources?.limits ?? {};
  const cpuReq = req['cpu'] ?? lim['cpu'];
  const milli = cpuReq !== undefined ? Number(milliValue(parseQuantity(cpuReq))) : 0;
  const cpu: Record<string, number> = { shares: Math.max(2, Math.floor((milli * 1024) / 1000)) };
  if (lim['cpu'] !== undefined) {
    const limMilli = Number(milliValue(parseQuantity(lim['cpu'])));
    cpu['period'] = 100000;
    cpu['quota'] = Math.max(1000, Math.floor((limMilli * 100000) / 1000));
  }
  const mem = lim['memory'];
  return { cpu, ...(mem !== undefined ? { memory: { limit: Number(quantityValue(parseQuantity(mem))) } } : {}) };
}

function defaultMounts(privileged: boolean): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  ];
}

const bind = (source: string, destination: string, ro = false): OciMount => ({ destination, source, type: 'bind', options: ['rbind', 'rprivate', ro ? 'ro' : 'rw'] });

export function buildOciSpec(i: OciSpecInput): OciSpec {
  const { pod, container: c, image } = i;
  const podSc = pod.spec.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const privileged = sc['privileged'] === true;
  const hostname = pod.spec.hostname || pod.metadata.name || '';
  const extra: [string, string][] = [['HOSTNAME', hostname]];
  if (c.tty) extra.push(['TERM', 'xterm']);
  const env = mergeEnv(image, i.env, extra);
  const args = containerArgs(c, image, new Map(env));
  const caps = capabilitiesFor(sc, privileged);
  const noNewPrivileges = !privileged && sc['allowPrivilegeEscalation'] === false;

  const volumeDests = new Set(i.volumeMounts.map((m) => m.destination));
  const mounts = defaultMounts(privileged).filter((m) => !volumeDests.has(m.destination));
  const termPath = c.terminationMessagePath || '/dev/termination-log';
  // The kubelet skips its managed /etc/hosts when a volume already covers it; so do we.
  if (!pod.spec.hostNetwork && !volumeDests.has('/etc/hosts')) mounts.push(bind(i.files.hosts, '/etc/hosts'));
  if (!volumeDests.has('/etc/resolv.conf')) mounts.push(bind(i.files.resolvConf, '/etc/resolv.conf'));
  if (!volumeDests.has('/etc/hostname')) mounts.push(bind(i.files.hostname, '/etc/hostname'));
  if (!volumeDests.has(termPath)) mounts.push(bind(i.files.terminationLog, termPath));
  mounts.push(...i.volumeMounts);

  const ns = i.namespaces;
  // hostNetwork pods share the host's network and UTS namespaces (no entry: runc stays in ours);
  // hostIPC likewise; hostPID drops the private pid namespace.
  const namespaces = [
    ...(pod.spec['hostPID'] === true ? [] : [{ type: 'pid' }]),
    { type: 'mount' },
    ...(pod.spec.hostNetwork ? [] : [{ type: 'network', path: ns.net }, { type: 'uts', path: ns.uts }]),
    ...(pod.spec['hostIPC'] === true ? [] : [{ type: 'ipc', path: ns.ipc }]),
  ];
  const res = cgroupResources(c.resources);
  const devices = i.devices ?? [];
  const linux: Record<string, unknown> = {
    namespaces,
    cgroupsPath: i.cgroupsPath,
    // runc creates each node in the container's /dev; the cgroup rule after deny-all lets it be
    // opened ("r" only for a read-only volume, as the kubelet asks of the runtime).
    ...(devices.length > 0 ? { devices: devices.map((d) => ({ path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: 0o660, uid: 0, gid: 0 })) } : {}),
    resources: {
      devices: [{ allow: privileged, access: 'rwm' }, ...devices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.readOnly ? 'r' : 'rwm' }))],
      cpu: res.cpu,
      ...(res.memory ? { memory: res.memory } : {}),
    },
  };
  if (!privileged) {
    linux['maskedPaths'] = defaultMaskedPaths;
    linux['readonlyPaths'] = defaultReadonlyPaths;
  }
  const oomScoreAdj = typeof podSc['oomScoreAdj'] === 'number' ? podSc['oomScoreAdj'] : undefined;
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: c.tty === true,
      user: i.user,
      args,
      env: env.map(([k, v]) => `${k}=${v}`),
      cwd: c.workingDir || image.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges,
      ...(oomScoreAdj !== undefined ? { oomScoreAdj } : {}),
    },
    root: { path: 'rootfs', readonly: sc['readOnlyRootFilesystem'] === true },
    mounts,
    annotations: { ...(i.annotations ?? {}) },
    linux,
  };
}
