// The peer for bench/api.ts: etcd (Debian's etcd-server), the store kube-apiserver runs on
// (kube-apiserver itself is not packaged for Debian). Same loopback-only, bounded loops: cold
// start to healthy, idle RSS, RSS after N keys, puts/s from N clients, watch delivery latency.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../test/e2e/harness';
import { runWorkers } from './workers';

export interface Etcd {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function etcdBinary(): string | undefined {
  for (const d of (process.env['PATH'] ?? '').split(delimiter)) {
    const p = join(d, 'etcd');
    if (existsSync(p)) return p;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Starts a single-member etcd in a fresh data dir; resolves when /health says true. */
export async function startEtcd(bin: string): Promise<Etcd> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const child: ChildProcess = spawn(
    bin,
    ['--data-dir', dir, '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `default=http://127.0.0.1:${peer}`, '--log-level', 'error'],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    const ok = await call(new Agent(), url, 'GET', '/health').then((r) => r.text.includes('"true"'), () => false);
    if (ok) return { url, pid: child.pid ?? 0, stop };
    await sleep(5);
  }
  await stop();
  throw new Error('etcd did not become healthy within 15 s');
}

function call(agent: Agent, base: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(new URL(path, base), { method, agent, headers: payload ? { 'content-type': 'application/json' } : {} });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A value the size of the ConfigMaps Berth's bench creates, stored as JSON. */
const value = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', uid: 'x'.repeat(36) }, data: { key: 'value', other: 'x'.repeat(64) } });

export async function putMany(e: Etcd, prefix: string, workers: number, opts: { count?: number; seconds?: number }): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: workers });
  const lat = await runWorkers(workers, opts, async (i) => {
    const key = `/registry/configmaps/default/${prefix}-${i}`;
    const r = await call(agent, e.url, 'POST', '/v3/kv/put', { key: b64(key), value: b64(value(`${prefix}-${i}`)) });
    if (r.status !== 200) throw new Error(`etcd put: HTTP ${r.status}: ${r.text.slice(0, 200)}`);
  });
  agent.destroy();
  return lat;
}

/** Sequential puts, each timed until the watch stream delivers it. */
export async function watchLatency(e: Etcd, events: number): Promise<number[]> {
  const prefix = '/registry/watched/';
  const sent = new Map<string, number>();
  const lat: number[] = [];
  let waiting: (() => void) | undefined;
  const watchReq = request(new URL('/v3/watch', e.url), { method: 'POST', headers: { 'content-type': 'application/json' } });
  const end = Buffer.from(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1));
  watchReq.end(JSON.stringify({ create_request: { key: b64(prefix), range_end: end.toString('base64') } }));
  const ready = new Promise<void>((resolve) => {
    watchReq.on('response', (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let nl = buf.indexOf('\n');
        for (; nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const msg = JSON.parse(line) as { result?: { created?: boolean; events?: { kv: { key: string } }[] } };
          if (msg.result?.created) resolve();
          for (const ev of msg.result?.events ?? []) {
            const k = Buffer.from(ev.kv.key, 'base64').toString();
            const t = sent.get(k);
            if (t !== undefined) lat.push(performance.now() - t);
            waiting?.();
          }
        }
      });
    });
  });
  await ready;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < events; i++) {
    const key = `${prefix}${i}`;
    const arrived = new Promise<void>((r) => (waiting = r));
    sent.set(key, performance.now());
    await call(agent, e.url, 'POST', '/v3/kv/put', { key: b64(key), value: b64(value(`w-${i}`)) });
    await Promise.race([arrived, sleep(2_000)]);
  }
  agent.destroy();
  watchReq.destroy();
  return lat;
}

export function rssKiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}
