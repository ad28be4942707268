import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { runProbe, type ProbeTarget } from './probe-check';

test('runProbe: httpGet 2xx/3xx ok, 5xx fails, named ports, headers; tcpSocket connect; exec exit code', async () => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.url} ${String(req.headers['user-agent'])} ${String(req.headers['x-probe'] ?? '')}`);
    res.statusCode = req.url === '/bad' ? 503 : req.url === '/moved' ? 302 : 200;
    res.end('body');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const target: ProbeTarget = {
    podIP: '127.0.0.1',
    container: { name: 'c', ports: [{ name: 'web', containerPort: port }] },
    exec: async (cmd, out) => {
      out.write(cmd.join(' '));
      return cmd[0] === 'ok' ? 0 : 1;
    },
  };
  try {
    const cases: [Record<string, unknown>, boolean, RegExp?][] = [
      [{ httpGet: { path: '/healthz', port, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } }, true],
      [{ httpGet: { path: '/moved', port: 'web' } }, true],
      [{ httpGet: { path: '/bad', port } }, false, /HTTP probe failed with statuscode: 503/],
      [{ httpGet: { path: '/', port: closedPort } }, false, /ECONNREFUSED/],
      [{ tcpSocket: { port } }, true],
      [{ tcpSocket: { port: closedPort } }, false, /dial tcp 127\.0\.0\.1:\d+: .*ECONNREFUSED/],
      [{ exec: { command: ['ok'] } }, true],
      [{ exec: { command: ['fail', 'now'] } }, false, /fail now/],
      [{ httpGet: { path: '/', port: 'nope' } }, false, /names no container port/],
    ];
    for (const [probe, ok, msg] of cases) {
      const r = await runProbe(probe, target);
      assert.equal(r.ok, ok, JSON.stringify(probe));
      if (msg) assert.match(r.output, msg);
    }
    assert.deepEqual(seen.slice(0, 2), ['/healthz kube-probe/1.27 yes', '/moved kube-probe/1.27 ']);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
