// Runs one probe attempt (exec, httpGet, tcpSocket) the way the kubelet's prober does:
// exec succeeds on exit 0, httpGet on 200–399 (redirects not followed), tcpSocket on connect.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { ContainerSpec } from '../types';

type Obj = Record<string, unknown>;
export interface ProbeResult {
  ok: boolean;
  output: string;
}

export interface ProbeTarget {
  podIP: string;
  container: ContainerSpec;
  /** Runs a command in the container; resolves to its exit code. */
  exec: (cmd: string[], out: NodeJS.WritableStream, signal: AbortSignal) => Promise<number>;
}

function resolvePort(p: unknown, c: ContainerSpec): number {
  if (typeof p === 'number') return p;
  const named = c.ports?.find((x) => x.name === p);
  if (named) return named.containerPort;
  const n = Number(p);
  if (Number.isInteger(n) && n > 0) return n;
  throw new Error(`port "${String(p)}" is not a number and names no container port`);
}

export async function runProbe(probe: Obj, t: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, Number(probe['timeoutSeconds'] ?? 1)) * 1000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    if (probe['exec']) {
      const cmd = ((probe['exec'] as Obj)['command'] as string[] | undefined) ?? [];
      let output = '';
      const out = new Writable({ write(chunk: Buffer, _e, cb) { if (output.length < 10240) output += chunk.toString(); cb(); } });
      const code = await t.exec(cmd, out, ac.signal);
      if (ac.signal.aborted) return { ok: false, output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
      return { ok: code === 0, output: output.trim() || (code === 0 ? '' : `command exited with ${code}`) };
    }
    if (probe['httpGet']) {
      const g = probe['httpGet'] as Obj;
      const port = resolvePort(g['port'], t.container);
      const host = (g['host'] as string | undefined) || t.podIP;
      const scheme = String(g['scheme'] ?? 'HTTP').toLowerCase();
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.27', Accept: '*/*' };
      for (const h of (g['httpHeaders'] as { name: string; value: string }[] | undefined) ?? []) headers[h.name] = h.value;
      const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${String(g['path'] ?? '/')}`;
      return await new Promise<ProbeResult>((resolve) => {
        const mod = scheme === 'https' ? https : http;
        const req = mod.get(url, { headers, signal: ac.signal, ...(scheme === 'https' ? { rejectUnauthorized: false } : {}) }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => { if (body.length < 10240) body += d.toString(); });
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            resolve({ ok: code >= 200 && code < 400, output: code >= 200 && code < 400 ? '' : `HTTP probe failed with statuscode: ${code}` });
          });
        });
        req.on('error', (err) => resolve({ ok: false, output: `Get "${url}": ${ac.signal.aborted ? 'context deadline exceeded' : err.message}` }));
      });
    }
    if (probe['tcpSocket']) {
      const s = probe['tcpSocket'] as Obj;
      const port = resolvePort(s['port'], t.container);
      const host = (s['host'] as string | undefined) || t.podIP;
      return await new Promise<ProbeResult>((resolve) => {
        const sock = net.connect({ host, port });
        const done = (r: ProbeResult) => { sock.destroy(); resolve(r); };
        ac.signal.addEventListener('abort', () => done({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` }));
        sock.on('connect', () => done({ ok: true, output: '' }));
        sock.on('error', (err) => done({ ok: false, output: `dial tcp ${host}:${port}: ${err.message}` }));
      });
    }
    return { ok: true, output: 'unsupported probe handler; treated as success' };
  } catch (err) {
    return { ok: false, output: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
