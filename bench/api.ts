// API server benchmark against the real binary: cold start, ConfigMap creates/s, watch delivery
// latency, memory. Loopback only; every loop is bounded by a count and a deadline.
//   node --import tsx bench/api.ts [--store URL] [--cold-runs 5] [--seconds 10] [--clients 8]
//                                  [--watch-events 1000] [--objects 10000]
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBerth, type Berth } from '../test/e2e/harness';

const { values: flags } = parseArgs({
  options: {
    store: { type: 'string' },
    'cold-runs': { type: 'string', default: '5' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '8' },
    'watch-events': { type: 'string', default: '1000' },
    objects: { type: 'string', default: '10000' },
  },
});
const num = (s: string | undefined) => Number.parseInt(s ?? '', 10);
const store = flags.store;
const startOpts = store === undefined ? {} : { store };

interface Row {
  metric: string;
  value: string;
  note?: string;
}
const rows: Row[] = [];
const row = (metric: string, value: string, note?: string) => rows.push(note === undefined ? { metric, value } : { metric, value, note });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => pct(xs, 50);
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Keep-alive HTTPS as admin, at most `sockets` connections. */
function client(b: Berth, sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, ca: b.caPem });
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(new URL(path, b.url), {
        method,
        agent,
        headers: {
          authorization: `Bearer ${b.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  return { call, close: () => agent.destroy() };
}

type Call = ReturnType<typeof client>['call'];
const configMap = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data: { key: 'value', other: 'x'.repeat(64) },
});

async function create(call: Call, name: string, labels?: Record<string, string>): Promise<void> {
  const r = await call('POST', '/api/v1/namespaces/default/configmaps', configMap(name, labels));
  if (r.status !== 201) throw new Error(`create ${name}: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
}

/** `workers` loops creating until `count` objects exist or the deadline passes; returns per-create latencies. */
async function createMany(call: Call, prefix: string, workers: number, opts: { count?: number; seconds?: number }) {
  const deadline = performance.now() + (opts.seconds ?? 600) * 1000;
  const limit = opts.count ?? Number.POSITIVE_INFINITY;
  const lat: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < limit && performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        await create(call, `${prefix}-${i}`);
        lat.push(performance.now() - t0);
      }
    }),
  );
  return lat;
}

function rssKiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

async function coldStart(runs: number): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const b = await startBerth(startOpts);
    times.push(performance.now() - t0);
    await b.destroy();
  }
  row('cold start to ready (median)', ms(median(times)), `${runs} runs, fresh data dirs: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
}

async function watchLatency(b: Berth, events: number): Promise<void> {
  const { call, close } = client(b, 1);
  const sent = new Map<string, number>();
  const lat: number[] = [];
  let allSeen: () => void = () => {};
  const done = new Promise<void>((r) => (allSeen = r));
  const path = '/api/v1/namespaces/default/configmaps?watch=1&labelSelector=bench%3Dwatch';
  const watch = request(new URL(path, b.url), {
    agent: false,
    ca: b.caPem,
    headers: { authorization: `Bearer ${b.token}`, accept: 'application/json' },
  });
  const opened = new Promise<void>((resolve, reject) => {
    watch.on('error', reject);
    watch.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`watch: HTTP ${res.statusCode}`));
      let buf = '';
      res.on('data', (c: Buffer) => {
        const now = performance.now();
        buf += c.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line) as { type: string; object?: { metadata?: { name?: string } } };
          const t0 = sent.get(ev.object?.metadata?.name ?? '');
          if (ev.type === 'ADDED' && t0 !== undefined) {
            lat.push(now - t0);
            if (lat.length === events) allSeen();
          }
        }
      });
      resolve();
    });
  });
  watch.end();
  await opened;
  // Sequential creates: each latency is one object's path, not a queue behind others.
  for (let i = 0; i < events; i++) {
    const name = `watch-${i}`;
    sent.set(name, performance.now());
    await create(call, name, { bench: 'watch' });
  }
  await Promise.race([done, sleep(10_000)]);
  watch.destroy();
  close();
  const missing = events - lat.length;
  const note = `create sent -> ADDED event arrived, ${events} sequential creates${missing ? `; ${missing} events never arrived` : ''}`;
  row('watch delivery p50', ms(pct(lat, 50)), note);
  row('watch delivery p99', ms(pct(lat, 99)));
}

function peers(): string {
  const dirs = (process.env['PATH'] ?? '').split(delimiter);
  const found = ['kube-apiserver', 'k3s'].filter((bin) => dirs.some((d) => existsSync(join(d, bin))));
  return found.length === 0
    ? 'no kube-apiserver or k3s binary on this machine: Berth numbers alone, no peer comparison'
    : `found ${found.join(', ')} on PATH, but a peer run is not implemented: Berth numbers alone`;
}

async function main(): Promise<void> {
  const clients = num(flags.clients);
  console.error(`bench: cold start x${num(flags['cold-runs'])}...`);
  await coldStart(num(flags['cold-runs']));

  const b = await startBerth(startOpts);
  try {
    await sleep(2_000);
    row('RSS idle', mib(rssKiB(b.pid).rss), 'VmRSS of the server process, 2 s after ready');

    const objects = num(flags.objects);
    console.error(`bench: creating ${objects} ConfigMaps...`);
    const c = client(b, clients);
    await createMany(c.call, 'rss', clients, { count: objects });
    await sleep(2_000);
    const after = rssKiB(b.pid);
    row(`RSS after ${objects} objects`, mib(after.rss), `peak (VmHWM) ${mib(after.hwm)}`);

    const seconds = num(flags.seconds);
    console.error(`bench: ${clients} clients creating for ${seconds} s...`);
    const t0 = performance.now();
    const lat = await createMany(c.call, 'tput', clients, { seconds });
    const elapsed = (performance.now() - t0) / 1000;
    c.close();
    row('ConfigMap creates/s', (lat.length / elapsed).toFixed(0), `${clients} keep-alive clients, ${elapsed.toFixed(1)} s, ${lat.length} creates`);
    row('create latency p50 / p99', `${ms(pct(lat, 50))} / ${ms(pct(lat, 99))}`);

    console.error(`bench: watch latency over ${num(flags['watch-events'])} events...`);
    await watchLatency(b, num(flags['watch-events']));
  } finally {
    await b.destroy();
  }

  const w1 = Math.max(...rows.map((r) => r.metric.length));
  const w2 = Math.max(...rows.map((r) => r.value.length));
  console.log(`Berth API benchmark (store: ${store ?? 'default'}, node ${process.version}, ${new Date().toISOString()})`);
  for (const r of rows) console.log(`  ${r.metric.padEnd(w1)}  ${r.value.padStart(w2)}${r.note ? `  (${r.note})` : ''}`);
  console.log(peers());
}

await main();
