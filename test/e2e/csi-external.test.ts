// An external CSI driver (the test driver, its own process, speaking gRPC on a unix socket) drives
// claims end to end through the real kubectl: Berth finds its socket in <data>/csi-plugins, lists it
// in the node's CSINode, provisions through CreateVolume, mounts through NodeStage/NodePublish,
// snapshots and restores through it, and deletes through DeleteVolume.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnTestCsiDriver, TEST_CSI_DRIVER_NAME, type SpawnedCsiDriver } from '../csi-driver';
import { type Berth, startBerth } from './harness';
import { kubectl } from './kubectl';
import { startTestRegistry } from './registry';
import { eventually } from './util';

describe('an external CSI driver over gRPC', { timeout: 300_000 }, () => {
  let b: Berth;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  let driver: SpawnedCsiDriver;
  let root: string;
  const k = (args: string[], input?: string) => kubectl(args, { kubeconfig: b.kubeconfig, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  const apply = (obj: unknown) => k(['apply', '-f', '-'], JSON.stringify(obj));
  const jsonpath = async (args: string[], path: string) => (await k([...args, '-o', `jsonpath=${path}`])).stdout;
  const pod = (name: string, claim: string, script: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script], volumeMounts: [{ name: 'v', mountPath: '/data' }] }],
      volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }],
    },
  });
  const claim = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
    spec: { storageClassName: 'ext', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } }, ...extra },
  });
  const finished = (name: string) => eventually(async () => {
    const p = await jsonpath(['get', 'pod', name], '{.status.phase}');
    return p === 'Succeeded' || p === 'Failed' ? p : undefined;
  }, `pod ${name} to finish`, 90_000);

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
    root = await mkdtemp(join(tmpdir(), 'berth-csi-ext-'));
    driver = await spawnTestCsiDriver({ socket: join(b.dataDir, 'csi-plugins', 'test.sock'), root });
  });
  after(async () => {
    await k(['delete', 'pods', '--all', '--wait=true']).catch(() => undefined);
    await b?.destroy();
    await driver?.stop();
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('discovered, provisioned, mounted, snapshotted, restored and deleted through the driver', async () => {
    // The node lists the driver (GetPluginInfo + NodeGetInfo) once its socket appears.
    await eventually(async () => ((await jsonpath(['get', 'csinode'], '{.items[0].spec.drivers[*].name}')).includes(TEST_CSI_DRIVER_NAME) ? true : undefined), 'the driver in the CSINode', 30_000);
    await apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'ext' }, provisioner: TEST_CSI_DRIVER_NAME, reclaimPolicy: 'Delete', allowVolumeExpansion: true });
    await apply(claim('src'));
    const pv = await eventually(async () => ((await jsonpath(['get', 'pvc', 'src'], '{.status.phase}')) === 'Bound' ? jsonpath(['get', 'pvc', 'src'], '{.spec.volumeName}') : undefined), 'the claim to bind', 60_000);
    assert.equal(await jsonpath(['get', 'pv', pv], '{.spec.csi.driver}'), TEST_CSI_DRIVER_NAME);
    const handle = await jsonpath(['get', 'pv', pv], '{.spec.csi.volumeHandle}');

    await apply(pod('writer', 'src', 'echo first > /data/f && sync'));
    assert.equal(await finished('writer'), 'Succeeded');
    // The driver's publish is a bind mount of its own directory: the file is there.
    const volDir = (await readdir(root, { recursive: true })).find((p) => p.endsWith(join(handle, 'f')) || p.endsWith('/f'));
    assert.ok(volDir, `the written file is in the driver's root: ${(await readdir(root, { recursive: true })).join(', ')}`);
    assert.equal(await readFile(join(root, volDir), 'utf8'), 'first\n');

    await apply({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'ext-snap' }, driver: TEST_CSI_DRIVER_NAME, deletionPolicy: 'Delete' });
    await apply({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'snap' }, spec: { volumeSnapshotClassName: 'ext-snap', source: { persistentVolumeClaimName: 'src' } } });
    await eventually(async () => ((await jsonpath(['get', 'volumesnapshot', 'snap'], '{.status.readyToUse}')) === 'true' ? true : undefined), 'the snapshot ready', 60_000);
    await k(['delete', 'pod', 'writer', '--wait=true']);
    await apply(pod('later', 'src', 'echo second > /data/f && sync'));
    assert.equal(await finished('later'), 'Succeeded');

    await apply(claim('restored', { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' } }));
    await apply(claim('cloned', { dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } }));
    await apply(pod('reader', 'restored', 'cat /data/f'));
    await apply(pod('clonereader', 'cloned', 'cat /data/f'));
    assert.equal(await finished('reader'), 'Succeeded');
    assert.equal((await k(['logs', 'reader'])).stdout, 'first\n', 'the restore holds the data of the moment of the snapshot');
    assert.equal(await finished('clonereader'), 'Succeeded');
    assert.equal((await k(['logs', 'clonereader'])).stdout, 'second\n', 'the clone holds the source as it is now');

    // Delete reclaim: the driver's volume goes with the claim.
    await k(['delete', 'pods', '--all', '--wait=true']);
    await k(['delete', 'volumesnapshot', 'snap', '--wait=true']);
    await k(['delete', 'pvc', 'src', 'restored', 'cloned', '--wait=true']);
    await eventually(async () => ((await k(['get', 'pv', '-o', 'name'])).stdout.trim() === '' ? true : undefined), 'the PVs deleted', 60_000);
    const left = (await readdir(root, { recursive: true })).filter((p) => p.includes(handle));
    assert.deepEqual(left, [], 'DeleteVolume removed the source volume');
  });
});
