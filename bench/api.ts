// API server benchmark against the real binary: cold start, ConfigMap creates/s, watch delivery
// latency, memory. Loopback only; every loop is bounded by a count and a deadline.
//   node --import tsx bench/api.ts [--store URL] [--cold-runs 5] [--seconds 10] [--clients 8]
//                                  [--watch-events 1000] [--objects 10000]
import { parseArgs } from 'node:util';
import { startBerth, type Berth } from '../test/e2e/harness';
import { http, type Http, median, pct, watch } from './http';
import { runWorkers } from './workers';
import { etcdBinary, putMany, rssKiB, startEtcd, watchLatency as etcdWatchLatency } from './peer-etcd';



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
  unit: string;
  berth: number;
  peer?: number;
  note?: string;
}
const rows: Row[] = [];
const row = (metric: string, unit: string, berth: number, note?: string) => rows.push({ metric, unit, berth, ...(note === undefined ? {} : { note }) });
const peerRow = (metric: string, peer: number) => {
  const r = rows.find((x) => x.metric === metric);
  if (r) r.peer = peer;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Call = Http['call'];
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
function createMany(call: Call, prefix: string, workers: number, opts: { count?: number; seconds?: number }): Promise<number[]> {
  return runWorkers(workers, opts, (i) => create(call, `${prefix}-${i}`));
}

const mib = (kib: number) => kib / 1024;

async function coldStart(runs: number): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const b = await startBerth(startOpts);
    times.push(performance.now() - t0);
    await b.destroy();
  }
  row('cold start to ready (median)', 'ms', median(times), `${runs} runs, fresh data dirs: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
}

async function watchLatency(b: Berth, events: number): Promise<void> {
  const { call, close } = http(b, 1);
  const sent = new Map<string, number>();
  const lat: number[] = [];
  let allSeen: () => void = () => {};
  const done = new Promise<void>((r) => (allSeen = r));
  const w = await watch(b, '/api/v1/namespaces/default/configmaps?labelSelector=bench%3Dwatch', (ev, now) => {
    const t0 = sent.get(ev.object.metadata?.name ?? '');
    if (ev.type === 'ADDED' && t0 !== undefined) {
      lat.push(now - t0);
      if (lat.length === events) allSeen();
    }
  });
  // Sequential creates: each latency is one object's path, not a queue behind others.
  for (let i = 0; i < events; i++) {
    const name = `watch-${i}`;
    sent.set(name, performance.now());
    await create(call, name, { bench: 'watch' });
  }
  await Promise.race([done, sleep(10_000)]);
  w.stop();
  close();
  const missing = events - lat.length;
  const note = `create sent -> ADDED event arrived, ${events} sequential creates${missing ? `; ${missing} events never arrived` : ''}`;
  row('watch delivery p50', 'ms', pct(lat, 50), note);
  row('watch delivery p99', 'ms', pct(lat, 99));
}

async function main(): Promise<void> {
  const clients = num(flags.clients);
  console.error(`bench: cold start x${num(flags['cold-runs'])}...`);
  await coldStart(num(flags['cold-runs']));

  const b = await startBerth(startOpts);
  try {
    await sleep(2_000);
    row('RSS idle', 'MiB', mib(rssKiB(b.pid).rss), 'VmRSS of the server process, 2 s after ready');

    const objects = num(flags.objects);
    console.error(`bench: creating ${objects} ConfigMaps...`);
    const c = http(b, clients);
    await createMany(c.call, 'rss', clients, { count: objects });
    await sleep(2_000);
    const after = rssKiB(b.pid);
    row(`RSS after ${objects} objects`, 'MiB', mib(after.rss), `peak (VmHWM) ${mib(after.hwm).toFixed(1)} MiB`);

    const seconds = num(flags.seconds);
    console.error(`bench: ${clients} clients creating for ${seconds} s...`);
    const t0 = performance.now();
    const lat = await createMany(c.call, 'tput', clients, { seconds });
    const elapsed = (performance.now() - t0) / 1000;
    c.close();
    row('creates/s', '/s', lat.length / elapsed, `${clients} keep-alive clients, ${elapsed.toFixed(1)} s, ${lat.length} ConfigMap creates`);
    row('create latency p50', 'ms', pct(lat, 50));
    row('create latency p99', 'ms', pct(lat, 99));

    console.error(`bench: watch latency over ${num(flags['watch-events'])} events...`);
    await watchLatency(b, num(flags['watch-events']));
  } finally {
    await b.destroy();
  }

  await runPeer(clients, num(flags.objects), num(flags.seconds), num(flags['watch-events']), num(flags['cold-runs']));
  printTable();
}

/** The same measurements against etcd, when Debian's etcd-server is installed. */
async function runPeer(clients: number, objects: number, seconds: number, events: number, coldRuns: number): Promise<void> {
  const bin = etcdBinary();
  if (!bin) {
    peerNote = 'no etcd binary (apt-get install etcd-server): Berth numbers alone';
    return;
  }
  console.error('bench: peer etcd...');
  const starts: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    const t0 = performance.now();
    const e = await startEtcd(bin);
    starts.push(performance.now() - t0);
    await e.stop();
  }
  peerRow('cold start to ready (median)', median(starts));
  const e = await startEtcd(bin);
  try {
    await sleep(2_000);
    peerRow('RSS idle', mib(rssKiB(e.pid).rss));
    await putMany(e, 'rss', clients, { count: objects });
    await sleep(2_000);
    peerRow(`RSS after ${objects} objects`, mib(rssKiB(e.pid).rss));
    const t0 = performance.now();
    const lat = await putMany(e, 'tput', clients, { seconds });
    peerRow('creates/s', lat.length / ((performance.now() - t0) / 1000));
    peerRow('create latency p50', pct(lat, 50));
    peerRow('create latency p99', pct(lat, 99));
    const w = await etcdWatchLatency(e, events);
    peerRow('watch delivery p50', pct(w, 50));
    peerRow('watch delivery p99', pct(w, 99));
  } finally {
    await e.stop();
  }
  peerNote = `peer: etcd ${bin} (single member, loopback): the store under kube-apiserver, which Debian does not package; etcd puts are raw key-value writes, Berth creates go through the whole API (auth, decoding, defaulting, admission, validation)`;
}

let peerNote = '';

function printTable(): void {
  const fmt = (v: number | undefined, unit: string) => (v === undefined || Number.isNaN(v) ? '-' : unit === '/s' ? v.toFixed(0) : v.toFixed(1));
  const header = ['metric', 'unit', 'berth', 'etcd', 'berth/etcd'];
  const table = rows.map((r) => [r.metric, r.unit, fmt(r.berth, r.unit), fmt(r.peer, r.unit), r.peer ? (r.berth / r.peer).toFixed(2) : '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
  console.log(`Berth API benchmark (store: ${store ?? 'default'}, node ${process.version}, ${new Date().toISOString()})`);
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
  console.log(line(header));
  for (const t of table) console.log(line(t));
  for (const r of rows) if (r.note) console.log(`  ${r.metric}: ${r.note}`);
  console.log(peerNote);
}

await main();
