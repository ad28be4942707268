// The redis test image on its own: its layout holds the busybox layer plus a redis layer, and its
// unpacked root filesystem runs the `mongod` shim as a real redis that keeps a key in /data/db
// across a restart (chroot in a private network namespace, so port 6379 is ours alone).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildRedisLayout, lddPaths } from './redis-image';
import { buildBusyboxLayout } from './registry';

interface Descriptor { digest: string; size: number; annotations?: Record<string, string> }
const blob = async <T>(layout: string, digest: string): Promise<T> => JSON.parse(await readFile(join(layout, 'blobs', 'sha256', digest.slice(7)), 'utf8')) as T;

describe('the redis test image', { timeout: 120_000 }, () => {
  test('lddPaths: libraries after "=>" and the loader, not the vdso', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tliblzf.so.1 => /lib/x86_64-linux-gnu/liblzf.so.1 (0x00007f81)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f82)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f83)',
      '\tliblzf.so.1 => /lib/x86_64-linux-gnu/liblzf.so.1 (0x00007f84)',
    ].join('\n');
    assert.deepEqual(lddPaths(out), ['/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/liblzf.so.1', '/lib64/ld-linux-x86-64.so.2']);
  });

  test('the layout: tag 7, the busybox layer first, then the redis layer; cached', async () => {
    const layout = await buildRedisLayout();
    assert.equal(await buildRedisLayout(), layout, 'a second build returns the cached layout');
    const index = await readJson<{ manifests: Descriptor[] }>(join(layout, 'index.json'));
    assert.equal(index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name'], '7');
    const manifest = await blob<{ layers: Descriptor[] }>(layout, index.manifests[0]?.digest ?? '');
    const busybox = await buildBusyboxLayout();
    const bbIndex = await readJson<{ manifests: Descriptor[] }>(join(busybox, 'index.json'));
    const bbManifest = await blob<{ layers: Descriptor[] }>(busybox, bbIndex.manifests[0]?.digest ?? '');
    assert.equal(manifest.layers.length, 2);
    assert.equal(manifest.layers[0]?.digest, bbManifest.layers[0]?.digest);
  });

  test('unpacked, the mongod shim runs redis, which keeps a key in /data/db across a restart', async () => {
    const layout = await buildRedisLayout();
    const index = await readJson<{ manifests: Descriptor[] }>(join(layout, 'index.json'));
    const manifest = await blob<{ layers: Descriptor[] }>(layout, index.manifests[0]?.digest ?? '');
    const work = await mkdtemp(join(tmpdir(), 'berth-redis-run-'));
    try {
      const root = join(work, 'root');
      await mkdir(root);
      for (const l of manifest.layers) {
        const r = spawnSync('tar', ['-C', root, '-xzf', join(layout, 'blobs', 'sha256', l.digest.slice(7))], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
      }
      // Start the shim with the seed's arguments, write or read, stop it: twice, same /data/db.
      const session = (cmd: string) =>
        [
          'ip link set lo up',
          `chroot "$1" /usr/local/bin/mongod --bind_ip_all >>"$2/redis.log" 2>&1 &`,
          'for i in $(seq 100); do chroot "$1" redis-cli ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done',
          cmd,
          'chroot "$1" redis-cli shutdown >/dev/null 2>&1',
          'wait',
        ].join('\n');
      const inNetns = (script: string) => spawnSync('unshare', ['--net', 'sh', '-c', script, 'sh', root, work], { encoding: 'utf8', timeout: 30_000 });
      const set = inNetns(session('chroot "$1" redis-cli set mykey "This is a test"'));
      assert.equal(set.stdout.trim(), 'OK', `${set.stderr}\n${await readFile(join(work, 'redis.log'), 'utf8').catch(() => '')}`);
      assert.ok((await readdir(join(root, 'data/db'))).includes('appendonlydir'), 'redis wrote its append-only files to /data/db');
      const get = inNetns(session('chroot "$1" redis-cli get mykey'));
      assert.equal(get.stdout.trim(), 'This is a test', get.stderr);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
