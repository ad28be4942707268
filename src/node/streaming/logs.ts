// CRI log files (one entry a line: `<RFC3339Nano> <stdout|stderr> <P|F>[:tags] <text>`, where P
// marks a partial line continued by the next entry) turned into what `kubectl logs` prints.
import { StreamTargetError } from '../types';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  tailLines?: number;
  since?: Date;
  timestamps: boolean;
  limitBytes?: number;
}

export interface LogEntry {
  /** The timestamp as written (RFC 3339 with nanoseconds). */
  time: string;
  ms: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: string;
}

function bool(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function positiveInt(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new StreamTargetError('BadRequest', `Cannot read logs: ${name} "${v}" must be an integer of at least ${min}; pass ${name}=${Math.max(min, 1)} or more`);
  return n;
}

/** The kubelet's containerLogs query; sinceSeconds counts back from `now`. */
export function parseLogQuery(q: URLSearchParams, now: Date): LogOptions {
  const opts: LogOptions = { follow: bool(q.get('follow')), previous: bool(q.get('previous')), timestamps: bool(q.get('timestamps')) };
  const tail = positiveInt(q, 'tailLines', 0);
  if (tail !== undefined) opts.tailLines = tail;
  const limit = positiveInt(q, 'limitBytes', 1);
  if (limit !== undefined) opts.limitBytes = limit;
  const sinceSeconds = positiveInt(q, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw new StreamTargetError('BadRequest', 'Cannot read logs: sinceSeconds and sinceTime were both given; pass only one');
  if (sinceSeconds !== undefined) opts.since = new Date(now.getTime() - sinceSeconds * 1000);
  if (sinceTime) {
    const d = new Date(sinceTime);
    if (Number.isNaN(d.getTime())) throw new StreamTargetError('BadRequest', `Cannot read logs: sinceTime "${sinceTime}" is not an RFC 3339 time; pass e.g. 2024-01-02T15:04:05Z`);
    opts.since = d;
  }
  return opts;
}

/** One line of a CRI log file (without its newline); undefined for a malformed line. */
export function parseCriLine(line: string): LogEntry | undefined {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const time = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const c = line.indexOf(' ', b + 1);
  const tags = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const content = c < 0 ? '' : line.slice(c + 1);
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return undefined;
  return { time, ms, stream, partial: tags.split(':')[0] === 'P', content };
}

/** What one entry prints as: full lines end with a newline, partial ones continue. */
export function formatEntry(e: LogEntry, timestamps: boolean): string {
  return (timestamps ? `${e.time} ` : '') + e.content + (e.partial ? '' : '\n');
}

/** Whether an entry is shown under `since`. */
export function wanted(e: LogEntry, opts: LogOptions): boolean {
  return !opts.since || e.ms >= opts.since.getTime();
}
