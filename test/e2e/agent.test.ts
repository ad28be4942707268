// `berth agent` joins a server that runs no node of its own (--node=false) over HTTPS with the
// server's URL, token and CA: it registers, pods are scheduled onto it and run, and logs/exec
// reach its streaming server through the API server.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Berth, cleanupNode, drainNode, startBerth } from './harness';
import { startTestRegistry } from './registry';
import { eventually, type Kubectl, kubectlFor } from './util';

const berthBin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'berth');

describe('berth agent', { timeout: 120_000 }, () => {
  let b: Berth;
  let k: Kubectl;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  let agent: ChildProcess | undefined;
  let work = '';
  const tag = randomBytes(4).toString('hex');
  const nodeName = `agent-${tag}`;
  const node = { bridge: `bt${tag}`, cgroupParent: `berth-e2e-${tag}` };

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth();
    k = kubectlFor(b);
    work = await mkdtemp(join(tmpdir(), 'berth-agent-'));
    const n = randomInt(0, 50 * 256);
    const log = openSync(join(work, 'agent.log'), 'a');
    agent = spawn(berthBin, [
      'agent', '--server', b.url, '--token', b.token, '--ca-file', join(b.dataDir, 'pki', 'ca.crt'), '--data-dir', join(work, 'data'),
      '--node-name', nodeName, '--pod-cidr', `10.${200 + Math.floor(n / 256)}.${n % 256}.0/24`, '--bridge', node.bridge, '--cgroup-parent', node.cgroupParent,
      '--kubelet-port', '0', '--registry-mirror', `docker.io=${registry.mirrorUrl}`, '--insecure-registry', registry.host,
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
  });
  after(async () => {
    await drainNode({ url: b.url, token: b.token, caPem: b.caPem }, join(work, 'data'));
    if (agent && agent.exitCode === null) {
      const gone = new Promise((r) => agent?.once('exit', r));
      agent.kill('SIGTERM');
      await gone;
    }
    await cleanupNode(join(work, 'data'), node);
    await b?.destroy();
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('the agent registers a Ready node', async () => {
    const ready = await eventually(async () => {
      const out = (await k(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], { allowFail: true })).stdout;
      return out === 'True' ? out : undefined;
    }, 'the agent node Ready', 30_000).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await readFile(join(work, 'agent.log'), 'utf8')}`);
    });
    assert.equal(ready, 'True');
    const row = (await k(['get', 'nodes'])).stdout;
    assert.match(row, new RegExp(`^${nodeName}\\s+Ready\\s+<none>\\s+`, 'm'));
  });

  test('a pod runs on it; logs and exec go through its streaming server', async () => {
    await k(['run', 'hello', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo hello from the agent; sleep 3600']);
    const onNode = await eventually(async () => {
      const out = (await k(['get', 'pod', 'hello', '-o', 'jsonpath={.status.phase} {.spec.nodeName}'])).stdout;
      return out.startsWith('Running ') ? out.split(' ')[1] : undefined;
    }, 'the pod running', 60_000);
    assert.equal(onNode, nodeName);
    await eventually(async () => ((await k(['logs', 'hello'])).stdout === 'hello from the agent\n' ? true : undefined), 'the log line');
    assert.equal((await k(['exec', 'hello', '--', 'hostname'])).stdout, 'hello\n');
    assert.equal((await k(['exec', 'hello', '--', 'sh', '-c', 'exit 4'], { allowFail: true })).code, 4);
    // The agent tears the pod down and removes the object.
    await k(['delete', 'pod', 'hello', '--grace-period=1', '--wait=true']);
  });
});
