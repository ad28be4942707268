// Small helpers shared by the end-to-end scenarios: kubectl bound to one server, table parsing,
// long-running kubectl processes (get -w), and polling for eventual state.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { type Berth, kubectl, type KubectlOptions } from './harness';

export type Kubectl = (args: string[], opts?: Omit<KubectlOptions, 'kubeconfig'>) => Promise<{ code: number; stdout: string; stderr: string }>;

/** kubectl with the server's kubeconfig filled in. */
export function kubectlFor(b: Berth): Kubectl {
  return (args, opts = {}) => kubectl(args, { ...opts, kubeconfig: b.kubeconfig });
}

/** The header cells of a `kubectl get` table (columns are separated by 2+ spaces, names never are). */
export function headerOf(out: string): string[] {
  const first = out.split('\n')[0] ?? '';
  return first.trim().split(/ {2,}/);
}

/** The header line with runs of spaces collapsed to one " | " separator, for exact comparison. */
export function headerLine(out: string): string {
  return headerOf(out).join(' | ');
}

/**
 * The rows of a `kubectl get` table as column-name → cell, cutting each line at the header's
 * column starts (kubectl aligns every cell under its header), so blank cells come out as ''.
 */
export function rowsOf(out: string): Record<string, string>[] {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0] ?? '';
  const starts: { name: string; at: number }[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) starts.push({ name: m[0], at: m.index });
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    starts.forEach((c, i) => {
      const end = starts[i + 1]?.at ?? line.length;
      row[c.name] = line.slice(c.at, end).trim();
    });
    return row;
  });
}

/** The row whose NAME (or first column) is name. */
export function rowNamed(out: string, name: string, column = 'NAME'): Record<string, string> {
  const row = rowsOf(out).find((r) => r[column] === name);
  if (!row) throw new Error(`no row ${column}=${name} in:\n${out}`);
  return row;
}

/** Polls fn until it returns a value other than undefined/false; throws its last error at the deadline. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Running {
  /** Everything written to stdout so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once stdout matches (rejects after timeoutMs or when the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process exits. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts a long-running kubectl (e.g. `get -w`) and exposes its output as it arrives. */
export function spawnKubectl(b: Berth, args: string[]): Running {
  const c = spawn('/usr/bin/kubectl', args, {
    env: { ...process.env, KUBECONFIG: b.kubeconfig, KUBECACHEDIR: join(dirname(b.kubeconfig), '.kubectl-cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  c.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const l of listeners) l();
  });
  c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let done = false;
  const exited = new Promise<number | null>((r) =>
    c.on('close', (code) => {
      done = true;
      for (const l of listeners) l();
      r(code);
    }),
  );
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(stdout);
          if (m) {
            cleanup();
            resolve(m[0]);
          } else if (done) {
            cleanup();
            reject(new Error(`kubectl ${args.join(' ')} exited before printing ${pattern}:\n${stderr}${stdout}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`kubectl ${args.join(' ')} did not print ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    stop: async () => {
      if (!done) c.kill('SIGTERM');
      await exited;
    },
  };
}

/** A ConfigMap manifest as JSON text (valid YAML for kubectl -f -). */
export function configMap(name: string, data: Record<string, string> = {}, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data });
}

export interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid: string; name: string; kind: string }[];
  finalizers?: string[];
  deletionTimestamp?: string;
  managedFields?: { manager: string; operation: string }[];
}

/** `kubectl get -o json` of one object, or undefined when it is NotFound. */
export async function getJson<T = { metadata: Meta } & Record<string, unknown>>(k: Kubectl, args: string[]): Promise<T | undefined> {
  const r = await k(['get', ...args, '-o', 'json'], { allowFail: true });
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl get ${args.join(' ')}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as T;
}

/** `kubectl create -f -` of JSON objects (the dynamic client, JSON bodies); resolves with stdout. */
export async function create(k: Kubectl, ...objects: unknown[]): Promise<string> {
  const input = JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects });
  return (await k(['create', '-f', '-'], { input })).stdout;
}

export const namespaceObj = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
export const configMapObj = (name: string, namespace: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});
