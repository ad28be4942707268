// Storage benchmarks that run pods on the in-process node: provision + attach + mount latency per
// volume, and sequential write throughput inside a pod against the host filesystem.
// Each StorageClass is skipped when the server does not have it (e.g. `block` before it is wired).
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Berth, startBerth } from '../test/e2e/harness';
import { kubectl } from '../test/e2e/kubectl';
import { startTestRegistry } from '../test/e2e/registry';
import { http, type Http, median, pct, table, watch } from './http';

const run = promisify(execFile);
export const CLASSES = ['local-dir', 'block'];
const NS = 'bench-storage';

/** Times from a watch: the first moment each object was seen in `phase`. */
function firstSeen(b: Berth, path: string, phase: string) {
  const at = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const w = watch(b, path, (ev, t) => {
    const name = ev.object.metadata?.name ?? '';
    if (ev.object.status?.phase !== phase || at.has(name)) return;
    at.set(name, t);
    waiters.get(name)?.();
  });
  const wait = async (name: string, timeoutMs = 120_000): Promise<number> => {
    if (!at.has(name)) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${name} not ${phase} after ${timeoutMs} ms`)), timeoutMs);
        waiters.set(name, () => (clearTimeout(t), resolve()));
      });
    }
    return at.get(name) as number;
  };
  return { ready: w, wait, stop: async () => (await w).stop() };
}

const claim = (name: string, cls: string, size: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { storageClassName: cls, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } });
function pod(name: string, claimName?: string) {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: 'docker.io/library/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], ...(claimName ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}) }],
      ...(claimName ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] } : {}),
    },
  };
}

/** A server with its node, the busybox image cached, a namespace; `fn` runs, then everything goes. */
async function withNode(fn: (b: Berth, h: Http, classes: string[]) => Promise<void>): Promise<void> {
  const registry = await startTestRegistry();
  const b = await startBerth({ node: { mirror: registry.mirrorUrl }, readyTimeoutMs: 60_000 });
  const h = http(b, 8);
  try {
    await h.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const classes: string[] = [];
    for (const c of CLASSES) {
      if ((await h.call('GET', `/apis/storage.k8s.io/v1/storageclasses/${c}`)).status === 200) classes.push(c);
      else console.error(`bench: StorageClass ${c} does not exist here: skipped`);
    }
    // Pull once, outside every measurement.
    const pods = firstSeen(b, `/api/v1/namespaces/${NS}/pods`, 'Running');
    await pods.ready;
    await h.ok('POST', `/api/v1/namespaces/${NS}/pods`, pod('warm'));
    await pods.wait('warm', 300_000);
    await pods.stop();
    await fn(b, h, classes);
  } finally {
    h.close();
    await kubectl(['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { kubeconfig: b.kubeconfig }).catch(() => undefined);
    await b.destroy();
    await registry.stop();
  }
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

/**
 * Per class, N times, one at a time: (a) a fresh claim and a pod using it created together (what
 * a user sees; an Immediate claim not yet bound sends the pod through the scheduler's backoff),
 * and (b) a pod created once its fresh claim is Bound (attach + mount alone).
 */
export async function latencyBench(opts: { pods: number }): Promise<void> {
  await withNode(async (b, h, classes) => {
    const claims = firstSeen(b, `/api/v1/namespaces/${NS}/persistentvolumeclaims`, 'Bound');
    const pods = firstSeen(b, `/api/v1/namespaces/${NS}/pods`, 'Running');
    await Promise.all([claims.ready, pods.ready]);
    const podRun = async (name: string, claimName?: string) => {
      const t0 = performance.now();
      await h.ok('POST', `/api/v1/namespaces/${NS}/pods`, pod(name, claimName));
      return (await pods.wait(name)) - t0;
    };
    const newClaim = async (name: string, cls: string) => {
      const t0 = performance.now();
      await h.ok('POST', `/api/v1/namespaces/${NS}/persistentvolumeclaims`, claim(name, cls, '64Mi'));
      return async () => (await claims.wait(name)) - t0;
    };
    const mp = (xs: number[]) => `${ms(median(xs))} / ${ms(pct(xs, 90))}`;
    const plain: number[] = [];
    const rows: string[][] = [];
    for (const cls of classes) {
      const bound: number[] = [];
      const together: number[] = [];
      const after: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < opts.pods; i++) {
        // The no-volume pod runs in turn with the others: the host's load drifts.
        base.push(await podRun(`${cls}-plain${i}`));
        const a = `${cls}-a${i}`;
        const boundA = await newClaim(a, cls);
        together.push(await podRun(a, a));
        bound.push(await boundA());
        const c = `${cls}-b${i}`;
        bound.push(await (await newClaim(c, cls))());
        after.push(await podRun(c, c));
      }
      plain.push(...base);
      rows.push([cls, mp(bound), mp(together), mp(after), ms(median(after) - median(base))]);
      console.error(`bench: ${cls}: ${2 * opts.pods} pods Running`);
    }
    rows.unshift(['(no volume, interleaved)', '-', mp(plain), mp(plain), '-']);
    await Promise.all([claims.stop(), pods.stop()]);
    console.log(`\n## Provision + attach + mount latency (N=${opts.pods} per class and way, one at a time; median / p90)\n`);
    console.log(table(['class', 'claim created → Bound', '(a) claim + pod created together: pod → Running', '(b) pod created on the Bound claim → Running', '(b) minus the no-volume pod'], rows));
  });
}

/** `dd` of `mib` MiB with fsync at the end; seconds from /proc/uptime around it (same script in the pod and on the host). */
const ddScript = (dir: string, mib: number) =>
  `rm -f ${dir}/f; sync; t0=$(cut -d' ' -f1 /proc/uptime); dd if=/dev/zero of=${dir}/f bs=1M count=${mib} conv=fsync 2>/dev/null || exit 1; t1=$(cut -d' ' -f1 /proc/uptime); rm -f ${dir}/f; echo "$t0 $t1"`;
const seconds = (out: string) => {
  const [a, b] = out.trim().split(/\s+/).map(Number);
  if (a === undefined || b === undefined || !(b > a)) throw new Error(`unexpected dd timing output: ${out}`);
  return b - a;
};

/** Sequential write MB/s in a pod per class vs the host filesystem under the data dir, runs interleaved. */
export async function ioBench(opts: { runs: number; mib: number }): Promise<void> {
  await withNode(async (b, h, classes) => {
    const pods = firstSeen(b, `/api/v1/namespaces/${NS}/pods`, 'Running');
    await pods.ready;
    for (const cls of classes) {
      await h.ok('POST', `/api/v1/namespaces/${NS}/persistentvolumeclaims`, claim(`io-${cls}`, cls, `${Math.ceil((opts.mib * 2) / 1024)}Gi`));
      await h.ok('POST', `/api/v1/namespaces/${NS}/pods`, pod(`io-${cls}`, `io-${cls}`));
      await pods.wait(`io-${cls}`);
    }
    await pods.stop();
    // The host side writes on the same filesystem as the node's volume pool (the data dir).
    const hostDir = join(b.dataDir, 'bench-host-dd');
    await mkdir(hostDir, { recursive: true });
    const targets = ['host', ...classes];
    const times = new Map<string, number[]>(targets.map((t) => [t, []]));
    for (let r = 0; r < opts.runs; r++) {
      // Rotate the order so no target always runs first (or right after another's writeback).
      for (let j = 0; j < targets.length; j++) {
        const t = targets[(r + j) % targets.length] as string;
        const out = t === 'host'
          ? (await run('busybox', ['sh', '-c', ddScript(hostDir, opts.mib)])).stdout
          : (await kubectl(['exec', '-n', NS, `io-${t}`, '--', 'sh', '-c', ddScript('/data', opts.mib)], { kubeconfig: b.kubeconfig })).stdout;
        times.get(t)?.push(seconds(out));
      }
      console.error(`bench: io run ${r + 1}/${opts.runs}`);
    }
    await rm(hostDir, { recursive: true, force: true });
    // The median is the result; the best run shows the undisturbed rate on a shared machine.
    const mbps = (t: string) => opts.mib / median(times.get(t) ?? []);
    const best = (t: string) => opts.mib / Math.min(...(times.get(t) ?? []));
    const goals: Record<string, number> = { 'local-dir': 0.95, block: 0.8 };
    const rows = targets.map((t) => {
      const ratio = mbps(t) / mbps('host');
      return [
        t === 'host' ? 'host filesystem (same disk)' : `pod, ${t} volume`,
        `${mbps(t).toFixed(0)} MiB/s`,
        `${best(t).toFixed(0)} MiB/s`,
        (times.get(t) ?? []).map((x) => x.toFixed(2)).join(', '),
        t === 'host' ? '-' : ratio.toFixed(2),
        t === 'host' ? '-' : (best(t) / best('host')).toFixed(2),
        t === 'host' ? '-' : `≥ ${goals[t] ?? '-'}: ${ratio >= (goals[t] ?? 0) ? 'met' : 'NOT met'}`,
      ];
    });
    console.log(`\n## Sequential write, dd bs=1M count=${opts.mib} conv=fsync (median of ${opts.runs}, interleaved)\n`);
    console.log(table(['where', 'median', 'best', 'runs (s)', 'ratio to host (median)', 'ratio (best)', 'goal (median)'], rows));
  });
}
