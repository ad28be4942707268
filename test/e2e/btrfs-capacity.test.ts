// The default local-dir class enforces capacity when the node's volume pool is on btrfs: each
// volume is a subvolume with a qgroup limit. Berth is started with <data>/node/volumes on a loop
// btrfs; through the real kubectl a pod writing past its 16Mi claim fails with EDQUOT, and the
// claim grown to 64Mi takes effect at once (no pod restart: no filesystem to grow).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Berth, startBerth } from './harness';
import { kubectl } from './kubectl';
import { startTestRegistry } from './registry';
import { eventually } from './util';

const run = promisify(execFile);

describe('local-dir capacity on a btrfs pool', { timeout: 300_000 }, () => {
  let b: Berth | undefined;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  let dir = '';
  let pool = '';
  const k = (args: string[], input?: string) => kubectl(args, { kubeconfig: b?.kubeconfig ?? '', timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  const jsonpath = async (args: string[], path: string) => (await k([...args, '-o', `jsonpath=${path}`])).stdout;

  before(async () => {
    registry = await startTestRegistry();
    dir = await mkdtemp(join(tmpdir(), 'berth-btrfs-'));
    pool = join(dir, 'data', 'node', 'volumes');
    await mkdir(pool, { recursive: true });
    await run('truncate', ['-s', '256M', join(dir, 'pool.img')]);
    await run('mkfs.btrfs', ['-q', join(dir, 'pool.img')]);
    await run('mount', ['-o', 'loop', join(dir, 'pool.img'), pool]);
    b = await startBerth({ node: { mirror: registry.mirrorUrl }, dataDir: join(dir, 'data') });
  });
  after(async () => {
    await k(['delete', 'pods', '--all', '--wait=true']).catch(() => undefined);
    await k(['delete', 'pvc', '--all', '--wait=true']).catch(() => undefined);
    await b?.destroy();
    await registry?.stop();
    if (pool) await run('umount', [pool]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('writing past the claim fails with EDQUOT; the claim grows online', async () => {
    await k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'small' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } },
        {
          apiVersion: 'v1', kind: 'Pod', metadata: { name: 'filler' },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/data' }] }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'small' } }] },
        },
      ],
    }));
    await eventually(async () => ((await jsonpath(['get', 'pod', 'filler'], '{.status.phase}')) === 'Running' ? true : undefined), 'the pod Running', 90_000);
    assert.equal(await jsonpath(['get', 'pvc', 'small'], '{.spec.storageClassName}'), 'local-dir');
    const dd = (mib: number) => k(['exec', 'filler', '--', 'sh', '-c', `rm -f /data/f; sync; dd if=/dev/zero of=/data/f bs=1M count=${mib} 2>&1; r=$?; sync; echo rc=$r`]);
    const over = (await dd(32)).stdout;
    assert.match(over, /Disk quota exceeded/);
    assert.match(over, /rc=1/);

    await k(['patch', 'pvc', 'small', '-p', '{"spec":{"resources":{"requests":{"storage":"64Mi"}}}}']);
    await eventually(async () => ((await jsonpath(['get', 'pvc', 'small'], '{.status.capacity.storage}')) === '64Mi' ? true : undefined), 'the claim at 64Mi', 60_000);
    assert.equal(await jsonpath(['get', 'pvc', 'small'], '{.status.conditions}'), '', 'no FileSystemResizePending: nothing to grow at the node');
    assert.match((await dd(32)).stdout, /rc=0/, 'the same pod now writes 32 MiB');
  });
});
