// Shared by the benchmarks: N concurrent loops running one operation until a count or a deadline.

/** Runs `op(i)` from `workers` loops until `count` ops ran or `seconds` passed; returns each op's latency (ms). */
export async function runWorkers(workers: number, opts: { count?: number; seconds?: number }, op: (i: number) => Promise<void>): Promise<number[]> {
  const deadline = performance.now() + (opts.seconds ?? 600) * 1000;
  const limit = opts.count ?? Number.POSITIVE_INFINITY;
  const lat: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < limit && performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        lat.push(performance.now() - t0);
      }
    }),
  );
  return lat;
}
