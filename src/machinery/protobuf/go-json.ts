// How Go prints the apimachinery types that have custom JSON: metav1.Time, MicroTime, Duration.
// Decoded protobuf must come out byte-for-byte like a JSON client's body would have.

/** Seconds from the Unix epoch to Go's zero time (January 1, year 1, UTC), which prints as null. */
export const GO_ZERO_UNIX_SECONDS = -62135596800n;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function civil(seconds: bigint): Date {
  const ms = Number(seconds) * 1000;
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw new RangeError(`timestamp ${seconds}s is out of range`);
  return d;
}

function stamp(d: Date): string {
  const y = d.getUTCFullYear();
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
  return `${year}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:` +
    `${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

/** metav1.Time: RFC 3339 in UTC at second precision (the protobuf nanos are dropped upstream too). */
export function formatTime(seconds: bigint): string | null {
  if (seconds === GO_ZERO_UNIX_SECONDS) return null;
  return `${stamp(civil(seconds))}Z`;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits; nanos are truncated to micros. */
export function formatMicroTime(seconds: bigint, nanos: number): string | null {
  // time.Unix normalises nanos outside [0, 1e9) into the seconds.
  const total = seconds * 1_000_000_000n + BigInt(nanos);
  let sec = total / 1_000_000_000n;
  let ns = total % 1_000_000_000n;
  if (ns < 0n) {
    ns += 1_000_000_000n;
    sec -= 1n;
  }
  if (sec === GO_ZERO_UNIX_SECONDS && ns < 1000n) return null;
  return `${stamp(civil(sec))}.${pad(Number(ns / 1000n), 6)}Z`;
}

/** Digits of u / 10^prec after the point, trailing zeros (and a bare point) dropped, like Go's fmtFrac. */
function frac(u: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = u % 10n;
    print ||= digit !== 0n;
    if (print) digits = `${digit}${digits}`;
    u /= 10n;
  }
  return [print ? `.${digits}` : '', u];
}

/** time.Duration.String(): "1h2m3.5s", "1.5ms", "0s". */
export function formatDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const neg = nanos < 0n;
  // Go works on the uint64 magnitude; -2^63 stays representable that way.
  let u = neg ? -nanos : nanos;
  let out: string;
  if (u < 1_000_000_000n) {
    let unit: string;
    let prec: number;
    if (u < 1000n) [unit, prec] = ['ns', 0];
    else if (u < 1_000_000n) [unit, prec] = ['µs', 3];
    else [unit, prec] = ['ms', 6];
    const [f, whole] = frac(u, prec);
    out = `${whole}${f}${unit}`;
  } else {
    const [f, secs] = frac(u, 9);
    u = secs;
    out = `${u % 60n}${f}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}
