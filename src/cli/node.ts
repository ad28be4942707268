// The node half of `berth server` (and later `berth agent`): flags, NodeConfig, and the one place
// where images, pod network, volumes, runtime, registration and the streaming server are composed.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ApiClient } from '../machinery/client';
import type { Clock } from '../machinery/clock';
import { NodeAgent } from '../node/agent';
import { ImageService } from '../node/images/image-service';
import { CniNetwork } from '../node/network/cni-network';
import { NodeRegistration } from '../node/registration';
import { hostEnv, nodeProblems } from '../node/preflight';
import { StreamingServer } from '../node/streaming/server';
import type { NodeConfig } from '../node/types';
import { VolumeManager } from '../node/volumes/volume-manager';
import { CsiNodePublisher } from '../node/csi-node';
import { Recorder } from '../controllers/events';
import type { Storage } from './storage';
import type { FlagSpec } from './flags';

export const nodeFlags: FlagSpec[] = [
  { name: 'node', help: 'Run the in-process node agent that runs pods (--node=false: control plane only)', boolean: true, default: 'true' },
  { name: 'node-name', help: 'Name of the in-process node (default: the host name)' },
  { name: 'pod-cidr', help: "This node's pod CIDR", default: '10.244.0.0/24' },
  { name: 'bridge', help: 'Linux bridge for pod networking (at most 15 characters)', default: 'berth0' },
  { name: 'cgroup-parent', help: 'cgroup under which pods and containers are created', default: 'berth' },
  { name: 'kubelet-port', help: "Port of the node's streaming server (exec, attach, logs, port-forward); 0 picks one", default: '10250' },
  { name: 'registry-mirror', help: 'Registry mirrors, REGISTRY=URL[,REGISTRY=URL…] (e.g. docker.io=http://127.0.0.1:5000)' },
  { name: 'insecure-registry', help: 'Registries reached over plain HTTP or unverified TLS, HOST[:PORT][,…]' },
];

/** NodeConfig from the flags, or undefined with --node=false. Throws on bad values, naming the flag. */
export function nodeConfigFrom(values: Map<string, string>, dataDir: string): NodeConfig | undefined {
  if (values.get('node') === 'false') return undefined;
  const nodeName = (values.get('node-name') ?? hostname()).toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(nodeName)) throw new Error(`--node-name "${nodeName}" is not a valid node name: use lowercase letters, digits, '-' and '.'`);
  const podCIDR = values.get('pod-cidr') ?? '10.244.0.0/24';
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(podCIDR);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 8 || Number(m[5]) > 28) throw new Error(`--pod-cidr "${podCIDR}" is not an IPv4 CIDR between /8 and /28, e.g. 10.244.0.0/24`);
  const bridge = values.get('bridge') ?? 'berth0';
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new Error(`--bridge "${bridge}" is not a Linux interface name: 1–15 letters, digits, '_', '.', '-'`);
  const cgroupParent = values.get('cgroup-parent') ?? 'berth';
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(cgroupParent) || cgroupParent.split('/').includes('..')) throw new Error(`--cgroup-parent "${cgroupParent}" must be a relative cgroup path like berth or system/berth`);
  const port = Number(values.get('kubelet-port') ?? '10250');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--kubelet-port "${values.get('kubelet-port') ?? ''}" is not a port number (0–65535)`);
  const mirrors: Record<string, string[]> = {};
  for (const entry of splitList(values.get('registry-mirror'))) {
    const eq = entry.indexOf('=');
    const registry = entry.slice(0, eq);
    const url = entry.slice(eq + 1);
    if (eq <= 0 || !/^https?:\/\/[^/]+/.test(url)) throw new Error(`--registry-mirror "${entry}" must be REGISTRY=URL, e.g. docker.io=http://127.0.0.1:5000`);
    (mirrors[registry] ??= []).push(url.replace(/\/+$/, ''));
  }
  return {
    nodeName,
    dataDir: join(dataDir, 'node'),
    podCIDR,
    bridge,
    cgroupParent,
    address: '',
    kubeletPort: port,
    mirrors,
    insecureRegistries: splitList(values.get('insecure-registry')),
  };
}

function splitList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface StartNodeOptions {
  config: NodeConfig;
  client: ApiClient;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** The streaming server's certificate (the API server's, or one from its CA). */
  tls: { certPem: string; keyPem: string };
  /** The bearer token the API server presents to the streaming server. */
  streamToken: string;
  /** Label the node as a control-plane node (the in-process node of `berth server`). */
  controlPlane: boolean;
  /** The process's CSI drivers (built-ins over this node's pool, external sockets). */
  storage: Storage;
}

export interface RunningNode {
  ready: Promise<void>;
  stopped: Promise<void>;
}

/** Composes and starts the node: images, network, volumes, pod agent, streaming, registration. */
export async function startNode(o: StartNodeOptions): Promise<RunningNode> {
  const { config, client, clock, signal } = o;
  const log = o.log.child({ component: 'node', node: config.nodeName });
  const network = new CniNetwork({ stateDir: join(config.dataDir, 'cni'), bridge: config.bridge, podCIDR: config.podCIDR, ...(config.address ? { hostIP: config.address } : {}), log });
  const address = config.address || network.hostIP;
  const cfg: NodeConfig = { ...config, address };
  const images = new ImageService({ root: join(cfg.dataDir, 'images'), mirrors: cfg.mirrors, insecureRegistries: cfg.insecureRegistries, log });
  // Unpacked layers keep setuid binaries: the store is made 0700 before anything else runs.
  await images.init();
  // The volume manager reports emptyDir overuse; the agent (made next) evicts the pod.
  const evict = { to: (_uid: string, _message: string): void => undefined };
  const recorder = new Recorder({ client, clock, source: { component: 'kubelet', host: cfg.nodeName }, log });
  const volumes = new VolumeManager({
    podsDir: join(cfg.dataDir, 'pods'), dataDir: cfg.dataDir, client, clock, log, nodeName: cfg.nodeName, recorder,
    csiDrivers: o.storage.drivers, csiSocketDir: o.storage.pluginDir, onEvict: (uid, message) => evict.to(uid, message),
  });
  const agent = new NodeAgent({ client, config: cfg, images, network, volumes, clock, log, recorder });
  evict.to = (uid, message) => agent.evict(uid, message);
  const streaming = new StreamingServer({ runtime: agent, host: address, port: cfg.kubeletPort, tls: o.tls, token: o.streamToken, log });
  try {
    await streaming.start(signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`cannot start the node's streaming server on ${address}:${cfg.kubeletPort}: the port is in use (another berth or kubelet?); pass --kubelet-port 0 or another port`, { cause: err });
    throw err;
  }
  const kubeletPort = streaming.address?.port ?? cfg.kubeletPort;
  const registration = new NodeRegistration({ client, clock, log, nodeName: cfg.nodeName, address, kubeletPort, podCIDR: cfg.podCIDR, dataDir: cfg.dataDir, controlPlane: o.controlPlane });
  const problems = await nodeProblems(hostEnv());
  if (problems.length > 0) {
    // Serve the API anyway; the node says why it can't run pods, and nothing is scheduled on it.
    for (const p of problems) log.warn({ problem: p }, 'the node cannot run pods');
    registration.setCondition('Ready', 'False', 'KubeletNotReady', problems.join('; '));
    const stopped = registration.start(signal).catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'node registration stopped'));
    return { ready: registration.ready, stopped: stopped.then(() => undefined) };
  }
  const csiNode = new CsiNodePublisher({ client, nodeName: cfg.nodeName, drivers: o.storage.drivers, log });
  const running = [registration.start(signal), volumes.start(signal), agent.start(signal), csiNode.start(signal)].map((p) =>
    p.catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'node component stopped')),
  );
  const ready = Promise.all([registration.ready, agent.ready]).then(() => log.info({ address, kubeletPort, podCIDR: cfg.podCIDR }, 'node ready'));
  return { ready, stopped: Promise.all(running).then(() => undefined) };
}
