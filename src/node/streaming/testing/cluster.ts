// An in-process apiserver with the pod connectors, a StreamingServer over a FakeRuntime, a Node
// pointing at it, and a kubeconfig for the real kubectl: the streaming path end to end, no node.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { admissionPlugins } from '../../../apiserver/admission/plugins';
import { bootstrap } from '../../../apiserver/bootstrap';
import { podConnectors } from '../../../apiserver/connect/pods';
import { InProcessClient } from '../../../apiserver/inprocess-client';
import { writeKubeconfig } from '../../../apiserver/kubeconfig';
import { Metrics } from '../../../apiserver/metrics';
import { ObjectStore } from '../../../apiserver/object-store';
import { ensurePki } from '../../../apiserver/pki';
import { Registry } from '../../../apiserver/registry';
import { ApiServer } from '../../../apiserver/server';
import { randomIds, systemClock } from '../../../machinery/clock';
import { allResources } from '../../../machinery/resources';
import { openBackend } from '../../../store';
import { StreamingServer } from '../server';
import { FakeRuntime } from './fake-runtime';

const core = { group: '', version: 'v1' };

export interface TestCluster {
  dir: string;
  kubeconfig: string;
  runtime: FakeRuntime;
  client: InProcessClient;
  /** Every upgraded session the node served, in order. */
  sessions: { kind: string; transport: 'spdy' | 'websocket'; protocol: string }[];
  /** Creates a Running pod bound to the fake node, with these containers. */
  addPod(name: string, containers: string[], opts?: { phase?: string; main?: Record<string, string[]> }): Promise<void>;
  /** One HTTPS request to the apiserver as admin. */
  api(method: string, path: string, headers?: Record<string, string>): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export async function startCluster(): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-streaming-'));
  const log = pino({ level: process.env['BERTH_TEST_LOG'] ?? 'silent' });
  const pki = await ensurePki(dir, { hostnames: ['localhost'], ips: ['127.0.0.1'], now: new Date() });
  const backend = openBackend('memory://');
  await backend.ready;
  const registry = new Registry(allResources);
  const store = new ObjectStore(backend, systemClock, randomIds, admissionPlugins(registry));
  const nodeToken = randomIds.uid();
  const deps = { registry, store, clock: systemClock, connectors: podConnectors({ nodeToken, caPem: pki.caCertPem }) };
  const abort = new AbortController();
  const token = randomIds.uid();
  const noChecks = { healthz: [], livez: [], readyz: [] };
  const api = new ApiServer({ host: '127.0.0.1', port: 0, certPem: pki.certPem, keyPem: pki.keyPem, tokens: [token], deps, log, metrics: new Metrics(), health: noChecks });
  await api.start(abort.signal);
  const port = api.address?.port ?? 0;
  await bootstrap(store, registry, { ip: '127.0.0.1', port });
  const runtime = new FakeRuntime(join(dir, 'logs'), dir);
  const sessions: TestCluster['sessions'] = [];
  const node = new StreamingServer({ runtime, host: '127.0.0.1', port: 0, tls: { certPem: pki.certPem, keyPem: pki.keyPem }, token: nodeToken, log, observe: (e) => sessions.push(e) });
  await node.start(abort.signal);
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  await writeKubeconfig(kubeconfig, { server: `https://127.0.0.1:${port}`, caPem: pki.caCertPem, token, clusterName: 'berth', user: 'admin', context: 'berth' });
  const client = new InProcessClient(deps);
  const nodeName = 'fake-node';
  await client.create({ ...core, plural: 'nodes' }, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
  await client.patch({ ...core, plural: 'nodes' }, undefined, nodeName, 'merge', {
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: node.address?.port } } },
  }, {}, 'status');
  return {
    dir,
    kubeconfig,
    runtime,
    client,
    sessions,
    async addPod(name, containers, opts = {}) {
      await client.create({ ...core, plural: 'pods' }, 'default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { nodeName, containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
      });
      await client.patch({ ...core, plural: 'pods' }, 'default', name, 'merge', { status: { phase: opts.phase ?? 'Running' } }, {}, 'status');
      for (const c of containers) runtime.addContainer({ namespace: 'default', name }, c, opts.main?.[c]);
    },
    api(method, path, headers = {}) {
      return new Promise((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, path, method, ca: pki.caCertPem, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        r.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, text: '' });
        });
        r.on('error', reject);
        r.end();
      });
    },
    async close() {
      runtime.close();
      abort.abort();
      await api.stop();
      await node.stop();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type KubectlVersion = '1.27' | '1.29' | '1.30' | '1.33' | 'default';

export function kubectlBin(v: KubectlVersion): string {
  return v === 'default' ? '/usr/bin/kubectl' : `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`;
}

/** Runs kubectl against the cluster; resolves with its exit code and output. */
export function runKubectl(c: TestCluster, v: KubectlVersion, args: string[], input?: string, timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBin(v), args, { env: { ...process.env, KUBECONFIG: c.kubeconfig, KUBECACHEDIR: join(c.dir, `.kube-cache-${v}`) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}
