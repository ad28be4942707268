// Size rules shared by the pool and the built-in drivers.

export const MiB = 1n << 20n;
export const GiB = 1n << 30n;
/** The smallest block volume: room for ext4's metadata and journal with space left for data. */
export const BLOCK_MIN_BYTES = 16n * MiB;

/** Rounds up to whole MiB (loop devices need 512-byte multiples; MiB keeps sizes readable). */
export const roundUpMiB = (bytes: bigint): bigint => ((bytes + MiB - 1n) / MiB) * MiB;

/** Human form for messages: "64Mi", "1536Ki", "123". */
export function formatBytes(b: bigint): string {
  for (const [unit, n] of [['Ti', 1n << 40n], ['Gi', GiB], ['Mi', MiB], ['Ki', 1024n]] as const) {
    if (b >= n && b % n === 0n) return `${b / n}${unit}`;
  }
  return b.toString();
}
