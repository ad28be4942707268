// Test support: a minimal HTTP API server for the real kubectl, so tests can capture the protobuf
// bodies kubectl sends and compare their decoding with kubectl's own --dry-run=client -o json.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoveryResponse } from '../../apiserver/discovery/discovery';
import { allResources } from '../resources';
import { decodeK8sProtobuf } from './decode';

export interface Captured {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
  /** The decoded (protobuf) or parsed (JSON) body. */
  object: Record<string, unknown>;
}

export interface FakeApiserver {
  dir: string;
  kubeconfig: string;
  posts: Captured[];
  /** Makes GET on path answer with object (as if it had been created). */
  seed(path: string, object: Record<string, unknown>): void;
  /** Runs kubectl (default /usr/bin/kubectl) against this server. */
  kubectl(args: string[], bin?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const notFound = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404,
  message: 'the server could not find the requested resource' };

export async function startFakeApiserver(): Promise<FakeApiserver> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-pb-'));
  const posts: Captured[] = [];
  const stored = new Map<string, Record<string, unknown>>();
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').replace(/\?.*$/, '');
      const body = await readAll(req);
      if (path === '/version') {
        return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
      }
      const disc = req.method === 'GET' ? discoveryResponse(path, req.headers.accept ?? '', allResources) : undefined;
      if (disc) {
        res.writeHead(disc.status, disc.headers);
        return res.end(disc.body);
      }
      if (req.method === 'POST') {
        const contentType = req.headers['content-type'] ?? '';
        let object: Record<string, unknown>;
        try {
          object = contentType.startsWith('application/vnd.kubernetes.protobuf')
            ? decodeK8sProtobuf(body).object
            : JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch (err) {
          return send(res, 400, { ...notFound, reason: 'BadRequest', code: 400, message: String(err) });
        }
        posts.push({ method: 'POST', path, contentType, body, object });
        const meta = (object.metadata ?? {}) as Record<string, unknown>;
        stored.set(`${path}/${String(meta.name)}`, object);
        return send(res, 201, object);
      }
      // PATCH (e.g. cordon) answers with the stored object unchanged; the tests only need it to succeed.
      const found = req.method === 'GET' || req.method === 'PATCH' ? stored.get(path) : undefined;
      return found ? send(res, 200, found) : send(res, 404, notFound);
    })().catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: t',
    'clusters:', '- name: t', '  cluster:', `    server: http://127.0.0.1:${port}`,
    'contexts:', '- name: t', '  context:', '    cluster: t', '    user: t', '    namespace: default',
    'users:', '- name: t', '  user:', '    token: test', '',
  ].join('\n'));
  const kubectl = (args: string[], bin = '/usr/bin/kubectl') =>
    new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(bin, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? Number(err.code ?? 1) || 1 : 0 }));
    });
  return {
    dir, kubeconfig, posts, kubectl,
    seed: (path, object) => void stored.set(path, object),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
