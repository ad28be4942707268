// Storage benchmark (issue 4): PV binding time, provision + attach + mount latency per volume,
// sequential write throughput in a pod relative to the host filesystem.
//   node --import tsx bench/storage.ts [--only bind,latency,io] [--claims 10000] [--pods 10]
//                                      [--runs 3] [--mib 512] [--cpu-prof DIR]
// bind runs a server without a node (--node=false); latency and io need root, runc and the
// busybox test image (docker-registry and busybox-static, Debian packages).
import { parseArgs } from 'node:util';
import { startBerth } from '../test/e2e/harness';
import { bindBench } from './storage-bind';
import { table } from './http';
import { ioBench, latencyBench } from './storage-pods';

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string', default: 'bind,latency,io' },
    claims: { type: 'string', default: '10000' },
    pods: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    mib: { type: 'string', default: '512' },
    'cpu-prof': { type: 'string' },
  },
});
const num = (s: string | undefined) => Number.parseInt(s ?? '', 10);
const only = new Set((flags.only ?? '').split(','));
const BIND_GOAL_MS = 5000;

async function bind(): Promise<void> {
  const count = num(flags.claims);
  const prof = flags['cpu-prof'];
  // The server runs from source under --cpu-prof (storage-cpuprof.ts); it writes the profile
  // when it exits (SIGTERM in destroy()).
  if (prof) process.env['BERTH_BIN'] = new URL('storage-cpuprof.ts', import.meta.url).pathname;
  const b = await startBerth({ readyTimeoutMs: 60_000, ...(prof ? { env: { BERTH_CPU_PROF_DIR: prof } } : {}) });
  try {
    console.error(`bench: binding ${count} claims to ${count} volumes...`);
    const r = await bindBench(b, count);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`\n## Binding ${count} claims against ${count} pre-created PVs (berth server --node=false)\n`);
    console.log(table(['step', 'time', 'rate'], [
      [`create ${count} PVs (16 keep-alive clients)`, s(r.pvCreateMs), `${((count * 1000) / r.pvCreateMs).toFixed(0)}/s`],
      ['first PV create → all PVs Available', s(r.pvAvailableMs), ''],
      [`create ${count} claims (16 keep-alive clients)`, s(r.claimCreateMs), `${((count * 1000) / r.claimCreateMs).toFixed(0)}/s`],
      ['**last claim created → all claims Bound**', `**${s(r.bindMs)}**`, `goal ≤ ${s(BIND_GOAL_MS)}: ${r.bindMs <= BIND_GOAL_MS ? 'met' : 'NOT met'}`],
      ['first claim created → all claims Bound', s(r.totalMs), `${((count * 1000) / r.totalMs).toFixed(0)} bindings/s`],
    ]));
    console.log('\nNo peer: kind/k3s cannot run here; the goal is absolute.');
  } finally {
    await b.destroy();
  }
}

async function main(): Promise<void> {
  console.log(`Berth storage benchmark (node ${process.version}, ${new Date().toISOString()})`);
  if (only.has('bind')) await bind();
  if (only.has('latency')) await latencyBench({ pods: num(flags.pods) });
  if (only.has('io')) await ioBench({ runs: num(flags.runs), mib: num(flags.mib) });
}

await main();
