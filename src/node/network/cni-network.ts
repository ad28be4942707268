// Pod sandboxes and networking for the node: persistent namespaces per pod, wired to a Linux bridge
// by Debian's CNI plugins (bridge + host-local, portmap, loopback).
import { execFileSync } from 'node:child_process';
import { readFile, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodNetworkProvider, PortMapping, SandboxNamespaces } from '../types';
import { cniAdd, cniDel, type CniInvocation } from './cni-exec';
import { buildConfList, cidrContains, cniArgs, networkName, parseCidr, portMappingsArg, resultIpv4 } from './conflist';
import { enableIpForward, ensureHostRules, removeHostRules, removeMasqRules } from './host-rules';
import { KeyedLock } from '../../machinery/keyed-lock';
import { readMounts } from '../../storage/mountinfo';
import { nsBinding } from './mountinfo';
import { createNamespaces, inspectNamespaces, removeNamespaces } from './namespaces';
import { type CachedAttachment, ResultCache } from './result-cache';
import { run, runOk } from './run';

export interface NetLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CniNetworkOptions {
  /** NodeConfig.dataDir + '/cni': IPAM reservations and the ADD result cache live here. */
  stateDir: string;
  /** Linux bridge name (≤ 15 chars), unique per Berth on a host. */
  bridge: string;
  podCIDR: string;
  pluginDirs?: string[];
  /** The node's address; found from the route to a public address when absent. */
  hostIP?: string;
  log?: NetLog;
}

/** A pod sandbox found on disk (see listSandboxes). */
export interface SandboxInfo {
  uid: string;
  /** The namespace dir to pass to tearDown. */
  dir: string;
  /** Which namespace files are live nsfs bind mounts. */
  namespaces: { net: boolean; ipc: boolean; uts: boolean };
  /** The pod IP from the ADD cache, when the pod was wired. */
  ip?: string;
}

const IFNAME = 'eth0';
const UID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const silent: NetLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export class CniNetwork implements PodNetworkProvider {
  readonly hostIP: string;
  private readonly bridge: string;
  private readonly podCIDR: string;
  private readonly pluginDirs: string[];
  private readonly ipamDir: string;
  private readonly cache: ResultCache;
  private readonly log: NetLog;
  private readonly perPod = new KeyedLock();
  /** Guards the shared host rules against a concurrent "last pod gone" cleanup. */
  private readonly host = new KeyedLock();
  private inflight = 0;
  private hostRulesReady = false;

  constructor(opts: CniNetworkOptions) {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(opts.bridge)) {
      throw new Error(`Cannot use bridge name "${opts.bridge}": Linux allows 1-15 letters, digits, "_", "-" or "."; choose a shorter name`);
    }
    parseCidr(opts.podCIDR); // fail at start-up, not at the first pod
    this.bridge = opts.bridge;
    this.podCIDR = opts.podCIDR;
    this.pluginDirs = opts.pluginDirs ?? ['/usr/lib/cni', '/opt/cni/bin'];
    this.ipamDir = join(opts.stateDir, 'ipam');
    this.cache = new ResultCache(join(opts.stateDir, 'results'));
    this.log = opts.log ?? silent;
    this.hostIP = opts.hostIP ?? detectHostIP();
  }

  createNamespaces(dir: string, hostname: string): Promise<SandboxNamespaces> {
    return this.perPod.run(`ns:${dir}`, () => createNamespaces(dir, hostname));
  }

  async setUp(
    pod: { uid: string; namespace: string; name: string; portMappings: PortMapping[] },
    ns: SandboxNamespaces,
  ): Promise<{ ip: string }> {
    checkUid(pod.uid);
    return this.perPod.run(pod.uid, async () => {
      const netns = await realpath(ns.net).catch(() => ns.net);
      if (nsBinding(await readMounts(), netns, 'net') === undefined) {
        throw new Error(`Cannot set up the network of pod ${pod.namespace}/${pod.name}: ${ns.net} is not a network namespace; call createNamespaces first`);
      }
      const cached = await this.cache.get(pod.uid);
      if (cached) {
        if (cached.netns === netns && (await podAddress(netns)) === cached.ip) return { ip: cached.ip };
        // The namespace was recreated (or lost its interface): undo the old attachment, then redo.
        this.log.warn({ pod: pod.uid, ip: cached.ip }, 'pod network attachment is stale; re-creating it');
        await this.del({ ...cached, capabilityArgs: anyPortArgs }, false);
        await this.cache.delete(pod.uid);
      }
      await this.host.run('rules', async () => {
        // Checked once while pods exist (each iptables call takes the host-wide xtables lock).
        if (!this.hostRulesReady) {
          await enableIpForward();
          await ensureHostRules(this.bridge, this.podCIDR);
          this.hostRulesReady = true;
        }
        this.inflight++;
      });
      try {
        return { ip: await this.add(pod, netns) };
      } finally {
        this.inflight--;
      }
    });
  }

  private async add(pod: { uid: string; namespace: string; name: string; portMappings: PortMapping[] }, netns: string): Promise<string> {
    const ports = portMappingsArg(pod.portMappings);
    const confList = buildConfList({ bridge: this.bridge, podCIDR: this.podCIDR, ipamDataDir: this.ipamDir, hostPorts: ports.length > 0 });
    const inv: CniInvocation = {
      containerId: pod.uid,
      netns,
      ifName: IFNAME,
      args: cniArgs(pod),
      capabilityArgs: ports.length > 0 ? { portMappings: ports } : {},
    };
    let result: unknown;
    try {
      result = await cniAdd(confList, inv, this.pluginDirs);
    } catch (e) {
      // A half-done ADD holds an IP and maybe rules; release them so a retry starts clean.
      await this.del({ ...inv, capabilityArgs: anyPortArgs, confList, result: undefined, ip: '' }, false);
      throw e;
    }
    const ip = resultIpv4(result);
    if (!ip || !cidrContains(this.podCIDR, ip)) {
      await this.del({ ...inv, confList, result, ip: '' }, false);
      throw new Error(`Cannot set up the network of pod ${pod.namespace}/${pod.name}: the CNI result has no IPv4 address in ${this.podCIDR}: ${JSON.stringify(result)}`);
    }
    await this.cache.put(pod.uid, { ...inv, confList, result, ip });
    this.log.info({ pod: pod.uid, ip, ports: ports.length }, 'pod network set up');
    return ip;
  }

  async tearDown(podUid: string, dir: string): Promise<void> {
    checkUid(podUid);
    await this.perPod.run(podUid, async () => {
      const netnsFile = join(await realpath(dir).catch(() => dir), 'net');
      const live = nsBinding(await readMounts(), netnsFile, 'net') !== undefined;
      const cached = await this.cache.get(podUid);
      if (cached) {
        await this.del({ ...cached, netns: live ? netnsFile : '' }, true);
      } else if (await this.ipamHolds(podUid)) {
        // No cache (a crash between ADD and the cache write): DEL by container ID with today's config.
        const confList = buildConfList({ bridge: this.bridge, podCIDR: this.podCIDR, ipamDataDir: this.ipamDir });
        const inv = { containerId: podUid, netns: live ? netnsFile : '', ifName: IFNAME, args: 'IgnoreUnknown=1', capabilityArgs: anyPortArgs };
        await this.del({ ...inv, confList, result: undefined, ip: '' }, true);
      }
      await this.perPod.run(`ns:${dir}`, () => removeNamespaces(dir));
      await this.cache.delete(podUid);
    });
    await this.host.run('rules', async () => {
      if (this.inflight === 0 && (await this.cache.uids()).length === 0) {
        this.hostRulesReady = false;
        await removeHostRules(this.bridge);
      }
    });
  }

  /** DEL of a cached attachment; `strict` rethrows so the caller keeps its state for a retry. */
  private async del(entry: CachedAttachment, strict: boolean): Promise<void> {
    let failure: Error | undefined;
    await cniDel(entry.confList, entry, this.pluginDirs, entry.result).catch((e: Error) => (failure = e));
    // Attachments made with the bridge plugin's own per-pod masquerade chain (older Berth) leave it behind.
    if (entry.confList.plugins[0]?.['ipMasq'] === true) await removeMasqRules(entry.confList.name, entry.containerId).catch((e: Error) => (failure ??= e));
    if (!failure) return;
    this.log.error({ pod: entry.containerId, err: failure.message }, 'CNI DEL failed');
    if (strict) throw new Error(`Cannot tear down the network of pod ${entry.containerId}: ${failure.message}; fix the cause and retry`, { cause: failure });
  }

  private async ipamHolds(uid: string): Promise<boolean> {
    const dir = join(this.ipamDir, networkName(this.bridge));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return false;
    }
    for (const name of names) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(name)) continue;
      const owner = (await readFile(join(dir, name), 'utf8').catch(() => '')).split(/\r?\n/)[0]?.trim();
      if (owner === uid) return true;
    }
    return false;
  }

  /**
   * Sandboxes left on disk, e.g. after a restart: every `<podsDir>/<uid>/ns` dir and every pod with
   * a cached attachment. The agent tears down those whose pod no longer exists.
   */
  async listSandboxes(podsDir: string): Promise<SandboxInfo[]> {
    const byUid = new Map<string, SandboxInfo>();
    const entries = await readdir(podsDir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || !UID_RE.test(e.name)) continue;
      const dir = join(podsDir, e.name, 'ns');
      const found = await inspectNamespaces(dir);
      if (await readdir(dir).then(() => true, () => false)) {
        byUid.set(e.name, { uid: e.name, dir, namespaces: { net: !!found.net, ipc: !!found.ipc, uts: !!found.uts } });
      }
    }
    for (const uid of await this.cache.uids()) {
      const cached = await this.cache.get(uid);
      const info = byUid.get(uid) ?? { uid, dir: join(podsDir, uid, 'ns'), namespaces: { net: false, ipc: false, uts: false } };
      if (cached?.ip) info.ip = cached.ip;
      byUid.set(uid, info);
    }
    return [...byUid.values()];
  }

  /** When no pod uses the network: removes the host rules and the bridge (node removal, tests). */
  async removeUnused(): Promise<boolean> {
    return this.host.run('rules', async () => {
      if (this.inflight > 0 || (await this.cache.uids()).length > 0) return false;
      this.hostRulesReady = false;
      await removeHostRules(this.bridge);
      const res = await run('ip', ['link', 'del', this.bridge]);
      if (res.code !== 0 && !/Cannot find device/.test(res.stderr)) throw new Error(`Cannot remove bridge ${this.bridge}: ${res.stderr.trim()}`);
      return true;
    });
  }
}

// portmap skips DEL without mappings; any mapping makes it remove its chains by container ID, for
// the cases where we cannot know what an ADD did.
const anyPortArgs = { portMappings: [{ hostPort: 1, containerPort: 1, protocol: 'tcp' }] };

function checkUid(uid: string): void {
  if (!UID_RE.test(uid)) throw new Error(`Cannot use pod UID "${uid}" as a CNI container ID: only letters, digits, "_", "." and "-" are allowed`);
}

/** The IPv4 address on the pod's eth0, or '' when it has none. */
async function podAddress(netns: string): Promise<string> {
  const out = await runOk('nsenter', [`--net=${netns}`, 'ip', '-4', '-o', 'addr', 'show', 'dev', IFNAME]).catch(() => '');
  return /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1] ?? '';
}

/** The source address the host uses towards the internet; the first global IPv4 as a fallback. */
function detectHostIP(): string {
  try {
    const out = execFileSync('ip', ['-4', '-o', 'route', 'get', '1.1.1.1'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const src = /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(out)?.[1];
    if (src) return src;
  } catch {
    // no default route: fall through
  }
  try {
    const out = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'scope', 'global'], { encoding: 'utf8', timeout: 5000 });
    const addr = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1];
    if (addr) return addr;
  } catch {
    // ip missing: reported when pods are set up
  }
  return '127.0.0.1';
}
