// Kubernetes resource.Quantity: exact decimal arithmetic (bigint mantissa × 10^scale) with the
// apimachinery parse rules and canonical string form, so stored objects print as upstream's do.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** value = mant × 10^scale */
  readonly mant: bigint;
  readonly scale: number;
  readonly format: QuantityFormat;
  /** The original text, kept when upstream would keep it (it is already canonical-looking). */
  readonly cached?: string;
}

const REGEX_TEXT = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${REGEX_TEXT}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const MAX_INT64 = (1n << 63n) - 1n;
const NANO = -9;

const decSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binSuffixes: Record<string, number> = { '': 0, Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decByExp = new Map(Object.entries(decSuffixes).map(([s, e]) => [e, s]));
const binByExp = new Map(Object.entries(binSuffixes).map(([s, e]) => [e, s]));

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const pow10 = (n: number): bigint => 10n ** BigInt(n);

interface Scanned {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** Mirrors upstream's hand-written scanner: sign, leading zeros, digits, '.', digits, suffix. */
function scan(str: string): Scanned {
  let pos = 0;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < str.length && str[pos] === '0') pos++;
  if (pos >= str.length) return { positive, num: '0', denom: '', suffix: '' };
  let start = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(start, pos) || '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    start = pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && 'eEinumkKMGTP'.includes(str[pos] ?? '')) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < str.length) throw new QuantityError(ERR_FORMAT_WRONG);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

function interpret(suffix: string): { base: 10 | 2; exp: number; format: QuantityFormat } {
  const d = decSuffixes[suffix];
  if (d !== undefined) return { base: 10, exp: d, format: 'DecimalSI' };
  const b = binSuffixes[suffix];
  if (b !== undefined) return { base: 2, exp: b, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    return { base: 10, exp: Number(suffix.slice(1)), format: 'DecimalExponent' };
  }
  throw new QuantityError(ERR_SUFFIX);
}

/** Divides by 10^n rounding away from zero (inf.RoundUp on the magnitude). */
function divRoundUp(m: bigint, n: number): bigint {
  const d = pow10(n);
  const q = m / d;
  if (q * d === m) return q;
  return m < 0n ? q - 1n : q + 1n;
}

/** Parses a quantity string exactly as resource.ParseQuantity does; throws QuantityError. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityError(ERR_FORMAT_WRONG);
  if (str === '0') return { mant: 0n, scale: 0, format: 'DecimalSI', cached: '0' };
  const { positive, num, denom, suffix } = scan(str);
  const { base, exp, format: fmt } = interpret(suffix);
  let format = fmt;

  let mag = BigInt(num + denom);
  let scale = -denom.length;
  if (base === 10) scale += exp;
  else mag *= 1n << BigInt(exp);

  // Upstream's fast path keeps the caller's text when it already looks canonical.
  let cached: string | undefined;
  const digits = num.length + denom.length;
  if (base === 10 && 18 - digits >= 0 && exp - denom.length >= NANO) {
    const shifted = num + denom;
    if ((exp - denom.length) % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0') cached = str;
  } else if (base === 2 && denom.length === 0 && 15 - num.length - Math.trunc((exp * 3) / 10) - 1 >= 0) {
    const v = BigInt(num);
    if (v * (1n << BigInt(exp)) <= MAX_INT64 && exp % 10 === 0 && (v & 7n) !== 0n) cached = str;
  }

  if (mag !== 0n && scale < NANO) {
    mag = divRoundUp(mag, NANO - scale);
    scale = NANO;
  }
  if (format === 'BinarySI') {
    if (scale >= 0 && mag * pow10(scale) > MAX_INT64) {
      mag = MAX_INT64;
      scale = 0;
      cached = undefined;
    }
    // 0 < x < 1 cannot be shown in binary units.
    if (mag !== 0n && cmpParts(mag, scale, 1n, 0) < 0) format = 'DecimalSI';
  }
  const mant = positive ? mag : -mag;
  return cached === undefined ? { mant, scale, format } : { mant, scale, format, cached };
}

/** JSON form: a string (trimmed, as UnmarshalJSON does) or a number. */
export function parseQuantityValue(v: unknown): Quantity {
  if (typeof v === 'number' && Number.isFinite(v)) return parseQuantity(String(v));
  if (typeof v === 'string') return parseQuantity(v.trim());
  throw new QuantityError(ERR_FORMAT_WRONG);
}

/** Parses or returns the upstream error message. */
export function tryParseQuantity(v: unknown): { ok: true; q: Quantity } | { ok: false; error: string } {
  try {
    return { ok: true, q: parseQuantityValue(v) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function cmpParts(am: bigint, as: number, bm: bigint, bs: number): -1 | 0 | 1 {
  const s = Math.min(as, bs);
  const a = am * pow10(as - s);
  const b = bm * pow10(bs - s);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return cmpParts(a.mant, a.scale, b.mant, b.scale);
}

export function isZeroQuantity(q: Quantity): boolean {
  return q.mant === 0n;
}

export function signQuantity(q: Quantity): -1 | 0 | 1 {
  return q.mant < 0n ? -1 : q.mant > 0n ? 1 : 0;
}

/** a + b; a zero left side takes the right side's format, as upstream's Add does. */
export function addQuantity(a: Quantity, b: Quantity): Quantity {
  const s = Math.min(a.scale, b.scale);
  const mant = a.mant * pow10(a.scale - s) + b.mant * pow10(b.scale - s);
  return { mant, scale: s, format: a.mant === 0n ? b.format : a.format };
}

export function subQuantity(a: Quantity, b: Quantity): Quantity {
  return addQuantity(a, { mant: -b.mant, scale: b.scale, format: b.format });
}

export function newQuantity(value: number | bigint, format: QuantityFormat): Quantity {
  return { mant: BigInt(value), scale: 0, format };
}

export function newMilliQuantity(value: number | bigint, format: QuantityFormat): Quantity {
  return { mant: BigInt(value), scale: -3, format };
}

/** Approximate float value. */
export function toNumber(q: Quantity): number {
  return Number(`${q.mant}e${q.scale}`);
}

/** ceil(q × 10^-scale) away from zero, like ScaledValue. */
function scaledValue(q: Quantity, scale: number): bigint {
  const shift = q.scale - scale;
  if (shift >= 0) return q.mant * pow10(shift);
  return divRoundUp(q.mant, -shift);
}

export function quantityValue(q: Quantity): bigint {
  return scaledValue(q, 0);
}

export function milliValue(q: Quantity): bigint {
  return scaledValue(q, -3);
}

function removeFactors(m: bigint, base: bigint): [bigint, number] {
  let neg = false;
  let v = m;
  if (v < 0n) {
    neg = true;
    v = -v;
  }
  let times = 0;
  while (v >= base && v % base === 0n) {
    v /= base;
    times++;
  }
  return [neg ? -v : v, times];
}

/** The canonical text upstream serialises (String()). */
export function formatQuantity(q: Quantity): string {
  if (q.cached !== undefined) return q.cached;
  if (q.mant === 0n) return '0';
  let format = q.format;
  let whole: bigint | undefined;
  if (format === 'BinarySI') {
    if (cmpParts(q.mant, q.scale, -1024n, 0) > 0 && cmpParts(q.mant, q.scale, 1024n, 0) < 0) format = 'DecimalSI';
    else if (q.scale >= 0) whole = q.mant * pow10(q.scale);
    else if (q.mant % pow10(-q.scale) === 0n) whole = q.mant / pow10(-q.scale);
    else format = 'DecimalSI';
  }
  if (format === 'BinarySI' && whole !== undefined) {
    const [m, e] = removeFactors(whole, 1024n);
    return `${m}${binByExp.get(e * 10) ?? ''}`;
  }
  let [m, e] = removeFactors(q.mant, 10n);
  e += q.scale;
  const r = ((e % 3) + 3) % 3;
  m *= pow10(r);
  e -= r;
  if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
  // Upstream drops the suffix past E (no table entry); kept for fidelity.
  return `${m}${decByExp.get(e) ?? ''}`;
}

/** Canonical stored text for a JSON quantity value, or undefined if it does not parse. */
export function canonicalQuantity(v: unknown): string | undefined {
  const r = tryParseQuantity(v);
  return r.ok ? formatQuantity(r.q) : undefined;
}
