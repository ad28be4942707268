import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { writeFileAtomic, writeKubeconfig } from './kubeconfig';

const run = promisify(execFile);
const base = await mkdtemp(join(tmpdir(), 'berth-kc-'));
after(() => rm(base, { recursive: true, force: true }));
let n = 0;
const freshDir = async () => {
  const d = join(base, String(n++));
  await mkdir(d);
  return d;
};
const caPem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const opts = { server: 'https://127.0.0.1:6443', caPem, token: 'tok-123', clusterName: 'berth', user: 'admin', context: 'berth' };

describe('writeKubeconfig', () => {
  test('writes a kubeconfig that client libraries read back, mode 0600', async () => {
    const dir = await freshDir();
    const path = join(dir, 'sub', 'kubeconfig.yaml');
    await writeKubeconfig(path, opts);
    assert.equal((await stat(path)).mode & 0o777, 0o600);

    const kc = new KubeConfig();
    kc.loadFromFile(path);
    assert.equal(kc.getCurrentContext(), 'berth');
    const cluster = kc.getCurrentCluster();
    assert.equal(cluster?.server, 'https://127.0.0.1:6443');
    assert.equal(Buffer.from(cluster?.caData ?? '', 'base64').toString(), caPem);
    assert.equal(kc.getCurrentUser()?.name, 'admin');
    assert.equal(kc.getCurrentUser()?.token, 'tok-123');
    assert.deepEqual(await readdir(join(dir, 'sub')), ['kubeconfig.yaml'], 'no temp file left behind');
  });

  test('kubectl accepts it', { skip: !existsSync('/usr/bin/kubectl') && 'no kubectl' }, async () => {
    const dir = await freshDir();
    const path = join(dir, 'kubeconfig.yaml');
    await writeKubeconfig(path, opts);
    const { stdout } = await run('/usr/bin/kubectl', ['config', 'view', '--raw', '-o', 'json'], { env: { ...process.env, KUBECONFIG: path } });
    const cfg = JSON.parse(stdout);
    assert.equal(cfg['current-context'], 'berth');
    assert.equal(cfg.clusters[0].cluster.server, opts.server);
    assert.equal(cfg.users[0].user.token, 'tok-123');
  });

  test('replaces an existing file; readers only ever see a whole file', async () => {
    const dir = await freshDir();
    const path = join(dir, 'kubeconfig.yaml');
    await writeFile(path, 'old', { mode: 0o644 });
    const big = { ...opts, token: 'x'.repeat(200_000) };
    const seen = new Set<number>();
    let done = false;
    const reader = (async () => {
      while (!done) {
        const text = await readFile(path, 'utf8');
        seen.add(text.length);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 20; i++) await writeKubeconfig(path, { ...big, server: `https://127.0.0.1:${6000 + (i % 2)}` });
    done = true;
    await reader;
    const full = (await readFile(path, 'utf8')).length;
    for (const n of seen) assert.ok(n === 3 || n === full, `reader saw a partial file of ${n} bytes`);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });
});

describe('writeFileAtomic', () => {
  test('exclusive keeps the first file and reports false', async () => {
    const dir = await freshDir();
    const path = join(dir, 'once');
    assert.equal(await writeFileAtomic(path, 'first', { exclusive: true }), true);
    assert.equal(await writeFileAtomic(path, 'second', { exclusive: true }), false);
    assert.equal(await readFile(path, 'utf8'), 'first');
    assert.deepEqual(await readdir(dir), ['once']);
  });

  test('applies the mode exactly, whatever the umask', async () => {
    const dir = await freshDir();
    const path = join(dir, 'f');
    await writeFileAtomic(path, 'x', { mode: 0o640 });
    assert.equal((await stat(path)).mode & 0o777, 0o640);
  });
});
