// /healthz, /livez and /readyz as kube-apiserver answers them: one aggregate endpoint and one
// per check, ?verbose listing, ?exclude=NAME, failures reported without their reasons.
import type { ServerResponse } from 'node:http';
import { errors } from '../machinery/errors';

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects (or resolves false) when not. */
  check(): Promise<boolean>;
}

async function run(c: HealthCheck): Promise<boolean> {
  try {
    return await c.check();
  } catch {
    return false;
  }
}

export async function answerHealth(res: ServerResponse, endpoint: HealthEndpoint, rest: string[], query: URLSearchParams, checks: HealthCheck[]): Promise<void> {
  const text = (status: number, body: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  };
  if (rest.length > 1) throw errors.pathNotFound();
  if (rest.length === 1) {
    const one = checks.find((c) => c.name === rest[0]);
    if (!one) throw errors.pathNotFound();
    return (await run(one)) ? text(200, 'ok') : text(500, `internal server error: ${one.name} check failed`);
  }
  const excluded = new Set(query.getAll('exclude').flatMap((e) => e.split(',')).filter(Boolean));
  const results = await Promise.all(checks.map(async (c) => ({ name: c.name, skip: excluded.has(c.name), ok: excluded.has(c.name) || (await run(c)) })));
  const unknown = [...excluded].filter((e) => !checks.some((c) => c.name === e));
  const ok = results.every((r) => r.ok);
  const lines = results.map((r) => (r.skip ? `[+]${r.name} excluded: ok` : r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
  if (unknown.length) lines.push(`warn: some health checks cannot be excluded: no matches for ${unknown.map((u) => `"${u}"`).join(',')}`);
  if (ok && !query.has('verbose')) return text(200, 'ok');
  const shown = ok ? lines : lines.filter((l) => query.has('verbose') || l.startsWith('[-]') || l.startsWith('warn'));
  text(ok ? 200 : 500, `${shown.join('\n')}\n${endpoint} check ${ok ? 'passed' : 'failed'}\n`);
}
