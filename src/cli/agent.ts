// `berth agent`: a node on another host (or beside `berth server --node=false`), joined to a
// server with its URL, token and CA. The same node as the in-process one, over HTTPS.
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { ensurePki } from '../apiserver/pki';
import { systemClock } from '../machinery/clock';
import { HttpClient } from '../machinery/http-client';
import { nodeStreamToken } from '../node/stream-token';
import { type FlagSpec, flagHelp, parseFlags } from './flags';
import { nodeConfigFrom, nodeFlags, startNode } from './node';
import { startStorage } from './storage';

const specs: FlagSpec[] = [
  { name: 'server', help: 'The API server to join, https://HOST:PORT' },
  { name: 'token', help: "The server's admin token (DATA_DIR/token on the server, or the kubeconfig's)" },
  { name: 'ca-file', help: "The server's CA certificate (DATA_DIR/pki/ca.crt on the server)" },
  { name: 'data-dir', help: 'Directory for images, pods, volumes, logs and the streaming certificate', default: process.env.BERTH_DATA_DIR ?? '.berth-agent' },
  { name: 'log-level', help: 'Log level: debug, info, warn, error', default: 'info' },
  ...nodeFlags.filter((f) => f.name !== 'node'),
];

export async function runAgent(argv: string[]): Promise<number> {
  const { values, help } = parseFlags(argv, specs);
  if (help) {
    console.log(`Usage: berth agent --server URL --token TOKEN --ca-file FILE [flags]\n\n${flagHelp(specs)}`);
    return 0;
  }
  const server = values.get('server');
  const token = values.get('token');
  const caFile = values.get('ca-file');
  if (!server || !/^https:\/\/[^/]+/.test(server)) throw new Error('berth agent needs --server https://HOST:PORT (the URL in the server\'s kubeconfig)');
  if (!token) throw new Error("berth agent needs --token: the server's admin token (in its kubeconfig or DATA_DIR/token)");
  if (!caFile) throw new Error("berth agent needs --ca-file: the server's CA certificate (DATA_DIR/pki/ca.crt on the server)");
  const caPem = await readFile(caFile, 'utf8').catch((err: unknown) => {
    throw new Error(`Cannot read --ca-file ${caFile}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  const dataDir = resolve(values.get('data-dir') ?? '.berth-agent');
  const config = nodeConfigFrom(new Map([...values, ['node', 'true']]), dataDir);
  if (!config) return 0;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  config.dataDir = join(await realpath(dataDir), 'node');
  const log = pino({ level: values.get('log-level') ?? 'info', base: { component: 'berth-agent' } }, pino.destination(2));
  const client = new HttpClient({ server, token, caPem, userAgent: `berth-agent/${config.nodeName}` });
  // Fail early, naming the fix, when the server can't be reached or refuses the token.
  await client.get({ group: '', version: 'v1', plural: 'namespaces' }, undefined, 'default').catch((err: unknown) => {
    throw new Error(`Cannot join ${server}: ${err instanceof Error ? err.message : String(err)}; check --server, --token and --ca-file`, { cause: err });
  });
  // The streaming server's certificate: the agent's own CA and serving pair, as a kubelet makes a
  // self-signed one (the API server does not verify node certificates by default).
  const pki = await ensurePki(dataDir, { hostnames: [config.nodeName], ips: [], now: systemClock.now() });
  const abort = new AbortController();
  const stop = new Promise<string>((r) => {
    process.once('SIGTERM', () => r('SIGTERM'));
    process.once('SIGINT', () => r('SIGINT'));
  });
  // The built-in drivers provision from the server's process onto the server's node, so an
  // agent serves only external CSI drivers (sockets in <data>/csi-plugins) and in-tree sources.
  const storage = await startStorage({ dataDir: await realpath(dataDir), clock: systemClock, log, signal: abort.signal });
  const node = await startNode({ config, client, clock: systemClock, log, signal: abort.signal, tls: { certPem: pki.certPem, keyPem: pki.keyPem }, streamToken: nodeStreamToken(token, config.nodeName), controlPlane: false, storage });
  await node.ready;
  log.info({ server, node: config.nodeName }, 'berth agent is ready');
  log.info({ signal: await stop }, 'shutting down (containers keep running)');
  abort.abort();
  await node.stopped;
  return 0;
}
