// A NodeAgent over the in-process API stack and the fake providers, with a unique data dir,
// node name and cgroup parent per test; `close()` stops the agent and checks nothing leaked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../../controllers/context';
import { Recorder } from '../../../controllers/events';
import type { Timer } from '../../../controllers/queue';
import { type Stack, testStack } from '../../../controllers/testing/stack';
import type { Clock } from '../../../machinery/clock';
import type { KObject } from '../../../machinery/types';
import { NodeAgent } from '../../agent';
import type { ApiClient } from '../../../machinery/client';
import type { NodeConfig, Pod, PodNetworkProvider, VolumeProvider } from '../../types';
import { removeCgroup } from '../cgroups';
import { Runc } from '../runc';
import { FakeImages, FakeNetwork, FakeVolumes, unmountUnder } from './fakes';

export const podsRef = { group: '', version: 'v1', plural: 'pods' };

export interface Harness {
  stack: Stack;
  base: string;
  config: NodeConfig;
  images: FakeImages;
  agent: NodeAgent;
  recorder: Recorder;
  /** Starts (or restarts) the agent. */
  startAgent(): Promise<void>;
  stopAgent(): Promise<void>;
  getPod(name: string): Promise<Pod | undefined>;
  createPod(spec: Record<string, unknown>, name?: string): Promise<Pod>;
  close(): Promise<void>;
}

let seq = 0;

export interface HarnessOptions {
  clock?: Clock;
  timer?: Timer;
  /** Real providers instead of the fakes. */
  network?: (config: NodeConfig) => PodNetworkProvider;
  volumes?: (config: NodeConfig, client: ApiClient, onEvict: (uid: string, message: string) => void) => VolumeProvider;
  /** Parallel pod syncs (the agent's default otherwise). */
  workers?: number;
}

export async function nodeHarness(o: HarnessOptions = {}): Promise<Harness> {
  const base = mkdtempSync(join(tmpdir(), 'berth-node-'));
  const id = `${process.pid}-${seq++}-${Math.random().toString(36).slice(2, 6)}`;
  const stack = await testStack();
  const nsRef = { group: '', version: 'v1', plural: 'namespaces' };
  if (!(await stack.client.list(nsRef, undefined)).items.some((n) => n.metadata.name === 'default')) {
    await stack.client.create(nsRef, undefined, { metadata: { name: 'default' } });
  }
  const n = Math.floor(Math.random() * 60000);
  const config: NodeConfig = {
    nodeName: `node-${id}`,
    dataDir: join(base, 'node'),
    podCIDR: `10.${200 + (n % 50)}.${Math.floor(n / 50) % 250}.0/24`,
    bridge: `bt${n.toString(36)}`,
    cgroupParent: `berth-test-${id}`,
    address: '127.0.0.1',
    kubeletPort: 0,
    mirrors: {},
    insecureRegistries: [],
  };
  const images = new FakeImages(join(base, 'layer'));
  const network = o.network ? o.network(config) : new FakeNetwork();
  const volumes = o.volumes ? o.volumes(config, stack.client, (uid, m) => h.agent.evict(uid, m)) : new FakeVolumes(config.dataDir);
  const clock = o.clock ?? { now: () => new Date() };
  const recorder = new Recorder({ client: stack.client, clock, source: { component: 'kubelet', host: config.nodeName } });
  let ac: AbortController | undefined;
  let running: Promise<void> | undefined;
  const h: Harness = {
    stack, base, config, images, recorder,
    agent: undefined as unknown as NodeAgent,
    async startAgent() {
      h.agent = new NodeAgent({
        client: stack.client, config, images, network, volumes, clock,
        ...(o.timer ? { timer: o.timer } : {}), ...(o.workers !== undefined ? { workers: o.workers } : {}), log: silentLog, recorder,
      });
      ac = new AbortController();
      running = h.agent.start(ac.signal);
      await h.agent.ready;
    },
    async stopAgent() {
      ac?.abort();
      await running;
    },
    async getPod(name) {
      try {
        return (await stack.client.get(podsRef, 'default', name)) as Pod;
      } catch {
        return undefined;
      }
    },
    async createPod(spec, name = 'p') {
      const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: config.nodeName, ...spec } };
      return (await stack.client.create(podsRef, 'default', pod)) as Pod;
    },
    async close() {
      await h.stopAgent();
      const runc = new Runc(join(config.dataDir, 'runc'));
      for (const c of await runc.list().catch(() => [])) {
        await runc.kill(c.id, 'SIGKILL').catch(() => undefined);
        await runc.delete(c.id).catch(() => undefined);
      }
      unmountUnder(base);
      await removeCgroup(`/${config.cgroupParent}`);
      rmSync(base, { recursive: true, force: true });
    },
  };
  return h;
}
