import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientUrl, parseListen, servingNames } from './listen';

test('parseListen', () => {
  assert.deepEqual(parseListen('127.0.0.1:6443'), { host: '127.0.0.1', port: 6443, wildcard: false });
  assert.deepEqual(parseListen(':6443'), { host: '0.0.0.0', port: 6443, wildcard: true });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0, wildcard: false });
  assert.throws(() => parseListen('nope'), /is not HOST:PORT/);
  assert.throws(() => parseListen('1.2.3.4:70000'), /port must be 0-65535/);
});

test('serving names cover the bind address, the kubernetes Service and, for wildcards, local addresses', async () => {
  const ip = await servingNames(parseListen('127.0.0.1:0'));
  assert.ok(ip.ips.includes('127.0.0.1') && ip.ips.includes('10.96.0.1'));
  assert.ok(ip.hostnames.includes('kubernetes.default.svc'));
  assert.equal(ip.advertise, '127.0.0.1');
  const v6 = await servingNames(parseListen('[fd00::2]:0'));
  assert.ok(v6.ips.includes('fd00::2'));
  const named = await servingNames(parseListen('localhost:0'));
  assert.ok(named.hostnames.includes('localhost'));
  assert.match(named.advertise, /^(127\.0\.0\.1|::1)$/);
  await assert.rejects(servingNames(parseListen('nosuchhost.invalid:0')), /does not resolve/);
  assert.equal(clientUrl(parseListen('0.0.0.0:1'), 6443), 'https://127.0.0.1:6443');
  assert.equal(clientUrl(parseListen('[::1]:1'), 6443), 'https://[::1]:6443');
});
