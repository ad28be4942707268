import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensurePki, wantedNames } from './pki';

const run = promisify(execFile);
const now = new Date('2030-01-01T00:00:00Z');
const base = await mkdtemp(join(tmpdir(), 'berth-pki-'));
after(() => rm(base, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(base, String(n++));

describe('ensurePki', () => {
  test('first start issues a CA and a serving cert that openssl verifies', async () => {
    const dir = freshDir();
    const t0 = performance.now();
    const pki = await ensurePki(dir, { hostnames: ['berth.example'], ips: ['10.9.8.7'], now });
    const ms = performance.now() - t0;
    console.log(`# first ensurePki: ${ms.toFixed(0)} ms (includes loading @peculiar/x509)`);

    const files = ['ca.crt', 'ca.key', 'server.crt', 'server.key'].map((f) => join(dir, 'pki', f));
    assert.equal(await readFile(files[0]!, 'utf8'), pki.caCertPem);
    assert.equal(await readFile(files[2]!, 'utf8'), pki.certPem);
    assert.equal(await readFile(files[3]!, 'utf8'), pki.keyPem);
    assert.equal((await stat(files[1]!)).mode & 0o777, 0o600);
    assert.equal((await stat(files[3]!)).mode & 0o777, 0o600);

    const { stdout } = await run('openssl', ['verify', '-x509_strict', '-attime', String(now.getTime() / 1000), '-CAfile', files[0]!, files[2]!]);
    assert.match(stdout, /server\.crt: OK/);

    const ca = new X509Certificate(pki.caCertPem);
    assert.equal(ca.ca, true);
    const caText = (await run('openssl', ['x509', '-in', files[0]!, '-noout', '-ext', 'basicConstraints,keyUsage'])).stdout;
    assert.match(caText, /CA:TRUE/);
    assert.match(caText, /Certificate Sign/);

    const cert = new X509Certificate(pki.certPem);
    assert.equal(cert.ca, false);
    assert.ok(cert.verify(ca.publicKey));
    const san = cert.subjectAltName ?? '';
    for (const want of ['DNS:localhost', `DNS:${hostname().toLowerCase()}`, 'DNS:berth.example', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:10.9.8.7']) {
      assert.ok(san.includes(want), `SAN ${want} missing from ${san}`);
    }
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(Date.parse(cert.validFrom) <= now.getTime());
  });

  test('a later start reuses both certificates', async () => {
    const dir = freshDir();
    const a = await ensurePki(dir, { hostnames: [], ips: [], now });
    const t0 = performance.now();
    const b = await ensurePki(dir, { hostnames: [], ips: [], now: new Date(now.getTime() + 86_400_000) });
    console.log(`# reuse ensurePki: ${(performance.now() - t0).toFixed(1)} ms`);
    assert.deepEqual(b, a);
  });

  test('a name the serving cert lacks reissues it under the same CA', async () => {
    const dir = freshDir();
    const a = await ensurePki(dir, { hostnames: [], ips: [], now });
    const b = await ensurePki(dir, { hostnames: ['new.example'], ips: ['192.0.2.1'], now });
    assert.equal(b.caCertPem, a.caCertPem);
    assert.notEqual(b.certPem, a.certPem);
    const cert = new X509Certificate(b.certPem);
    assert.ok(cert.checkHost('new.example'));
    assert.ok(cert.checkIP('192.0.2.1'));
    const c = await ensurePki(dir, { hostnames: ['new.example'], ips: [], now });
    assert.equal(c.certPem, b.certPem, 'covered names do not reissue');
  });

  test('a serving cert expiring within 30 days is reissued', async () => {
    const dir = freshDir();
    const a = await ensurePki(dir, { hostnames: [], ips: [], now });
    const later = new Date(now.getTime() + 340 * 86_400_000);
    const b = await ensurePki(dir, { hostnames: [], ips: [], now: later });
    assert.equal(b.caCertPem, a.caCertPem);
    assert.notEqual(b.certPem, a.certPem);
    assert.ok(Date.parse(new X509Certificate(b.certPem).validTo) > later.getTime() + 300 * 86_400_000);
  });

  test('a damaged or mismatched pair is replaced', async () => {
    const dir = freshDir();
    const a = await ensurePki(dir, { hostnames: [], ips: [], now });
    await writeFile(join(dir, 'pki', 'server.key'), (await ensurePki(freshDir(), { hostnames: [], ips: [], now })).keyPem);
    const b = await ensurePki(dir, { hostnames: [], ips: [], now });
    assert.equal(b.caCertPem, a.caCertPem);
    assert.ok(new X509Certificate(b.certPem).checkPrivateKey((await import('node:crypto')).createPrivateKey(b.keyPem)));
    await writeFile(join(dir, 'pki', 'ca.crt'), 'garbage');
    const c = await ensurePki(dir, { hostnames: [], ips: [], now });
    assert.notEqual(c.caCertPem, a.caCertPem);
    assert.ok(new X509Certificate(c.certPem).verify(new X509Certificate(c.caCertPem).publicKey), 'new CA reissues the serving cert');
  });

  test('an https server with it is trusted by a client given only the CA', async () => {
    const pki = await ensurePki(freshDir(), { hostnames: [], ips: [], now: new Date() });
    const server = createServer({ cert: pki.certPem, key: pki.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    after(() => server.close());
    const { port } = server.address() as AddressInfo;
    const get = (host: string, ca?: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host, port, path: '/', ...(ca ? { ca } : {}), servername: host === '127.0.0.1' ? '' : host, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal(await get('127.0.0.1', pki.caCertPem), 'ok');
    assert.equal(await get('localhost', pki.caCertPem), 'ok');
    await assert.rejects(get('127.0.0.1'), /self[- ]signed|unable to (get|verify)/i, 'untrusted without the CA');
  });
});

describe('wantedNames', () => {
  test('always loopback and this host; IPs and brackets normalized; wildcard listen addresses dropped', () => {
    const w = wantedNames({ hostnames: ['Example.COM', '192.0.2.5', ''], ips: ['[fd00::1]', '0.0.0.0', '::'] });
    assert.deepEqual(w.ips, ['127.0.0.1', '::1', '192.0.2.5', 'fd00::1']);
    assert.ok(w.dns.includes('localhost'));
    assert.ok(w.dns.includes('example.com'));
    assert.ok(w.dns.includes(hostname().toLowerCase()));
  });
});
