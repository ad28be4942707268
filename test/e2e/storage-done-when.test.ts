// Issue 4's "Done when" for the block provisioner, with the real kubectl on a real node: writing
// past a claim's size gives ENOSPC in the pod; a claim grown from 1Gi to 2Gi shows 2Gi inside the
// pod once the pod restarts (FileSystemResizePending until then: this host cannot grow a mounted
// ext4); a snapshot restored into a new claim holds the data of the moment it was taken; Retain
// keeps a Released volume with its data (it binds again), Delete removes the backing storage.
// Each case has its own namespace and names, and deletes what it made; no loop device is left.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BLOCK_DRIVER } from '../../src/storage/csi/types';
import { type Berth, startBerth } from './harness';
import { startTestRegistry, type TestRegistry } from './registry';
import { eventually, getJson, type Kubectl, kubectlFor, rowNamed } from './util';

const GiB = 1024 * 1024; // in KiB, as df -k counts
const SNAPSHOT_API = 'snapshot.storage.k8s.io';

interface Condition { type: string; status: string; message?: string }
interface ClaimLite { spec?: { volumeName?: string }; status?: { phase?: string; capacity?: { storage?: string }; conditions?: Condition[] } }
interface PodLite { status?: { phase?: string; containerStatuses?: { ready?: boolean }[] } }
interface VolumeLite { spec?: { csi?: { volumeHandle?: string }; hostPath?: { path?: string }; persistentVolumeReclaimPolicy?: string }; status?: { phase?: string } }

/** Loop devices whose backing file lies under dir: [device, file]. */
function loopsUnder(dir: string): [string, string][] {
  const r = spawnSync('losetup', ['--list', '--noheadings', '--raw', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' '))
    .filter((cols): cols is [string, string] => cols.length >= 2 && (cols[1] ?? '').startsWith(`${dir}/`))
    .map(([dev, file]) => [dev, file]);
}

/**
 * Paths under dir whose last component is name or starts with `name.` (a pool volume: `<name>` or
 * `<name>.img`), wherever the pool keeps it. Directories that vanish or can't be read are skipped.
 */
async function pathsNamed(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.name === name || e.name.startsWith(`${name}.`)) found.push(p);
    if (e.isDirectory()) found.push(...(await pathsNamed(p, name)));
  }
  return found;
}

describe('issue 4 done-when: block capacity, expansion, snapshots, reclaim', { timeout: 900_000 }, () => {
  let b: Berth;
  let k: Kubectl;
  let registry: TestRegistry;
  /** The built-in classes' drivers, as Berth installed them (class name → provisioner). */
  const drivers = new Map<string, string>();

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
    k = kubectlFor(b);
    if ((await getJson(k, ['storageclass', 'block'])) === undefined) {
      // A Berth that does not install it yet: the block provisioner's class as Berth ships it.
      await apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'block' }, provisioner: BLOCK_DRIVER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', allowVolumeExpansion: true });
    }
    for (const cls of ['block', 'local-dir']) drivers.set(cls, (await getJson<{ provisioner: string }>(k, ['storageclass', cls]))?.provisioner ?? '');
  });
  after(async () => {
    const dataDir = b?.dataDir;
    await b?.destroy();
    await registry?.stop();
    // A failed case may leave a device attached; never leak one past the test.
    if (dataDir) for (const [dev] of loopsUnder(dataDir)) spawnSync('losetup', ['-d', dev]);
  });

  const apply = async (...objs: unknown[]) => (await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }) })).stdout;
  const claim = (ns: string, name: string, size: string, cls: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: cls, resources: { requests: { storage: size } }, ...extra },
  });
  const pod = (ns: string, name: string, claimName: string, script: string, restartPolicy = 'Never') => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
    spec: {
      restartPolicy, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script], volumeMounts: [{ name: 'v', mountPath: '/data' }] }],
      volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }],
    },
  });
  /** A namespace for one case; whatever the case leaves in it is deleted when it ends, pass or fail. */
  const newNamespace = async (t: { after: (fn: () => Promise<void>) => void }, ns: string) => {
    await k(['create', 'namespace', ns]);
    t.after(() => clean(ns));
    return ns;
  };
  const describeAll = async (ns: string) => (await k(['describe', 'pods,pvc', '-n', ns], { allowFail: true })).stdout;
  /** Polls, and on timeout says what the namespace's pods and claims show. */
  const waitIn = async <T>(ns: string, what: string, f: () => Promise<T | undefined>, ms = 120_000): Promise<T> => {
    try {
      return await eventually(f, what, ms);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await describeAll(ns)}`, { cause: e });
    }
  };
  const claimOf = (ns: string, name: string) => getJson<ClaimLite>(k, ['pvc', '-n', ns, name]);
  const bound = (ns: string, name: string) => waitIn(ns, `claim ${name} Bound`, async () => {
    const c = await claimOf(ns, name);
    return c?.status?.phase === 'Bound' ? (c.spec?.volumeName ?? '') : undefined;
  });
  const finished = (ns: string, name: string) => waitIn(ns, `pod ${name} to finish`, async () => {
    const p = (await getJson<PodLite>(k, ['pod', '-n', ns, name]))?.status?.phase;
    return p === 'Succeeded' || p === 'Failed' ? p : undefined;
  });
  const running = (ns: string, name: string) => waitIn(ns, `pod ${name} Running`, async () => {
    const p = await getJson<PodLite>(k, ['pod', '-n', ns, name]);
    return p?.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready === true ? true : undefined;
  });
  const logs = async (ns: string, name: string) => (await k(['logs', '-n', ns, name])).stdout;
  const exec = async (ns: string, name: string, script: string) => (await k(['exec', '-n', ns, name, '--', 'sh', '-c', script])).stdout;
  /** Runs a one-shot pod on the claim to completion; returns its phase and output, then deletes it. */
  const runPod = async (ns: string, name: string, claimName: string, script: string) => {
    await apply(pod(ns, name, claimName, script));
    const phase = await finished(ns, name);
    const out = await logs(ns, name);
    await k(['delete', 'pod', '-n', ns, name, '--wait=true'], { timeoutMs: 90_000 });
    return { phase, out };
  };
  /** The filesystem at /data as `df -kP` sees it inside the pod: total KiB. */
  const dfKiB = async (ns: string, name: string) => {
    const line = (await exec(ns, name, 'df -kP /data')).trim().split('\n')[1] ?? '';
    return Number(line.trim().split(/\s+/)[1]);
  };
  /** Deletes the namespace's pods and claims and waits for their Delete-policy volumes to go. */
  async function clean(ns: string): Promise<void> {
    const pvs = ((await getJson<{ items: { metadata: { name: string }; spec?: { claimRef?: { namespace?: string }; persistentVolumeReclaimPolicy?: string } }[] }>(k, ['pv']))?.items ?? [])
      .filter((v) => v.spec?.claimRef?.namespace === ns && v.spec.persistentVolumeReclaimPolicy === 'Delete')
      .map((v) => v.metadata.name);
    await k(['delete', 'volumesnapshots', '-n', ns, '--all', '--wait=true'], { timeoutMs: 120_000, allowFail: true });
    await k(['delete', 'pods,pvc', '-n', ns, '--all', '--wait=true'], { timeoutMs: 120_000 });
    await eventually(async () => ((await k(['get', 'pv', '-o', 'name'])).stdout.split('\n').some((l) => pvs.includes(l.replace('persistentvolume/', ''))) ? undefined : true), `the volumes of ${ns} deleted`, 120_000);
  }

  test('a pod writing past its 32Mi block claim gets "No space left on device"', async (t) => {
    const ns = await newNamespace(t, 'dw-enospc');
    await apply(claim(ns, 'small', '32Mi', 'block'));
    await bound(ns, 'small');
    const { phase, out } = await runPod(ns, 'filler', 'small', 'dd if=/dev/zero of=/data/warmup bs=1M count=4 && sync && df -kP /data && dd if=/dev/zero of=/data/f bs=1M count=64');
    assert.equal(phase, 'Failed', out);
    assert.match(out, /No space left on device/);
    const size = Number(out.split('\n').find((l) => l.endsWith('/data'))?.trim().split(/\s+/)[1]);
    assert.ok(size > 0 && size <= 32 * 1024, `a 32Mi filesystem (df: ${size} KiB)`);
  });

  test('a 1Gi claim resized to 2Gi: FileSystemResizePending, then 2Gi inside the re-created pod', async (t) => {
    const ns = await newNamespace(t, 'dw-resize');
    await apply(claim(ns, 'grow', '1Gi', 'block'));
    const pvName = await bound(ns, 'grow');
    const sleeper = pod(ns, 'db', 'grow', 'echo before > /data/marker; sync; sleep 3600', 'Always');
    await apply(sleeper);
    await running(ns, 'db');
    const before = await dfKiB(ns, 'db');
    assert.ok(before > 0.9 * GiB && before <= GiB, `1Gi before (df: ${before} KiB)`);

    await k(['patch', 'pvc', '-n', ns, 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    // The volume grows at once; its mounted ext4 waits for the next mount on a host that can't
    // grow it online (no CAP_SYS_RESOURCE), as the kubelet reports it.
    const state = await waitIn(ns, 'FileSystemResizePending (or an online resize)', async () => {
      const c = await claimOf(ns, 'grow');
      if (c?.status?.conditions?.some((x) => x.type === 'FileSystemResizePending' && x.status === 'True')) return 'pending';
      return c?.status?.capacity?.storage === '2Gi' ? 'online' : undefined;
    });
    t.diagnostic(`after the patch: ${state === 'pending' ? 'FileSystemResizePending' : 'grown online'}`);
    await waitIn(ns, 'the PV at 2Gi', async () => (rowNamed((await k(['get', 'pv', pvName])).stdout, pvName)['CAPACITY'] === '2Gi' ? true : undefined));

    await k(['delete', 'pod', '-n', ns, 'db', '--wait=true'], { timeoutMs: 90_000 });
    await apply(sleeper);
    await running(ns, 'db');
    const after = await dfKiB(ns, 'db');
    assert.ok(after > 1.8 * GiB && after <= 2 * GiB, `2Gi inside the pod (df: ${after} KiB)`);
    assert.equal((await exec(ns, 'db', 'cat /data/marker')).trim(), 'before', 'the data survived the resize');
    const row = await waitIn(ns, 'the claim at 2Gi', async () => {
      const r = rowNamed((await k(['get', 'pvc', '-n', ns, 'grow'])).stdout, 'grow');
      return r['CAPACITY'] === '2Gi' ? r : undefined;
    });
    assert.equal(row['STATUS'], 'Bound');
    assert.ok(!(await claimOf(ns, 'grow'))?.status?.conditions?.some((x) => x.type === 'FileSystemResizePending'), 'the condition is cleared');
  });

  for (const cls of ['block', 'local-dir']) {
    test(`${cls}: a snapshot restored into a new claim holds the data of the moment it was taken`, async (t) => {
      const ns = await newNamespace(t, `dw-snap-${cls}`);
      const snapClass = `dw-snap-${cls}`;
      t.after(async () => void (await k(['delete', 'volumesnapshotclass', snapClass, '--ignore-not-found'])));
      await apply(
        { apiVersion: `${SNAPSHOT_API}/v1`, kind: 'VolumeSnapshotClass', metadata: { name: snapClass }, driver: drivers.get(cls), deletionPolicy: 'Delete' },
        claim(ns, 'src', '64Mi', cls),
      );
      await bound(ns, 'src');
      await apply(pod(ns, 'app', 'src', 'sleep 3600', 'Always'));
      await running(ns, 'app');
      await exec(ns, 'app', 'echo A > /data/a && sync');
      // Taken while the pod runs: the snapshot must still be one consistent moment.
      await apply({ apiVersion: `${SNAPSHOT_API}/v1`, kind: 'VolumeSnapshot', metadata: { name: 'snap', namespace: ns }, spec: { volumeSnapshotClassName: snapClass, source: { persistentVolumeClaimName: 'src' } } });
      await waitIn(ns, 'the snapshot readyToUse', async () => ((await getJson<{ status?: { readyToUse?: boolean } }>(k, ['volumesnapshot', '-n', ns, 'snap']))?.status?.readyToUse === true ? true : undefined));
      const row = rowNamed((await k(['get', 'volumesnapshot', '-n', ns, 'snap'])).stdout, 'snap');
      assert.deepEqual([row['READYTOUSE'], row['SOURCEPVC'], row['SNAPSHOTCLASS']], ['true', 'src', snapClass]);
      await exec(ns, 'app', 'echo B > /data/a && echo B > /data/b && sync');

      await apply(claim(ns, 'restored', '64Mi', cls, { dataSource: { apiGroup: SNAPSHOT_API, kind: 'VolumeSnapshot', name: 'snap' } }));
      await bound(ns, 'restored');
      const restored = await runPod(ns, 'reader', 'restored', 'cat /data/a; ls /data');
      assert.equal(restored.phase, 'Succeeded', restored.out);
      assert.equal(restored.out.split('\n')[0], 'A', 'the restored claim holds A, written before the snapshot');
      assert.doesNotMatch(restored.out, /^b$/m, 'and not b, written after it');
      assert.equal((await exec(ns, 'app', 'cat /data/a')).trim(), 'B', 'the source claim moved on');

      await k(['delete', 'volumesnapshot', '-n', ns, 'snap', '--wait=true'], { timeoutMs: 90_000 });
    });
  }

  for (const cls of ['local-dir', 'block']) {
    test(`${cls}, Retain: deleting the claim leaves the PV Released with its data, which binds again`, async (t) => {
      const ns = await newNamespace(t, `dw-retain-${cls}`);
      const sc = `dw-retain-${cls}`;
      t.after(async () => void (await k(['delete', 'storageclass', sc, '--ignore-not-found'])));
      await apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: sc }, provisioner: drivers.get(cls), reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate' }, claim(ns, 'keep', '64Mi', sc));
      const pvName = await bound(ns, 'keep');
      // A Retain volume outlives its claims: removed by hand at the end (its storage stays, by design).
      t.after(async () => void (await k(['delete', 'pv', pvName, '--ignore-not-found', '--wait=false'])));
      assert.equal((await runPod(ns, 'writer', 'keep', 'echo kept > /data/f && sync')).phase, 'Succeeded');
      await k(['delete', 'pvc', '-n', ns, 'keep', '--wait=true'], { timeoutMs: 90_000 });
      const pv = await waitIn(ns, `${pvName} Released`, async () => {
        const r = rowNamed((await k(['get', 'pv', pvName])).stdout, pvName);
        return r['STATUS'] === 'Released' ? r : undefined;
      });
      assert.deepEqual([pv['RECLAIM POLICY'], pv['CLAIM']], ['Retain', `${ns}/keep`]);

      // An administrator frees the volume for a new claim (upstream's way to reuse it).
      await k(['patch', 'pv', pvName, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/claimRef"}]']);
      await apply(claim(ns, 'again', '64Mi', sc, { volumeName: pvName }));
      assert.equal(await bound(ns, 'again'), pvName);
      const read = await runPod(ns, 'reader', 'again', 'cat /data/f');
      assert.deepEqual([read.phase, read.out], ['Succeeded', 'kept\n'], 'the data written through the deleted claim');

      await k(['delete', 'pvc', '-n', ns, 'again', '--wait=true'], { timeoutMs: 90_000 });
    });
  }

  test('block, Delete: deleting the claim removes the volume and its image', async (t) => {
    const ns = await newNamespace(t, 'dw-delete');
    await apply(claim(ns, 'gone', '64Mi', 'block'));
    const pvName = await bound(ns, 'gone');
    assert.equal((await runPod(ns, 'writer', 'gone', 'echo data > /data/f && sync')).phase, 'Succeeded');
    const volume = await getJson<VolumeLite>(k, ['pv', pvName]);
    assert.equal(volume?.spec?.persistentVolumeReclaimPolicy, 'Delete');
    const handle = volume?.spec?.csi?.volumeHandle ?? pvName;
    const backing = await pathsNamed(b.dataDir, handle);
    assert.ok(backing.some((p) => p.endsWith('.img')), `the volume's image under ${b.dataDir}: ${backing.join(', ') || 'none'}`);

    await k(['delete', 'pvc', '-n', ns, 'gone', '--wait=true'], { timeoutMs: 90_000 });
    await waitIn(ns, `${pvName} deleted`, async () => ((await getJson(k, ['pv', pvName])) === undefined ? true : undefined));
    assert.deepEqual(await pathsNamed(b.dataDir, handle), [], 'the backing storage is gone');
  });

  test('with every pod gone, no loop device is left attached', async () => {
    await eventually(async () => ((await getJson<{ items: unknown[] }>(k, ['pods', '-A']))?.items.length === 0 ? true : undefined), 'no pods', 60_000);
    await eventually(async () => (loopsUnder(b.dataDir).length === 0 ? true : undefined), 'no loop device backed by a file of this Berth', 30_000)
      .catch(() => assert.deepEqual(loopsUnder(b.dataDir), []));
  });
});
