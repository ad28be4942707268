// kubectl port-forward through the apiserver to the node: SPDY (kubectl <= 1.30) and SPDY
// tunnelled in WebSocket (kubectl >= 1.31), to a TCP echo server standing in for the pod's port.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kubectlBin, startCluster, type KubectlVersion, type TestCluster } from './testing/cluster';

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Sends `text` over a fresh connection to `port`, half-closes, and returns all it gets back. */
async function roundTrip(port: number, text: string): Promise<string> {
  const sock = connect(port, '127.0.0.1');
  await once(sock, 'connect');
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString()));
  sock.end(text);
  await once(sock, 'close');
  return got;
}

const cases: { v: KubectlVersion; transport: 'spdy' | 'websocket' }[] = [
  { v: '1.27', transport: 'spdy' },
  { v: '1.30', transport: 'spdy' },
  { v: '1.33', transport: 'websocket' },
];

describe('kubectl port-forward through the streaming server', () => {
  let c: TestCluster;
  let echo: Server;
  before(async () => {
    c = await startCluster();
    await c.addPod('web', ['c']);
    echo = createServer((s) => s.pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    c.runtime.ports.set(8080, (echo.address() as AddressInfo).port);
  });
  after(async () => {
    echo.close();
    await c.close();
  });

  for (const { v, transport } of cases) {
    it(`kubectl ${v} forwards connections (${transport})`, async () => {
      const local = await freePort();
      const before = c.sessions.length;
      const kc = spawn(kubectlBin(v), ['port-forward', 'pod/web', `${local}:8080`], { env: { ...process.env, KUBECONFIG: c.kubeconfig, KUBECACHEDIR: join(c.dir, `.kube-cache-${v}`) } });
      let out = '';
      kc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      kc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        for (let i = 0; i < 100 && !out.includes('Forwarding from'); i++) await new Promise((r) => setTimeout(r, 100));
        assert.match(out, /Forwarding from 127\.0\.0\.1:\d+ -> 8080/);
        const big = 'x'.repeat(200_000);
        assert.equal(await roundTrip(local, 'hello\n'), 'hello\n');
        assert.equal(await roundTrip(local, big), big);
        const [a, b] = await Promise.all([roundTrip(local, 'one'), roundTrip(local, 'two')]);
        assert.deepEqual([a, b], ['one', 'two']);
        assert.deepEqual(c.sessions.slice(before).map((s) => [s.kind, s.transport]), [['portForward', transport]]);
      } finally {
        kc.kill('SIGTERM');
        await once(kc, 'close');
      }
    });
  }

  it('a port nothing listens on is reported by kubectl, and forwarding goes on', async () => {
    const local = await freePort();
    const kc = spawn(kubectlBin('1.33'), ['port-forward', 'pod/web', `${local}:9999`], { env: { ...process.env, KUBECONFIG: c.kubeconfig, KUBECACHEDIR: join(c.dir, '.kube-cache-1.33') } });
    let out = '';
    kc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    kc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 100 && !out.includes('Forwarding from'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await roundTrip(local, 'hi'), '');
      for (let i = 0; i < 50 && !out.includes('error forwarding port 9999'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /error forwarding port 9999 to pod web/);
    } finally {
      kc.kill('SIGTERM');
      await once(kc, 'close');
    }
  });
});
