// `berth server`: composes store, API server and controllers in one process.
import type { KeyObject } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { ensureAdminToken } from '../apiserver/auth';
import { bootstrap, ensureCsiDrivers } from '../apiserver/bootstrap';
import { admissionPlugins } from '../apiserver/admission/plugins';
import { writeKubeconfig } from '../apiserver/kubeconfig';
import { Metrics } from '../apiserver/metrics';
import { ObjectStore } from '../apiserver/object-store';
import { ensurePki, ensureServiceAccountKey } from '../apiserver/pki';
import { ServiceAccountTokens } from '../apiserver/serviceaccount/tokens';
import { Registry } from '../apiserver/registry';
import { ApiServer } from '../apiserver/server';
import { InProcessClient } from '../apiserver/inprocess-client';
import { startCompactor } from '../apiserver/compactor';
import { startControllers } from '../controllers/manager';
import { type Clock, randomIds, systemClock } from '../machinery/clock';
import { allResources } from '../machinery/resources';
import { openBackend } from '../store';
import type { Backend } from '../store/backend';
import { type FlagSpec, flagHelp, parseFlags } from './flags';
import { nodeConfigFrom, nodeFlags, startNode } from './node';
import { startStorage } from './storage';
import { podConnectors } from '../apiserver/connect/pods';
import type { NodeConfig } from '../node/types';
import { nodeStreamToken } from '../node/stream-token';
import { clientUrl, type Listen, parseListen, type ServingNames, servingNames } from './listen';

const specs: FlagSpec[] = [
  { name: 'data-dir', help: 'Directory for the store, certificates, token and kubeconfig', default: process.env.BERTH_DATA_DIR ?? '.berth' },
  { name: 'listen', help: 'Address the API server listens on, HOST:PORT', default: '127.0.0.1:6443' },
  { name: 'store', help: 'Store URL: sqlite://PATH (default: sqlite://DATA_DIR/state.db) or memory://' },
  { name: 'print-env', help: 'Print how to point kubectl at the server once it is ready', boolean: true },
  { name: 'log-level', help: 'Log level: debug, info, warn, error', default: 'info' },
  { name: 'compaction-interval', help: 'How often store history is compacted (a duration: 300s, 5m, 1h)', default: '5m' },
  ...nodeFlags,
];

function parseDuration(flag: string, v: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(v);
  if (!m) throw new Error(`--${flag} "${v}" is not a duration like 500ms, 30s, 5m or 1h`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  if (n === 0) throw new Error(`--${flag} must be greater than zero`);
  // Timers cannot wait longer than 2^31-1 ms (about 24 days); longer would fire at once.
  if (n * unit > 2 ** 31 - 1) throw new Error(`--${flag} "${v}" is too long: at most 596h`);
  return n * unit;
}

/** SIGTERM/SIGINT as a promise, listening from the very start so start-up can be interrupted. */
function watchSignals(): { stop: Promise<string>; dispose(): void } {
  let done: (sig: string) => void = () => undefined;
  const stop = new Promise<string>((r) => (done = r));
  const onTerm = () => done('SIGTERM');
  const onInt = () => done('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return { stop, dispose: () => (process.off('SIGTERM', onTerm), process.off('SIGINT', onInt)) };
}

export async function runServer(argv: string[]): Promise<number> {
  const { values, help } = parseFlags(argv, specs);
  if (help) {
    console.log(`Usage: berth server [flags]\n\n${flagHelp(specs)}`);
    return 0;
  }
  const started = performance.now();
  const signals = watchSignals();
  try {
    const dataDir = resolve(values.get('data-dir') ?? '.berth');
    const listen = parseListen(values.get('listen') ?? '');
    const compactionMs = parseDuration('compaction-interval', values.get('compaction-interval') ?? '5m');
    const storeUrl = values.get('store') ?? `sqlite://${join(dataDir, 'state.db')}`;
    const node = nodeConfigFrom(values, dataDir);
    const log = pino({ level: values.get('log-level') ?? 'info', base: { component: 'berth' } }, pino.destination(2));
    const names = await servingNames(listen);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // Mount points are compared with the kernel's canonical paths: no symlinks in the node's dir.
    if (node) node.dataDir = join(await realpath(dataDir), 'node');
    const clock = systemClock;
    const [pki, token, saKey] = await Promise.all([
      ensurePki(dataDir, { hostnames: names.hostnames, ips: names.ips, now: clock.now() }),
      ensureAdminToken(dataDir),
      ensureServiceAccountKey(dataDir),
    ]);
    const backend = openBackend(storeUrl);
    try {
      await backend.ready;
      await serve({ listen, names, dataDir, storeUrl, compactionMs, log, clock, pki, token, saKey, backend, started, printEnv: values.get('print-env') === 'true', stop: signals.stop, node });
    } finally {
      await backend.close();
    }
    return 0;
  } finally {
    signals.dispose();
  }
}

interface ServeOptions {
  listen: Listen;
  names: ServingNames;
  dataDir: string;
  storeUrl: string;
  compactionMs: number;
  log: Logger;
  clock: Clock;
  pki: { caCertPem: string; certPem: string; keyPem: string };
  token: string;
  /** Signs service account tokens. */
  saKey: KeyObject;
  backend: Backend;
  started: number;
  printEnv: boolean;
  stop: Promise<string>;
  /** The in-process node, unless --node=false. */
  node: NodeConfig | undefined;
}

/** Runs until a signal; any start-up failure stops what already started before it is reported. */
async function serve(o: ServeOptions): Promise<void> {
  const { listen, log, clock, backend } = o;
  const registry = new Registry(allResources);
  const store = new ObjectStore(backend, clock, randomIds, admissionPlugins(registry));
  const metrics = new Metrics();
  metrics.gauge('process_resident_memory_bytes', () => process.memoryUsage().rss);
  metrics.gauge('nodejs_heap_size_used_bytes', () => process.memoryUsage().heapUsed);
  metrics.gauge('nodejs_heap_size_total_bytes', () => process.memoryUsage().heapTotal);
  metrics.gauge('nodejs_external_memory_bytes', () => process.memoryUsage().external);
  // The API server reaches each node's streaming server (exec, logs, ...) with a token derived
  // from the join (admin) token and the node's name, never the admin token itself. Nodes are
  // reached by IP and serve their own certificates (as kubelets do): not verified, as upstream.
  const streamToken = (nodeName: string) => nodeStreamToken(o.token, nodeName);
  const deps = {
    registry,
    store,
    clock,
    connectors: podConnectors({ nodeToken: streamToken }),
    serviceAccountTokens: new ServiceAccountTokens(o.saKey, store, clock),
  };
  const abort = new AbortController();
  // Every component and informer listens for shutdown on this one signal.
  setMaxListeners(0, abort.signal);
  let controllersReady = false;
  const storeCheck = { name: 'etcd', check: async () => (await backend.currentRevision()) >= 0 };
  const base = [{ name: 'ping', check: async () => true }, { name: 'log', check: async () => true }, storeCheck];
  const health = {
    healthz: base,
    livez: base,
    readyz: [...base, { name: 'informer-sync', check: async () => controllersReady }, { name: 'shutdown', check: async () => !abort.signal.aborted }],
  };
  const api = new ApiServer({ host: listen.host, port: listen.port, certPem: o.pki.certPem, keyPem: o.pki.keyPem, tokens: [o.token], deps, log, metrics, health });
  await startListening(api, listen, abort.signal);
  let controllers: { stopped: Promise<void> } | undefined;
  let node: { stopped: Promise<void> } | undefined;
  let storageStopped: Promise<void> | undefined;
  try {
    const port = api.address?.port ?? listen.port;
    await bootstrap(store, registry, { ip: o.names.advertise, port });
    const storage = await startStorage({ dataDir: o.dataDir, ...(o.node ? { node: { dataDir: o.node.dataDir, nodeName: o.node.nodeName } } : {}), clock, log, signal: abort.signal });
    storageStopped = storage.stopped;
    await ensureCsiDrivers(store, registry, storage.drivers.builtinNames());
    const running = startControllers({ client: new InProcessClient(deps), registry, clock, log, signal: abort.signal, caPem: o.pki.caCertPem, drivers: storage.drivers });
    controllers = running;
    void running.ready.then(() => (controllersReady = true));
    startCompactor(backend, clock, log, abort.signal, o.compactionMs);
    if (o.node) {
      const client = new InProcessClient(deps);
      node = await startNode({ config: o.node, client, clock, log, signal: abort.signal, tls: { certPem: o.pki.certPem, keyPem: o.pki.keyPem }, streamToken: streamToken(o.node.nodeName), controlPlane: true, storage });
    }
    const server = clientUrl(listen, port);
    const kubeconfig = join(o.dataDir, 'kubeconfig.yaml');
    await writeKubeconfig(kubeconfig, { server, caPem: o.pki.caCertPem, token: o.token, clusterName: 'berth', user: 'admin', context: 'berth' });
    log.info({ server, store: o.storeUrl.replace(/\/\/.*@/, '//***@'), kubeconfig, ms: Math.round(performance.now() - o.started) }, 'berth is ready');
    if (o.printEnv) console.log(`Berth is serving the Kubernetes API at ${server}\nPoint kubectl at it:\n\n  export KUBECONFIG=${kubeconfig}\n  kubectl get namespaces\n`);
    log.info({ signal: await o.stop }, 'shutting down');
  } finally {
    abort.abort();
    await api.stop();
    await controllers?.stopped;
    await node?.stopped;
    await storageStopped;
  }
}

async function startListening(api: ApiServer, l: Listen, signal: AbortSignal): Promise<void> {
  try {
    await api.start(signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${l.host}:${l.port}`;
    if (code === 'EADDRINUSE') throw new Error(`cannot listen on ${where}: the port is in use (another berth server?); stop it or pass --listen ${l.host}:PORT`, { cause: err });
    if (code === 'EADDRNOTAVAIL') throw new Error(`cannot listen on ${where}: no local interface has that address; pass --listen 127.0.0.1:${l.port}`, { cause: err });
    if (code === 'EACCES') throw new Error(`cannot listen on ${where}: permission denied; use a port above 1023`, { cause: err });
    throw err;
  }
}
