// Shared by the benchmarks: keep-alive HTTPS as admin, a JSON watch, percentiles, tables.
import { Agent, request } from 'node:https';
import type { Berth } from '../test/e2e/harness';

export interface Http {
  call: (method: string, path: string, body?: unknown, contentType?: string) => Promise<{ status: number; text: string }>;
  /** Like call, but throws unless the status is 2xx. */
  ok: (method: string, path: string, body?: unknown, contentType?: string) => Promise<string>;
  close: () => void;
}

/** Keep-alive HTTPS as admin over at most `sockets` connections. */
export function http(b: Berth, sockets: number): Http {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, ca: b.caPem });
  const call: Http['call'] = (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(new URL(path, b.url), {
        method,
        agent,
        headers: { authorization: `Bearer ${b.token}`, accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': contentType }) },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  const ok: Http['ok'] = async (method, path, body, contentType) => {
    const r = await call(method, path, body, contentType);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
    return r.text;
  };
  return { call, ok, close: () => agent.destroy() };
}

export interface WatchEvent {
  type: string;
  object: { metadata?: { name?: string; namespace?: string; resourceVersion?: string }; status?: { phase?: string } } & Record<string, unknown>;
}

/** Streams a watch (path without ?watch); `onEvent` sees each event as it arrives. */
export async function watch(b: Berth, path: string, onEvent: (ev: WatchEvent, at: number) => void): Promise<{ stop(): void }> {
  const sep = path.includes('?') ? '&' : '?';
  const req = request(new URL(`${path}${sep}watch=1&allowWatchBookmarks=false`, b.url), {
    agent: false,
    ca: b.caPem,
    headers: { authorization: `Bearer ${b.token}`, accept: 'application/json' },
  });
  await new Promise<void>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
      let buf = '';
      res.on('data', (c: Buffer) => {
        const now = performance.now();
        buf += c.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent, now);
        }
      });
      res.on('error', () => undefined);
      resolve();
    });
    req.end();
  });
  return { stop: () => req.destroy() };
}

/** The p-th percentile (nearest rank). */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
export const median = (xs: readonly number[]) => pct(xs, 50);

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
