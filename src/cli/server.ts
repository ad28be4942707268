// `berth server`: composes store, API server and controllers in one process.
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { ensureAdminToken } from '../apiserver/auth';
import { bootstrap } from '../apiserver/bootstrap';
import { admissionPlugins } from '../apiserver/admission/plugins';
import { writeKubeconfig } from '../apiserver/kubeconfig';
import { Metrics } from '../apiserver/metrics';
import { ObjectStore } from '../apiserver/object-store';
import { ensurePki } from '../apiserver/pki';
import { Registry } from '../apiserver/registry';
import { ApiServer } from '../apiserver/server';
import { InProcessClient } from '../apiserver/inprocess-client';
import { startCompactor } from '../apiserver/compactor';
import { startControllers } from '../controllers/manager';
import { randomIds, systemClock } from '../machinery/clock';
import { allResources } from '../machinery/resources';
import { openBackend } from '../store';
import { type FlagSpec, flagHelp, parseFlags } from './flags';

const specs: FlagSpec[] = [
  { name: 'data-dir', help: 'Directory for the store, certificates, token and kubeconfig', default: process.env.BERTH_DATA_DIR ?? '.berth' },
  { name: 'listen', help: 'Address the API server listens on, HOST:PORT', default: '127.0.0.1:6443' },
  { name: 'store', help: 'Store URL: sqlite://PATH (default: sqlite://DATA_DIR/state.db) or memory://' },
  { name: 'print-env', help: 'Print how to point kubectl at the server once it is ready', boolean: true },
  { name: 'log-level', help: 'Log level: debug, info, warn, error', default: 'info' },
  { name: 'compaction-interval', help: 'How often store history is compacted (a duration: 300s, 5m, 1h)', default: '5m' },
];

function parseListen(v: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(v);
  if (!m) throw new Error(`--listen "${v}" is not HOST:PORT (e.g. 127.0.0.1:6443)`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`--listen "${v}": port must be 0-65535`);
  return { host: m[1] || '0.0.0.0', port };
}

function parseDuration(flag: string, v: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(v);
  if (!m) throw new Error(`--${flag} "${v}" is not a duration like 500ms, 30s, 5m or 1h`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  if (n === 0) throw new Error(`--${flag} must be greater than zero`);
  return n * unit;
}

export async function runServer(argv: string[]): Promise<number> {
  const { values, help } = parseFlags(argv, specs);
  if (help) {
    console.log(`Usage: berth server [flags]\n\n${flagHelp(specs)}`);
    return 0;
  }
  const started = performance.now();
  // Registered first, so a SIGTERM during start-up still shuts down cleanly.
  const stopRequested = new Promise<string>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
  const dataDir = resolve(values.get('data-dir') ?? '.berth');
  const { host, port } = parseListen(values.get('listen') ?? '');
  const compactionMs = parseDuration('compaction-interval', values.get('compaction-interval') ?? '5m');
  const storeUrl = values.get('store') ?? `sqlite://${join(dataDir, 'state.db')}`;
  const log = pino({ level: values.get('log-level') ?? 'info', base: { component: 'berth' } }, pino.destination(2));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  const clock = systemClock;
  const [pki, token] = await Promise.all([
    ensurePki(dataDir, { hostnames: [hostname()], ips: host !== '0.0.0.0' && host !== '::' && host !== '' ? [host].filter((h) => /[:.]/.test(h) && !/[a-z]/i.test(h)) : [], now: clock.now() }),
    ensureAdminToken(dataDir),
  ]);
  const backend = openBackend(storeUrl);
  await backend.ready;
  const registry = new Registry(allResources);
  const store = new ObjectStore(backend, clock, randomIds, admissionPlugins(registry));
  const metrics = new Metrics();
  metrics.gauge('process_resident_memory_bytes', () => process.memoryUsage().rss);
  metrics.gauge('nodejs_heap_size_used_bytes', () => process.memoryUsage().heapUsed);
  metrics.gauge('nodejs_heap_size_total_bytes', () => process.memoryUsage().heapTotal);
  metrics.gauge('nodejs_external_memory_bytes', () => process.memoryUsage().external);
  const deps = { registry, store, clock, connectors: new Map() };
  const abort = new AbortController();
  // Every component and informer listens for shutdown on this one signal.
  setMaxListeners(0, abort.signal);
  const api = new ApiServer({ host, port, certPem: pki.certPem, keyPem: pki.keyPem, tokens: [token], deps, log, metrics });
  try {
    await api.start(abort.signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`cannot listen on ${host}:${port}: the port is in use (another berth server?); stop it or pass --listen ${host}:PORT`, { cause: err });
    if (code === 'EADDRNOTAVAIL') throw new Error(`cannot listen on ${host}:${port}: no local interface has that address; pass --listen 127.0.0.1:${port}`, { cause: err });
    if (code === 'EACCES') throw new Error(`cannot listen on ${host}:${port}: permission denied; use a port above 1023`, { cause: err });
    throw err;
  }
  const addr = api.address;
  const wildcard = host === '0.0.0.0' || host === '' || host === '::';
  const shownHost = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  await bootstrap(store, registry, { ip: wildcard || host === 'localhost' ? '127.0.0.1' : host, port: addr?.port ?? port });
  const client = new InProcessClient(deps);
  const controllers = startControllers({ client, registry, clock, log, signal: abort.signal, caPem: pki.caCertPem });
  startCompactor(backend, clock, log, abort.signal, compactionMs);
  const server = `https://${shownHost}:${addr?.port ?? port}`;
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  await writeKubeconfig(kubeconfig, { server, caPem: pki.caCertPem, token, clusterName: 'berth', user: 'admin', context: 'berth' });
  log.info({ server, store: storeUrl.replace(/\/\/.*@/, '//***@'), kubeconfig, ms: Math.round(performance.now() - started) }, 'berth is ready');
  if (values.get('print-env') === 'true') {
    console.log(`Berth is serving the Kubernetes API at ${server}\nPoint kubectl at it:\n\n  export KUBECONFIG=${kubeconfig}\n  kubectl get namespaces\n`);
  }

  log.info({ signal: await stopRequested }, 'shutting down');
  abort.abort();
  await api.stop();
  await controllers.stopped;
  await backend.close();
  return 0;
}
