// End-to-end helpers: run the real `bin/berth server`, drive it with the real kubectl, and read the
// Kubernetes manifests out of the seed document.
import { spawn, type ChildProcess } from 'node:child_process';
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
      await stop();
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
