// End-to-end helpers: run the real `bin/berth server`, drive it with the real kubectl, and read the
// Kubernetes manifests out of the seed document.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request, type RequestOptions } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StartOptions {
  /** Passed as --store URL. */
  store?: string;
  /** Reused as is (and kept); a fresh temp dir otherwise (removed by destroy()). */
  dataDir?: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
  env?: Record<string, string>;
  /**
   * Run the in-process node agent (off by default: most e2e tests are about the API). Each server
   * gets its own pod CIDR, bridge and cgroup parent so parallel tests don't collide; `mirror`
   * serves docker.io (a test registry from registry.ts).
   */
  node?: { mirror?: string };
}

export interface Berth {
  readonly kubeconfig: string;
  readonly dataDir: string;
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  /** The admin token and CA from the kubeconfig, for direct HTTP. */
  readonly token: string;
  readonly caPem: string;
  /** How the last process ended (undefined while it runs). */
  readonly exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL now, no waiting: a crash. */
  kill9(): void;
  /** Stops if running, starts again on the same data dir and port, waits until ready. */
  restart(): Promise<void>;
  /** stop(), and remove the data dir if the harness made it. */
  destroy(): Promise<void>;
  /** One HTTPS request as admin; body is parsed JSON when the response is JSON. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; text: string }>;
}

// Children still running when the test process exits would outlive it: kill them.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Starts `bin/berth server` and resolves once DIR/kubeconfig.yaml exists and /readyz answers 200. */
export async function startBerth(opts: StartOptions = {}): Promise<Berth> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-e2e-')));
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const logFile = join(dataDir, 'berth.log');
  const args = ['server', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`];
  if (opts.store !== undefined) args.push('--store', opts.store);
  const nodeOpts = opts.node ? nodeArgs(opts.node) : undefined;
  if (nodeOpts) args.push(...nodeOpts.args);
  else args.push('--node=false');
  args.push(...(opts.extraArgs ?? []));

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let exit: Berth['exit'];
  let creds = { token: '', caPem: '' };

  const launch = async () => {
    const fd = openSync(logFile, 'a');
    try {
      const [cmd, ...rest] = berthCommand();
      const c = spawn(cmd ?? 'false', [...rest, ...args], {
        cwd: repoRoot,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...opts.env },
      });
      child = c;
      exit = undefined;
      live.add(c);
      exited = new Promise((r) =>
        c.once('exit', (code, signal) => {
          exit = { code, signal };
          live.delete(c);
          r();
        }),
      );
    } finally {
      closeSync(fd);
    }
    try {
      creds = await waitReady(kubeconfig, url, () => exit, opts.readyTimeoutMs ?? 30_000);
    } catch (err) {
      const log = await readFile(logFile, 'utf8').catch(() => '(no log)');
      process.stderr.write(`\n---- berth failed to start (${String(err)}); ${logFile}:\n${log}\n---- end of log\n`);
      child?.kill('SIGKILL');
      await exited;
      throw err;
    }
  };

  const stop = async () => {
    const c = child;
    if (!c || exit) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    kubeconfig,
    dataDir,
    url,
    logFile,
    get pid() {
      return child?.pid ?? -1;
    },
    get token() {
      return creds.token;
    },
    get caPem() {
      return creds.caPem;
    },
    get exit() {
      return exit;
    },
    stop,
    kill9: () => {
      if (child && !exit) child.kill('SIGKILL');
    },
    restart: async () => {
      await stop();
      await exited;
      await launch();
    },
    destroy: async () => {
      if (nodeOpts) await drainNode({ url, ...creds }, dataDir);
      await stop();
      if (nodeOpts) await cleanupNode(dataDir, nodeOpts);
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
    request: (method, path, body) => httpsJson({ url, ...creds }, method, path, body),
  };
}

/** Node arguments that run the CLI: bin/berth, or $BERTH_BIN (a .js/.ts entry), or the source. */
function berthCommand(): string[] {
  const bin = process.env['BERTH_BIN'];
  if (bin) return /\.[cm]?ts$/.test(bin) ? [process.execPath, '--import', 'tsx', resolve(bin)] : [process.execPath, resolve(bin)];
  // BERTH_E2E_SOURCE=1 runs the TypeScript directly, skipping `npm run build` while developing.
  if (process.env['BERTH_E2E_SOURCE'] === '1') return [process.execPath, '--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts')];
  if (!existsSync(join(repoRoot, 'dist', 'berth.mjs'))) throw new Error('dist/berth.mjs is missing: run `npm run build` first');
  // bin/berth execs node with the server's flags, so the PID is the server's.
  return [join(repoRoot, 'bin', 'berth')];
}

/** Flags giving a test server a node of its own: a random /24, bridge and cgroup parent. */
function nodeArgs(node: { mirror?: string }): NodeArgs {
  const n = randomInt(0, 50 * 256);
  const tag = randomBytes(4).toString('hex');
  const bridge = `bt${tag}`;
  const cgroupParent = `berth-e2e-${tag}`;
  const args = ['--pod-cidr', `10.${200 + Math.floor(n / 256)}.${n % 256}.0/24`, '--bridge', bridge, '--cgroup-parent', cgroupParent, '--kubelet-port', '0'];
  if (node.mirror) {
    const host = new URL(node.mirror).host;
    args.push('--registry-mirror', `docker.io=${node.mirror}`, '--insecure-registry', host);
  }
  return { args, bridge, cgroupParent };
}

interface NodeArgs {
  args: string[];
  bridge: string;
  cgroupParent: string;
}

/** Deletes every pod and waits (≤ 60 s) until the node has torn them all down. */
export async function drainNode(conn: { url: string; token: string; caPem: string }, dataDir: string): Promise<void> {
  const r = await httpsJson(conn, 'DELETE', '/api/v1/namespaces/default/pods').catch(() => undefined);
  void r;
  const ns = await httpsJson(conn, 'GET', '/api/v1/pods').catch(() => undefined);
  for (const p of ((ns?.body as { items?: { metadata: { name: string; namespace: string } }[] } | undefined)?.items ?? [])) {
    await httpsJson(conn, 'DELETE', `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`).catch(() => undefined);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const left = await httpsJson(conn, 'GET', '/api/v1/pods').catch(() => undefined);
    const items = (left?.body as { items?: unknown[] } | undefined)?.items;
    if (items && items.length === 0 && runcContainers(dataDir).length === 0) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

function runcContainers(dataDir: string): string[] {
  const r = spawnSync('runc', ['--root', join(dataDir, 'node', 'runc'), 'list', '-q'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => l !== '') : [];
}

/** Deletes the filter/nat rules naming `bridge` (ours and the CNI bridge plugin's) and their chains. */
function removeIptablesRules(bridge: string): void {
  for (const table of ['filter', 'nat']) {
    const rules = spawnSync('iptables', ['-t', table, '-S'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('-A ') && l.includes(bridge));
    const chains = new Set<string>();
    for (const rule of rules) {
      const jump = / -j (CNI-[0-9a-f]{24})\b/.exec(rule)?.[1];
      if (jump) chains.add(jump);
      // iptables -S prints rules in a form its own -D accepts.
      spawnSync('sh', ['-c', `iptables -t ${table} ${rule.replace(/^-A /, '-D ')}`]);
    }
    for (const c of chains) {
      spawnSync('iptables', ['-t', table, '-F', c]);
      spawnSync('iptables', ['-t', table, '-X', c]);
    }
  }
}

/** After the server stopped: whatever a failed test left behind is killed, unmounted and removed. */
export async function cleanupNode(dataDir: string, node: Pick<NodeArgs, 'bridge' | 'cgroupParent'>): Promise<void> {
  const root = join(dataDir, 'node', 'runc');
  for (const id of runcContainers(dataDir)) spawnSync('runc', ['--root', root, 'delete', '--force', id]);
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dataDir));
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m.replace(/\\040/g, ' ')]);
  // Block volumes' loop devices (the node detaches them on teardown; a test that stopped early did not).
  const loops = spawnSync('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' }).stdout.split('\n');
  for (const l of loops) {
    const [dev, file] = l.trim().split(/\s+/, 2);
    if (dev && file?.startsWith(dataDir)) spawnSync('losetup', ['-d', dev]);
  }
  spawnSync('ip', ['link', 'del', node.bridge]);
  removeIptablesRules(node.bridge);
  for (const ctl of ['memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'cpuset', 'devices', 'freezer', 'hugetlb', 'net_cls', 'perf_event', 'systemd', 'unified']) {
    spawnSync('sh', ['-c', `d=/sys/fs/cgroup/${ctl}/${node.cgroupParent}; [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; true`]);
  }
}

/** A port nothing listens on right now: bind :0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(kubeconfig: string, url: string, exitOf: () => Berth['exit'], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no kubeconfig yet';
  for (;;) {
    const e = exitOf();
    if (e) throw new Error(`berth exited during startup (code ${e.code}, signal ${e.signal}); last: ${last}`);
    if (Date.now() > deadline) throw new Error(`berth not ready after ${timeoutMs} ms; last: ${last}`);
    if (existsSync(kubeconfig)) {
      try {
        const creds = readKubeconfig(await readFile(kubeconfig, 'utf8'));
        const r = await httpsJson({ url, ...creds }, 'GET', '/readyz');
        if (r.status === 200) return creds;
        last = `/readyz ${r.status}: ${r.text.slice(0, 200)}`;
      } catch (err) {
        last = String(err);
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The admin token and CA of a kubeconfig written by writeKubeconfig. */
export function readKubeconfig(text: string): { token: string; caPem: string } {
  const kc = parse(text);
  const ca = kc?.clusters?.[0]?.cluster?.['certificate-authority-data'];
  const token = kc?.users?.[0]?.user?.token;
  if (typeof ca !== 'string' || typeof token !== 'string') throw new Error('kubeconfig lacks certificate-authority-data or token');
  return { token, caPem: Buffer.from(ca, 'base64').toString('utf8') };
}

export function httpsJson(
  target: { url: string; token: string; caPem: string },
  method: string,
  path: string,
  body?: unknown,
  extra: RequestOptions = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const u = new URL(path, target.url);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method,
        ca: target.caPem,
        agent: false,
        timeout: 10_000,
        ...extra,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/json',
          // Content-Length always: Node sends a DELETE body neither chunked nor sized otherwise.
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...extra.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if ((res.headers['content-type'] ?? '').includes('json')) {
            try {
              parsed = JSON.parse(text);
            } catch {
              // leave as text
            }
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export * from './kubectl';
export * from './seed';
