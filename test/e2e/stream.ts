// A raw watch as a stream of parsed events, for scenarios that need to see them as they arrive.
import { request } from 'node:https';
import type { Berth } from './harness';

export interface WatchEventLine {
  type: string;
  object: {
    kind?: string;
    code?: number;
    reason?: string;
    message?: string;
    metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
    data?: Record<string, string>;
  };
}

export interface RawWatch {
  readonly status: number;
  readonly events: WatchEventLine[];
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  /** Resolves with the first event (at or after index `from`) that pred accepts. */
  next(pred: (e: WatchEventLine) => boolean, from?: number, timeoutMs?: number): Promise<WatchEventLine>;
  close(): void;
}

/** Opens GET path (which should carry watch=true) and parses one JSON event per line. */
export function rawWatch(b: Pick<Berth, 'url' | 'token' | 'caPem'>, path: string): Promise<RawWatch> {
  return new Promise((resolve, reject) => {
    const events: WatchEventLine[] = [];
    const listeners = new Set<() => void>();
    let endedResolve: () => void = () => {};
    const ended = new Promise<void>((r) => (endedResolve = r));
    let done = false;
    const req = request(new URL(path, b.url), { method: 'GET', ca: b.caPem, agent: false, headers: { authorization: `Bearer ${b.token}`, accept: 'application/json' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) events.push(JSON.parse(line) as WatchEventLine);
          nl = buf.indexOf('\n');
        }
        for (const l of listeners) l();
      });
      const finish = () => {
        if (done) return;
        done = true;
        if (buf.trim()) events.push(JSON.parse(buf) as WatchEventLine);
        for (const l of listeners) l();
        endedResolve();
      };
      res.on('error', finish);
      res.on('end', finish);
      res.on('close', finish);
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        next: (pred, from = 0, timeoutMs = 20_000) =>
          new Promise((ok, fail) => {
            const check = () => {
              const e = events.slice(from).find(pred);
              if (e) {
                cleanup();
                ok(e);
              } else if (done) {
                cleanup();
                fail(new Error(`watch ${path} ended without the event; got ${JSON.stringify(events.map((x) => x.type))}`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              fail(new Error(`watch ${path}: no matching event; got ${JSON.stringify(events.map((x) => [x.type, x.object.metadata?.name]))}`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              listeners.delete(check);
            };
            listeners.add(check);
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
    req.end();
  });
}
