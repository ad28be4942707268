// Volumes across a Berth crash: a pod writing to a block (loop + ext4) claim keeps running and
// writing while Berth is killed with SIGKILL and started again; afterwards deleting the pod
// unpublishes and unstages the volume (no mount, no loop device left) and deleting the claim
// removes the image — the node found its state on disk, not in the dead process's memory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Berth, startBerth } from './harness';
import { kubectl } from './kubectl';
import { startTestRegistry } from './registry';
import { eventually } from './util';

const run = promisify(execFile);

describe('block volumes across a Berth crash', { timeout: 300_000 }, () => {
  let b: Berth;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  const k = (args: string[], input?: string) => kubectl(args, { kubeconfig: b.kubeconfig, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  const jsonpath = async (args: string[], path: string) => (await k([...args, '-o', `jsonpath=${path}`])).stdout;
  const loopsOf = async (image: string) => (await run('losetup', ['-j', image])).stdout.trim();
  const mountsUnder = async (dir: string) => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.split(' ')[4]?.startsWith(dir));

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
  });
  after(async () => {
    await k(['delete', 'pods', '--all', '--wait=true']).catch(() => undefined);
    await b?.destroy();
    await registry?.stop();
  });

  test('the pod keeps writing through kill -9 and restart; teardown after it detaches the loop device', async () => {
    await k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'counter' }, spec: { storageClassName: 'block', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '32Mi' } } } },
        {
          apiVersion: 'v1', kind: 'Pod', metadata: { name: 'counter' },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i >> /data/ticks; sync; sleep 0.2; done'], volumeMounts: [{ name: 'v', mountPath: '/data' }] }],
            volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'counter' } }],
          },
        },
      ],
    }));
    await eventually(async () => ((await jsonpath(['get', 'pod', 'counter'], '{.status.phase}')) === 'Running' ? true : undefined), 'the pod Running', 90_000);
    const pv = await jsonpath(['get', 'pvc', 'counter'], '{.spec.volumeName}');
    const image = join(b.dataDir, 'node', 'volumes', 'block', `${pv}.img`);
    await stat(image);
    assert.match(await loopsOf(image), /^\/dev\/loop\d+:/, 'the image is attached');
    const containerID = await jsonpath(['get', 'pod', 'counter'], '{.status.containerStatuses[0].containerID}');
    const ticks = async () => Number((await k(['exec', 'counter', '--', 'sh', '-c', 'wc -l < /data/ticks'])).stdout.trim());
    const before = await eventually(async () => ((await ticks()) > 2 ? ticks() : undefined), 'ticks written');

    b.kill9();
    await new Promise((r) => setTimeout(r, 1500));
    await b.restart();
    const after1 = await eventually(async () => ((await ticks()) > before + 5 ? ticks() : undefined), 'ticks still growing after the restart', 60_000);
    assert.ok(after1 > before);
    assert.equal(await jsonpath(['get', 'pod', 'counter'], '{.status.containerStatuses[0].containerID}'), containerID, 'the same container');
    assert.equal(await jsonpath(['get', 'pod', 'counter'], '{.status.containerStatuses[0].restartCount}'), '0');

    await k(['delete', 'pod', 'counter', '--wait=true']);
    await eventually(async () => ((await loopsOf(image)) === '' ? true : undefined), 'the loop device detached after the pod went', 30_000);
    assert.deepEqual(await mountsUnder(join(b.dataDir, 'node', 'plugins')), [], 'no staging mount left');
    await k(['delete', 'pvc', 'counter', '--wait=true']);
    await eventually(async () => ((await stat(image).catch(() => undefined)) === undefined ? true : undefined), 'the image removed with the claim (Delete)', 30_000);
  });
});
