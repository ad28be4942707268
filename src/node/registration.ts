// The kubelet's node registration and heartbeats: registers the Node (labels, pod CIDR,
// capacity/allocatable, conditions, addresses, daemon endpoint, nodeInfo), renews a Lease in
// kube-node-lease every 10 s, and re-posts status when it differs from what the API holds or
// every 5 minutes. Talks to the API only through ApiClient, so it runs in- or out-of-process.
import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { ApiClient, ResourceRef } from '../machinery/client';
import type { Clock } from '../machinery/clock';
import type { KObject } from '../machinery/types';
import { type Timer, realTimer } from '../controllers/queue';
import { type NodeCondition, type NodeFacts, conditionDefaults, desiredNodeStatus, nodeLabels, statusDiffers } from './node-status';
import { nodeRef } from '../machinery/refs';

export const LEASE_NAMESPACE = 'kube-node-lease';
const leaseRef: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

export interface RegistrationLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NodeRegistrationOptions {
  client: ApiClient;
  clock: Clock;
  timer?: Timer;
  log: RegistrationLog;
  nodeName: string;
  /** InternalIP. */
  address: string;
  kubeletPort: number;
  podCIDR: string;
  /** Overrides of probed capacity, e.g. {cpu: "2", memory: "4Gi"}. */
  capacity?: Record<string, string>;
  /** Where pods keep their data: ephemeral-storage is this filesystem's size. */
  dataDir?: string;
  /** Labels the node node-role.kubernetes.io/control-plane (the in-process node). */
  controlPlane?: boolean;
  leaseDurationSeconds?: number;
  /** Lease renewal period (kubelet: 10 s). */
  renewIntervalMs?: number;
  /** How often status is compared with the API's (kubelet nodeStatusUpdateFrequency: 10 s). */
  statusCheckMs?: number;
  /** Status is re-posted at least this often (kubelet nodeStatusReportFrequency: 5 min). */
  statusReportMs?: number;
}

const microTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');
const reasonOf = (err: unknown): string | undefined => (err as { reason?: string } | undefined)?.reason;
const msgOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class NodeRegistration {
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly timer: Timer;
  private readonly overrides = new Map<string, Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>>();
  private facts: NodeFacts | undefined;
  private nodeUid = '';
  private lease: KObject | undefined;
  private lastReport = -Infinity;
  private wake: (() => void) | undefined;

  constructor(private readonly o: NodeRegistrationOptions) {
    this.timer = o.timer ?? realTimer;
    this.ready = new Promise((r) => (this.markReady = r));
  }

  /**
   * Sets a condition the agent decides (e.g. DiskPressure True when eviction thresholds are
   * crossed); `status: undefined` returns it to the default. Posted on the next status check.
   */
  setCondition(type: string, status: 'True' | 'False' | 'Unknown' | undefined, reason?: string, message?: string): void {
    if (status === undefined) this.overrides.delete(type);
    else this.overrides.set(type, { type, status, reason: reason ?? '', message: message ?? '' });
    this.wake?.();
  }

  /** Registers, then heartbeats until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    this.facts = await probeFacts(this.o);
    let cancelLease: (() => void) | undefined;
    let cancelStatus: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        cancelLease?.();
        cancelStatus?.();
        resolve();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
    const leaseTick = async () => {
      await this.renewLease().catch((err: unknown) => this.o.log.warn({ node: this.o.nodeName, err: msgOf(err) }, 'could not renew node lease'));
      if (!signal.aborted) cancelLease = this.timer.setTimeout(() => void leaseTick(), this.o.renewIntervalMs ?? 10_000);
    };
    const statusTick = async () => {
      this.wake = undefined;
      await this.syncNode().catch((err: unknown) => this.o.log.warn({ node: this.o.nodeName, err: msgOf(err) }, 'could not update node status'));
      if (signal.aborted) return;
      const next = () => {
        cancelStatus?.();
        void statusTick();
      };
      cancelStatus = this.timer.setTimeout(next, this.nodeUid ? (this.o.statusCheckMs ?? 10_000) : 1000);
      this.wake = next;
    };
    await statusTick();
    await leaseTick();
    await stopped;
  }

  private now(): Date {
    return this.o.clock.now();
  }

  private desired(current: KObject | undefined): ReturnType<typeof desiredNodeStatus> {
    const conds = conditionDefaults().map((c) => this.overrides.get(c.type) ?? c);
    return desiredNodeStatus(this.o, this.facts as NodeFacts, conds, current, this.now());
  }

  /** Creates the Node, or brings an existing one's labels, pod CIDR and status up to date. */
  private async syncNode(): Promise<void> {
    const { client, nodeName } = this.o;
    let node: KObject | undefined;
    try {
      node = await client.get(nodeRef, undefined, nodeName);
    } catch (err) {
      if (reasonOf(err) !== 'NotFound') throw err;
    }
    if (!node) {
      const created = await client.create(nodeRef, undefined, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: nodeName, labels: nodeLabels(this.o), annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
        spec: { podCIDR: this.o.podCIDR, podCIDRs: [this.o.podCIDR] },
        status: this.desired(undefined),
      });
      this.registered(created, 'registered node');
      return;
    }
    if (!this.nodeUid || this.nodeUid !== node.metadata.uid) {
      const labels = nodeLabels(this.o);
      const spec = (node.spec ?? {}) as { podCIDR?: string };
      const have = node.metadata.labels ?? {};
      const missing = Object.entries(labels).some(([k, v]) => have[k] !== v);
      if (missing || !spec.podCIDR) {
        node = await client.patch(nodeRef, undefined, nodeName, 'merge', {
          metadata: { labels },
          ...(spec.podCIDR ? {} : { spec: { podCIDR: this.o.podCIDR, podCIDRs: [this.o.podCIDR] } }),
        });
      }
      this.registered(node, 'node already registered; updated');
    }
    const status = this.desired(node);
    const due = this.timer.now() - this.lastReport >= (this.o.statusReportMs ?? 5 * 60_000);
    if (!due && !statusDiffers(node, status)) return;
    await client.patch(nodeRef, undefined, nodeName, 'merge', { status }, {}, 'status');
    this.lastReport = this.timer.now();
  }

  private registered(node: KObject, msg: string): void {
    this.nodeUid = node.metadata.uid ?? '';
    this.lastReport = this.timer.now();
    this.lease = undefined;
    this.o.log.info({ node: this.o.nodeName }, msg);
    this.markReady();
  }

  /** Renews (or creates) the node's Lease; the node lifecycle controller watches its renewTime. */
  private async renewLease(): Promise<void> {
    if (!this.nodeUid) return;
    const { client, nodeName } = this.o;
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: this.o.leaseDurationSeconds ?? 40, renewTime: microTime(this.now()) };
    if (this.lease) {
      try {
        this.lease = await client.update(leaseRef, LEASE_NAMESPACE, { ...this.lease, spec: { ...(this.lease.spec as object), ...spec } });
        return;
      } catch (err) {
        if (reasonOf(err) !== 'Conflict' && reasonOf(err) !== 'NotFound') throw err;
        this.lease = undefined;
      }
    }
    try {
      const cur = await client.get(leaseRef, LEASE_NAMESPACE, nodeName);
      this.lease = await client.update(leaseRef, LEASE_NAMESPACE, { ...cur, spec: { ...(cur.spec as object), ...spec } });
    } catch (err) {
      if (reasonOf(err) !== 'NotFound') throw err;
      this.lease = await client.create(leaseRef, LEASE_NAMESPACE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: nodeName, namespace: LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: this.nodeUid }] },
        spec,
      });
    }
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => execFile(cmd, args, { timeout: 5000 }, (err, out) => resolve(err ? '' : out)));
}

const readTrim = (p: string): Promise<string> => readFile(p, 'utf8').then((s) => s.trim(), () => '');

/** What the host says about itself (the kubelet's cadvisor + runtime facts). */
export async function probeFacts(o: Pick<NodeRegistrationOptions, 'dataDir'>): Promise<NodeFacts> {
  const [osRelease, machineID, productUUID, bootID, runc, fs] = await Promise.all([
    readFile('/etc/os-release', 'utf8').catch(() => ''),
    readTrim('/etc/machine-id'),
    readTrim('/sys/class/dmi/id/product_uuid'),
    readTrim('/proc/sys/kernel/random/boot_id'),
    run('runc', ['--version']),
    statfs(o.dataDir ?? '/').catch(() => undefined),
  ]);
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  const runcVersion = /runc version (\S+)/.exec(runc)?.[1];
  return {
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
    diskBytes: fs ? fs.blocks * fs.bsize : 0,
    hostname: os.hostname(),
    kernelVersion: os.release(),
    osImage: pretty,
    containerRuntimeVersion: runcVersion ? `runc://${runcVersion}` : 'runc://unknown',
    machineID,
    systemUUID: productUUID || machineID,
    bootID,
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
  };
}
