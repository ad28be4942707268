// Pod start benchmark: apply → Running for N single-container pods with a cached image, Berth
// against `podman kube play` of the same manifest on the same machine, runs interleaved.
//   node --import tsx bench/pod-start.ts [--pods 20] [--runs 3]
// Needs root, podman, skopeo, docker-registry and busybox-static (Debian packages).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { startBerth, type Berth } from '../test/e2e/harness';
import { kubectl } from '../test/e2e/kubectl';
import { buildBusyboxLayout, startTestRegistry } from '../test/e2e/registry';

const run = promisify(execFile);
const { values: flags } = parseArgs({ options: { pods: { type: 'string', default: '20' }, runs: { type: 'string', default: '3' } } });
const podCount = Number.parseInt(flags.pods ?? '20', 10);
const runs = Number.parseInt(flags.runs ?? '3', 10);

function manifest(prefix: string): string {
  const docs: string[] = [];
  for (let i = 0; i < podCount; i++) {
    docs.push(`apiVersion: v1
kind: Pod
metadata:
  name: ${prefix}-${i}
  labels: {bench: ${prefix}}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: docker.io/library/busybox:latest
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
`);
  }
  return docs.join('---\n');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Wall time from `kubectl apply` until every pod reports Running (polled by one list per 20 ms). */
async function berthRun(b: Berth, file: string, prefix: string, count = podCount): Promise<number> {
  const t0 = performance.now();
  await kubectl(['apply', '-f', file], { kubeconfig: b.kubeconfig });
  for (;;) {
    const r = await b.request('GET', `/api/v1/namespaces/default/pods?labelSelector=bench%3D${prefix}`);
    const items = (r.body as { items?: { status?: { phase?: string } }[] }).items ?? [];
    if (items.length === count && items.every((p) => p.status?.phase === 'Running')) break;
    if (performance.now() - t0 > 300_000) throw new Error('berth pods not Running after 300 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - t0;
  await kubectl(['delete', 'pods', '-l', `bench=${prefix}`, '--wait=true', '--timeout=120s'], { kubeconfig: b.kubeconfig });
  return ms;
}

// Podman raises RLIMIT_NOFILE/NPROC for every container by default; in a sandbox without
// CAP_SYS_RESOURCE that fails, so its containers get modest limits (Berth sets none).
const podmanEnv = { ...process.env, CONTAINERS_CONF: '' };

/** Wall time of `podman kube play` (it returns once every container has started). */
async function podmanRun(file: string): Promise<number> {
  const t0 = performance.now();
  await run('podman', ['kube', 'play', file], { maxBuffer: 1 << 24, env: podmanEnv });
  const ms = performance.now() - t0;
  const states = (await run('podman', ['ps', '-a', '--format', '{{.State}}'], { env: podmanEnv })).stdout.split('\n').filter((l) => l !== '');
  if (states.length < podCount || states.some((st) => !/^(Up|running)/.test(st))) throw new Error(`podman kube play left containers not running: ${states.join(', ')}`);
  await run('podman', ['kube', 'down', file], { maxBuffer: 1 << 24, env: podmanEnv });
  return ms;
}

async function main(): Promise<void> {
  for (const bin of ['podman', 'skopeo', 'docker-registry', 'runc', 'conmon']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(`${bin} is missing: apt-get install ${bin === 'docker-registry' ? 'docker-registry' : bin}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-pods-'));
  podmanEnv.CONTAINERS_CONF = join(dir, 'containers.conf');
  await writeFile(podmanEnv.CONTAINERS_CONF, '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n');
  const registry = await startTestRegistry();
  const b = await startBerth({ node: { mirror: registry.mirrorUrl } });
  try {
    // Cache the image on both sides first: the benchmark is about starting pods, not pulling.
    const layout = await buildBusyboxLayout();
    await run('skopeo', ['copy', `oci:${layout}:latest`, 'containers-storage:docker.io/library/busybox:latest']);
    // podman's pause image is built on first use: once, outside the timed runs.
    await writeFile(join(dir, 'warm-podman.yaml'), manifest('pwarm').split('---\n')[0] ?? '');
    await run('podman', ['kube', 'play', join(dir, 'warm-podman.yaml')], { env: podmanEnv });
    await run('podman', ['kube', 'down', join(dir, 'warm-podman.yaml')], { env: podmanEnv });
    const warm = join(dir, 'warm.yaml');
    await writeFile(warm, manifest('warm').split('---\n')[0] ?? '');
    await berthRun(b, warm, 'warm', 1);
    const berth: number[] = [];
    const podman: number[] = [];
    for (let i = 0; i < runs; i++) {
      const f = join(dir, `run${i}.yaml`);
      await writeFile(f, manifest(`bench${i}`));
      berth.push(await berthRun(b, f, `bench${i}`));
      podman.push(await podmanRun(f));
      console.error(`run ${i + 1}/${runs}: berth ${berth[i]?.toFixed(0)} ms, podman ${podman[i]?.toFixed(0)} ms`);
    }
    const bm = median(berth);
    const pm = median(podman);
    console.log(`\n| ${podCount} pods, apply → Running (median of ${runs}) | berth | podman kube play | berth/podman |`);
    console.log('|---|---|---|---|');
    console.log(`| wall time | ${bm.toFixed(0)} ms | ${pm.toFixed(0)} ms | ${(bm / pm).toFixed(2)} |`);
    console.log(`| per pod | ${(bm / podCount).toFixed(1)} ms | ${(pm / podCount).toFixed(1)} ms | |`);
  } finally {
    await b.destroy();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
