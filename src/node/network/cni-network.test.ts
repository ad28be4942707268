// Real namespaces, real Debian CNI plugins, real iptables. Every name (bridge, CIDR, ports, netns,
// dirs) is unique to this run, and `after` removes all of it.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { type AddressInfo, createServer, connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SandboxNamespaces } from '../types';
import { CniNetwork } from './cni-network';
import { ensureForwardRules, removeForwardRules } from './host-rules';
import { inspectNamespaces } from './namespaces';
import { run } from './run';

const bridge = `bt${randomBytes(3).toString('hex')}`;
const cidrBase = `10.${randomInt(200, 251)}.${randomInt(0, 256)}`;
const podCIDR = `${cidrBase}.0/24`;
const hostPort = randomInt(30000, 32000);
const tmp = mkdtempSync('/tmp/berth-net-');
const podsDir = join(tmp, 'pods');
const stateDir = join(tmp, 'cni');
const otherHost = `${bridge}-o`; // netns standing in for another machine
const dropTag = `berth-test-drop:${bridge}`;
const children: ChildProcess[] = [];

function nsDir(uid: string): string {
  return join(podsDir, uid, 'ns');
}

async function sh(cmd: string, args: string[]): Promise<string> {
  const res = await run(cmd, args, { timeoutMs: 15_000 });
  assert.equal(res.code, 0, `${cmd} ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

/** A busybox nc server in a netns answering every connection with `reply`. */
function listenIn(netns: string, port: number, reply: string): ChildProcess {
  const child = spawn('nsenter', [`--net=${netns}`, 'busybox', 'nc', '-ll', '-p', String(port), '-e', 'busybox', 'echo', reply], { stdio: 'ignore' });
  children.push(child);
  return child;
}

/** Connects with busybox nc from a netns (retrying while the listener starts); returns what was read. */
async function ncFrom(netnsArg: string[], ip: string, port: number): Promise<string> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    const res = await run('nsenter', [...netnsArg, 'busybox', 'nc', '-w', '2', ip, String(port)], { timeoutMs: 5000 });
    if (res.code === 0 && res.stdout.trim() !== '') return res.stdout.trim();
    last = res.stderr;
    await new Promise((r) => setTimeout(r, 150));
  }
  return `failed: ${last}`;
}

function tcpRead(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 3000 });
    let data = '';
    s.on('data', (b: Buffer) => (data += b.toString()));
    s.on('end', () => resolve(data.trim()));
    s.on('timeout', () => s.destroy());
    s.on('error', (e) => resolve(`failed: ${e.message}`));
    s.on('close', () => resolve(data.trim()));
  });
}

function mountsUnderTmp(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(tmp));
}

function ipamFiles(): string[] {
  const dir = join(stateDir, 'ipam', `berth-${bridge}`);
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
}

async function bridgePorts(): Promise<number> {
  const res = await run('ip', ['-o', 'link', 'show', 'master', bridge]);
  return res.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

describe('CniNetwork (real namespaces and CNI plugins)', { timeout: 180_000 }, () => {
  const net = new CniNetwork({ stateDir, bridge, podCIDR });
  const ns: Record<string, SandboxNamespaces> = {};
  const ips: Record<string, string> = {};
  const pod = (uid: string, ports: { containerPort: number; hostPort: number }[] = []) => ({
    uid,
    namespace: 'default',
    name: `pod-${uid}`,
    portMappings: ports.map((p) => ({ ...p, protocol: 'TCP' as const })),
  });

  before(async () => {
    // Scoped to our bridge: like a Docker host's FORWARD DROP policy, but only for this test's traffic.
    await sh('iptables', ['-w', '5', '-A', 'FORWARD', '-o', bridge, '-m', 'comment', '--comment', dropTag, '-j', 'DROP']);
    await sh('iptables', ['-w', '5', '-A', 'FORWARD', '-i', bridge, '-m', 'comment', '--comment', dropTag, '-j', 'DROP']);
  });

  after(async () => {
    for (const c of children) if (c.pid) c.kill('SIGKILL');
    for (const uid of readdirSync(podsDir, { withFileTypes: true }).map((e) => e.name)) await net.tearDown(uid, nsDir(uid)).catch(() => undefined);
    await net.removeUnused().catch(() => undefined);
    await run('ip', ['link', 'del', bridge]);
    await run('ip', ['netns', 'del', otherHost]);
    await removeForwardRules(bridge).catch(() => undefined);
    for (const dir of ['-o', '-i']) await run('iptables', ['-w', '5', '-D', 'FORWARD', dir, bridge, '-m', 'comment', '--comment', dropTag, '-j', 'DROP']);
    for (const line of mountsUnderTmp().reverse()) await run('umount', ['-l', line.split(' ')[4] ?? '']);
    await rm(tmp, { recursive: true, force: true });
  });

  it('creates persistent net/ipc/uts namespaces with the hostname, idempotently', async () => {
    ns.a = await net.createNamespaces(nsDir('a'), 'pod-a');
    ns.b = await net.createNamespaces(nsDir('b'), 'pod-b');
    const first = await inspectNamespaces(nsDir('a'));
    assert.ok(first.net && first.ipc && first.uts, JSON.stringify(first));
    assert.equal((await sh('nsenter', [`--uts=${ns.a.uts}`, 'hostname'])).trim(), 'pod-a');
    assert.equal((await sh('nsenter', [`--uts=${ns.b.uts}`, 'hostname'])).trim(), 'pod-b');
    assert.notEqual(first.ipc, readlinkSync('/proc/self/ns/ipc'));
    assert.notEqual(first.ipc, (await inspectNamespaces(nsDir('b'))).ipc);
    assert.notEqual(first.net, readlinkSync('/proc/self/ns/net'));
    // Again (as after a Berth restart): the same namespaces come back, nothing is stacked.
    const again = await net.createNamespaces(nsDir('a'), 'pod-a');
    assert.deepEqual(again, ns.a);
    assert.deepEqual(await inspectNamespaces(nsDir('a')), first);
    assert.equal(mountsUnderTmp().filter((l) => l.includes(`${nsDir('a')}/net `)).length, 1);
  });

  it('gives two pods IPs from the CIDR; a repeated ADD returns the same IP', async () => {
    ips.a = (await net.setUp(pod('a', [{ containerPort: 7000, hostPort }]), ns.a!)).ip;
    ips.b = (await net.setUp(pod('b'), ns.b!)).ip;
    for (const ip of [ips.a, ips.b]) assert.match(ip, new RegExp(`^${cidrBase.replace(/\./g, '\\.')}\\.\\d+$`));
    assert.notEqual(ips.a, ips.b);
    assert.notEqual(ips.a, `${cidrBase}.1`);
    assert.deepEqual(await net.setUp(pod('a', [{ containerPort: 7000, hostPort }]), ns.a!), { ip: ips.a });
    assert.equal(await bridgePorts(), 2);
    assert.equal(ipamFiles().length, 2);
    assert.equal((await sh('sysctl', ['-n', 'net.ipv4.ip_forward'])).trim(), '1');
  });

  it('has lo up inside the pod', async () => {
    listenIn(ns.a!.net, 7000, 'hello-from-a');
    assert.equal(await ncFrom([`--net=${ns.a!.net}`], '127.0.0.1', 7000), 'hello-from-a');
  });

  it('connects pod to pod, host to pod and pod to host', async () => {
    assert.equal(await ncFrom([`--net=${ns.b!.net}`], ips.a!, 7000), 'hello-from-a');
    assert.equal(await tcpRead(ips.a!, 7000), 'hello-from-a');
    const server = createServer((s) => s.end('hello-from-host\n'));
    await new Promise<void>((r) => server.listen(0, net.hostIP, r));
    try {
      const port = (server.address() as AddressInfo).port;
      assert.equal(await ncFrom([`--net=${ns.b!.net}`], net.hostIP, port), 'hello-from-host');
    } finally {
      server.close();
    }
  });

  it('maps the hostPort on the host address, for the host and for another machine', async () => {
    assert.equal(await tcpRead(net.hostIP, hostPort), 'hello-from-a');
    // Another machine: a netns routed to us over a veth, reaching hostIP:hostPort (PREROUTING DNAT + FORWARD).
    const o = `${bridge}o`;
    const h = `${bridge}h`;
    const sub = `100.64.${randomInt(0, 256)}.${randomInt(0, 64) * 4}`.split('.').map(Number);
    const addr = (n: number) => `${sub[0]}.${sub[1]}.${sub[2]}.${sub[3]! + n}`;
    await sh('ip', ['netns', 'add', otherHost]);
    await sh('ip', ['link', 'add', h, 'type', 'veth', 'peer', 'name', o, 'netns', otherHost]);
    await sh('ip', ['addr', 'add', `${addr(1)}/30`, 'dev', h]);
    await sh('ip', ['link', 'set', h, 'up']);
    await sh('ip', ['-n', otherHost, 'addr', 'add', `${addr(2)}/30`, 'dev', o]);
    await sh('ip', ['-n', otherHost, 'link', 'set', o, 'up']);
    await sh('ip', ['-n', otherHost, 'route', 'add', 'default', 'via', addr(1)]);
    const fromOther = [`--net=/run/netns/${otherHost}`];
    assert.equal(await ncFrom(fromOther, net.hostIP, hostPort), 'hello-from-a');
    // Without our FORWARD accepts, the (test-scoped) DROP rules stop it: the rules are what make it work.
    await removeForwardRules(bridge);
    const blocked = await run('nsenter', [...fromOther, 'busybox', 'nc', '-w', '1', net.hostIP, String(hostPort)], { timeoutMs: 5000 });
    assert.notEqual(blocked.stdout.trim(), 'hello-from-a');
    await ensureForwardRules(bridge, podCIDR);
    await ensureForwardRules(bridge, podCIDR); // no duplicates
    assert.equal((await sh('iptables', ['-S', 'FORWARD'])).split('\n').filter((l) => l.includes(`berth-pods:${bridge}`)).length, 2);
    assert.equal(await ncFrom(fromOther, net.hostIP, hostPort), 'hello-from-a');
  });

  it('survives a restart: a new instance reuses the cached attachment and lists sandboxes', async () => {
    const again = new CniNetwork({ stateDir, bridge, podCIDR });
    assert.deepEqual(await again.createNamespaces(nsDir('a'), 'pod-a'), ns.a);
    assert.deepEqual(await again.setUp(pod('a', [{ containerPort: 7000, hostPort }]), ns.a!), { ip: ips.a });
    const listed = (await again.listSandboxes(podsDir)).sort((x, y) => x.uid.localeCompare(y.uid));
    assert.deepEqual(listed, [
      { uid: 'a', dir: nsDir('a'), namespaces: { net: true, ipc: true, uts: true }, ip: ips.a },
      { uid: 'b', dir: nsDir('b'), namespaces: { net: true, ipc: true, uts: true }, ip: ips.b },
    ]);
  });

  it('tears down: veth, IPAM reservation, portmap rules and namespace files go; repeating is fine', async () => {
    const mine = (uid: string) => `berth-${bridge}\\" id: \\"${uid}\\"`; // masquerade and hostPort rule comments
    assert.ok((await sh('iptables', ['-t', 'nat', '-S'])).includes(mine('a')));
    await net.tearDown('a', nsDir('a'));
    await net.tearDown('a', nsDir('a'));
    assert.equal(await bridgePorts(), 1);
    assert.deepEqual(ipamFiles(), [ips.b!.split('/')[0]]);
    assert.equal((await sh('iptables', ['-t', 'nat', '-S'])).includes(mine('a')), false);
    assert.equal(existsSync(nsDir('a')), false);
    assert.equal(mountsUnderTmp().filter((l) => l.includes(nsDir('a'))).length, 0);
    assert.notEqual(await tcpRead(net.hostIP, hostPort), 'hello-from-a');
    // The last pod gone: our FORWARD rules go too.
    await net.tearDown('b', nsDir('b'));
    assert.equal((await sh('iptables', ['-S', 'FORWARD'])).includes(`berth-pods:${bridge}`), false);
    assert.deepEqual(ipamFiles(), []);
    assert.deepEqual(await net.listSandboxes(podsDir), []);
  });

  it('re-wires a pod whose namespace was re-created under a cached attachment', async () => {
    const dir = nsDir('c');
    const first = await net.setUp(pod('c'), await net.createNamespaces(dir, 'pod-c'));
    await sh('umount', [join(dir, 'net')]); // the namespace is lost (e.g. a reboot), the cache is not
    const again = await net.setUp(pod('c'), await net.createNamespaces(dir, 'pod-c'));
    assert.equal(ipamFiles().length, 1, 'the old reservation was released');
    assert.match(await sh('nsenter', [`--net=${join(dir, 'net')}`, 'ip', '-4', 'addr', 'show', 'eth0']), new RegExp(`inet ${again.ip.replace(/\./g, '\\.')}/`));
    assert.ok(first.ip);
    await net.tearDown('c', dir);
    assert.deepEqual(ipamFiles(), []);
    assert.equal((await sh('iptables', ['-t', 'nat', '-S'])).includes(`berth-${bridge}\\" id: \\"c\\"`), false);
  });

  it('leaks no links, mounts, IPAM files or rules over 20 setUp/tearDown cycles', async () => {
    for (let i = 0; i < 20; i++) {
      const uid = `cycle-${i}`;
      const sb = await net.createNamespaces(nsDir(uid), `cycle-${i}`);
      const { ip } = await net.setUp(pod(uid, [{ containerPort: 80, hostPort: hostPort + 1 }]), sb);
      assert.ok(ip.startsWith(`${cidrBase}.`));
      await net.tearDown(uid, nsDir(uid));
    }
    assert.equal(await bridgePorts(), 0);
    assert.deepEqual(mountsUnderTmp(), []);
    assert.deepEqual(ipamFiles(), []);
    assert.deepEqual(readdirSync(join(stateDir, 'results')), []);
    const rules = (await sh('iptables', ['-t', 'nat', '-S'])) + (await sh('iptables', ['-S', 'FORWARD']));
    assert.equal(rules.includes('cycle-'), false);
    assert.equal(rules.includes(`berth-pods:${bridge}`), false);
  });

  it('sets up and tears down pods concurrently', async () => {
    const uids = ['p0', 'p1', 'p2', 'p3', 'p4'];
    const sbs = await Promise.all(uids.map((u) => net.createNamespaces(nsDir(u), u)));
    const got = await Promise.all(uids.map((u, i) => net.setUp(pod(u), sbs[i]!)));
    assert.equal(new Set(got.map((g) => g.ip)).size, uids.length);
    assert.equal((await sh('iptables', ['-S', 'FORWARD'])).split('\n').filter((l) => l.includes(`berth-pods:${bridge}`)).length, 2);
    const listener = listenIn(sbs[0]!.net, 7001, 'from-p0');
    assert.equal(await ncFrom([`--net=${sbs[4]!.net}`], got[0]!.ip, 7001), 'from-p0');
    listener.kill('SIGKILL');
    await Promise.all(uids.map((u) => net.tearDown(u, nsDir(u))));
    assert.equal(await bridgePorts(), 0);
    assert.deepEqual(ipamFiles(), []);
    assert.deepEqual(mountsUnderTmp(), []);
    assert.equal((await sh('iptables', ['-S', 'FORWARD'])).includes(`berth-pods:${bridge}`), false);
    assert.equal((await sh('iptables', ['-t', 'nat', '-S', 'POSTROUTING'])).includes(`berth-pods:${bridge}`), false, 'the masquerade rule goes with the last pod');
  });

  it('names the fix when a plugin is missing, and a half-done ADD holds nothing', async () => {
    // bridge and host-local are there, portmap is not: the ADD fails after an IP was taken.
    const partial = mkdtempSync(join(tmp, 'plugins-'));
    for (const p of ['bridge', 'host-local', 'loopback']) symlinkSync(join('/usr/lib/cni', p), join(partial, p));
    const broken = new CniNetwork({ stateDir, bridge, podCIDR, pluginDirs: [partial] });
    const sb = await broken.createNamespaces(nsDir('d'), 'pod-d');
    // Only pods with hostPorts run portmap.
    const withPort = { ...pod('d'), portMappings: [{ containerPort: 80, hostPort: 18099, protocol: 'TCP' as const }] };
    await assert.rejects(broken.setUp(withPort, sb), /CNI plugin "portmap" not found .*install containernetworking-plugins/);
    assert.deepEqual(ipamFiles(), []);
    assert.equal(await bridgePorts(), 0);
    assert.equal((await sh('iptables', ['-t', 'nat', '-S'])).includes(`berth-${bridge}\\" id: \\"d\\"`), false);
    await broken.tearDown('d', nsDir('d'));
    assert.equal(existsSync(nsDir('d')), false);
  });

  it('removes the bridge when no pod uses it', async () => {
    assert.equal(await net.removeUnused(), true);
    assert.notEqual((await run('ip', ['link', 'show', bridge])).code, 0);
  });
});
