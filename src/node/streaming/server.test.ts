// The node's streaming server spoken to directly (as the apiserver does): its token check, the
// base64 WebSocket framing and the older WebSocket port-forward protocol, which kubectl does not use.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import WebSocket from 'ws';
import { ensurePki } from '../../apiserver/pki';
import { StreamingServer } from './server';
import { FakeRuntime } from './testing/fake-runtime';

describe('StreamingServer', () => {
  let dir: string;
  let server: StreamingServer;
  let runtime: FakeRuntime;
  let echo: Server;
  let ca: string;
  const abort = new AbortController();
  const token = 'node-token';
  const pod = { namespace: 'ns', name: 'p' };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-streaming-server-'));
    const pki = await ensurePki(dir, { hostnames: ['localhost'], ips: ['127.0.0.1'], now: new Date() });
    ca = pki.caCertPem;
    runtime = new FakeRuntime(join(dir, 'logs'), dir);
    runtime.addContainer(pod, 'c');
    echo = createServer((s) => s.pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    runtime.ports.set(8080, (echo.address() as AddressInfo).port);
    server = new StreamingServer({ runtime, host: '127.0.0.1', port: 0, tls: { certPem: pki.certPem, keyPem: pki.keyPem }, token, log: pino({ level: 'silent' }) });
    await server.start(abort.signal);
  });
  after(async () => {
    abort.abort();
    await server.stop();
    echo.close();
    runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  const url = (path: string) => `wss://127.0.0.1:${server.address?.port ?? 0}${path}`;

  it('refuses a caller without the token', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port: server.address?.port, path: '/containerLogs/ns/p/c', ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
      r.end();
    });
    assert.equal(status, 401);
  });

  it('runs exec over the base64 WebSocket framing', async () => {
    const ws = new WebSocket(url('/exec/ns/p/c?command=sh&command=-c&command=echo%20hi%3B%20exit%202&output=1'), 'v4.base64.channel.k8s.io', { ca, headers: { authorization: `Bearer ${token}` } });
    const msgs: string[] = [];
    ws.on('message', (m: Buffer) => msgs.push(m.toString()));
    await once(ws, 'close');
    assert.equal(ws.protocol, 'v4.base64.channel.k8s.io');
    assert.equal(msgs[0], '1');
    assert.equal(msgs[1], `1${Buffer.from('hi\n').toString('base64')}`);
    const status = JSON.parse(Buffer.from(msgs[2]?.slice(1) ?? '', 'base64').toString());
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '2' }]);
  });

  it('forwards a port over the v4 WebSocket protocol, opening channels with the port number', async () => {
    const ws = new WebSocket(url('/portForward/ns/p?port=8080'), 'v4.channel.k8s.io', { ca, headers: { authorization: `Bearer ${token}` } });
    const msgs: Buffer[] = [];
    ws.on('message', (m: Buffer) => msgs.push(m));
    await once(ws, 'open');
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
    for (let i = 0; i < 50 && msgs.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    ws.close();
    const port = Buffer.alloc(2);
    port.writeUInt16LE(8080);
    assert.deepEqual(msgs.slice(0, 3), [Buffer.concat([Buffer.from([0]), port]), Buffer.concat([Buffer.from([1]), port]), Buffer.from([0, ...Buffer.from('ping')])]);
  });
});
