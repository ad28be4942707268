// The Recycle reclaim policy on a real node: a hostPath PV pinned to the node by its affinity is
// bound, written by a pod, and released when its claim goes; the controller runs upstream's
// recycler pod (busybox, `rm -rf` of everything under /scrub) on that node, which empties the
// directory (kept), then makes the volume Available again with the VolumeRecycled event, and a
// new claim binds it.
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Berth, startBerth } from './harness';
import { kubectl } from './kubectl';
import { startTestRegistry } from './registry';
import { eventually } from './util';

interface EventLite { type?: string; reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } }

describe('the Recycle reclaim policy on a real node', { timeout: 300_000 }, () => {
  let b: Berth;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  const k = (args: string[], input?: string) => kubectl(args, { kubeconfig: b.kubeconfig, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  const kTry = (args: string[]) => kubectl(args, { kubeconfig: b.kubeconfig, timeoutMs: 60_000, allowFail: true });
  const apply = (obj: unknown) => k(['apply', '-f', '-'], JSON.stringify(obj));
  const waitFor = <T>(what: string, f: () => Promise<T | undefined>, ms = 120_000): Promise<T> => eventually(f, what, ms);
  const jsonpath = async (args: string[], path: string) => (await k(['get', ...args, '-o', `jsonpath=${path}`])).stdout;
  const volumeEvents = async (name: string) =>
    ((await b.request('GET', '/api/v1/namespaces/default/events')).body as { items?: EventLite[] }).items?.filter((e) => e.involvedObject?.kind === 'PersistentVolume' && e.involvedObject.name === name) ?? [];
  const claim = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { storageClassName: 'e2e-recycle', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
  });
  after(async () => {
    await k(['delete', 'pods', '--all', '--wait=true']).catch(() => undefined);
    await b?.destroy();
    await registry?.stop();
  });

  test('a released hostPath volume is scrubbed by the recycler pod and bound again', async () => {
    const dir = join(b.dataDir, 'recycle-me');
    const nodeName = await jsonpath(['nodes'], '{.items[0].metadata.name}');
    const hostname = await jsonpath(['node', nodeName], '{.metadata.labels.kubernetes\\.io/hostname}');
    assert.ok(hostname, 'the node has its hostname label');
    const pv = {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'recycle-me' },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'e2e-recycle', persistentVolumeReclaimPolicy: 'Recycle',
        hostPath: { path: dir, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
      },
    };
    // kubectl prints the API's deprecation warning, as with kube-apiserver.
    const created = await apply(pv);
    assert.match(created.stderr, /Warning: spec\.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated\. Instead, the recommended approach is to use dynamic provisioning\./);
    await apply(claim('first'));
    await waitFor('the claim to bind', async () => ((await jsonpath(['pvc', 'first'], '{.status.phase}')) === 'Bound' ? true : undefined));
    const firstUid = await jsonpath(['pvc', 'first'], '{.metadata.uid}');

    await apply({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'writer' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo data > /d/file && echo h > /d/.hidden && mkdir -p /d/sub/deep && echo x > /d/sub/deep/f'], volumeMounts: [{ name: 'd', mountPath: '/d' }] }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'first' } }],
      },
    });
    await waitFor('the writer to finish', async () => {
      const p = await jsonpath(['pod', 'writer'], '{.status.phase}');
      return p === 'Succeeded' || p === 'Failed' ? p : undefined;
    }).then((p) => assert.equal(p, 'Succeeded'));
    assert.deepEqual((await readdir(dir)).sort(), ['.hidden', 'file', 'sub'], 'the pod wrote into the host directory');
    await k(['delete', 'pod', 'writer', '--wait=true']);

    await k(['delete', 'pvc', 'first', '--wait=true']);
    // Released, then the recycler runs and the volume comes back Available with no claimRef.
    // Polled together: the recycler may finish between two polls.
    let recycler: { spec: Record<string, unknown>; metadata: { annotations?: Record<string, string> } } | undefined;
    const outcome = await waitFor('the volume to be Available (or Failed)', async () => {
      const out = await kTry(['get', 'pod', 'recycler-for-recycle-me', '-o', 'json']);
      if (out.code === 0) recycler ??= JSON.parse(out.stdout) as typeof recycler;
      const phase = await jsonpath(['pv', 'recycle-me'], '{.status.phase}');
      return phase === 'Available' || phase === 'Failed' ? phase : undefined;
    });
    // What the volume shows, to tell where recycling stopped.
    if (outcome !== 'Available') assert.fail((await kTry(['describe', 'pv', 'recycle-me'])).stdout);
    assert.equal(await jsonpath(['pv', 'recycle-me'], '{.spec.claimRef}'), '', 'claimRef cleared');
    const ev = (await volumeEvents('recycle-me')).find((e) => e.reason === 'VolumeRecycled');
    assert.deepEqual([ev?.type, ev?.message], ['Normal', 'Volume recycled']);
    assert.ok((await stat(dir)).isDirectory(), 'the directory itself is kept');
    assert.deepEqual(await readdir(dir), [], 'the recycler emptied it, hidden files and subdirectories included');
    // The recycler pod is deleted once done.
    await waitFor('the recycler pod to be gone', async () => ((await kTry(['get', 'pod', 'recycler-for-recycle-me'])).code !== 0 ? true : undefined), 60_000);
    // It ran on the volume's node, named there by the controller (nodeName), not by the scheduler.
    const podEvents = ((await b.request('GET', '/api/v1/namespaces/default/events')).body as { items?: (EventLite & { source?: { host?: string } })[] }).items?.filter((e) => e.involvedObject?.name === 'recycler-for-recycle-me') ?? [];
    assert.ok(podEvents.some((e) => e.reason === 'Started' && e.message === 'Started container pv-recycler' && e.source?.host === nodeName), JSON.stringify(podEvents));
    assert.ok(!podEvents.some((e) => e.reason === 'Scheduled'), 'not placed by the scheduler');
    if (recycler) {
      // Seen while it ran (it may finish before a poll sees it): upstream's template, on the volume's node.
      assert.equal(recycler.spec['nodeName'], nodeName);
      assert.equal(recycler.spec['activeDeadlineSeconds'], 60);
      assert.equal(recycler.metadata.annotations?.['berth.dev/recycle-of']?.endsWith(`/${firstUid}`), true);
    }

    await apply(claim('second'));
    await waitFor('a new claim to bind the recycled volume', async () => ((await jsonpath(['pvc', 'second'], '{.status.phase}')) === 'Bound' ? true : undefined));
    assert.equal(await jsonpath(['pvc', 'second'], '{.spec.volumeName}'), 'recycle-me');
    assert.equal(await jsonpath(['pv', 'recycle-me'], '{.status.phase}'), 'Bound');
  });

  test('a recycler that cannot empty the volume leaves it Failed with the exit, and the recycler pod goes', async () => {
    // A hostPath naming a file: the scrub removes nothing and the file is still there, so it exits 1.
    const file = join(b.dataDir, 'not-a-dir');
    await writeFile(file, 'keep');
    await apply({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'recycle-fails' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'e2e-recycle-fail', persistentVolumeReclaimPolicy: 'Recycle', hostPath: { path: file, type: 'File' } },
    });
    await apply({ ...claim('doomed'), spec: { ...claim('doomed').spec, storageClassName: 'e2e-recycle-fail' } });
    await waitFor('the claim to bind', async () => ((await jsonpath(['pvc', 'doomed'], '{.status.phase}')) === 'Bound' ? true : undefined));
    await k(['delete', 'pvc', 'doomed', '--wait=true']);
    const phase = await waitFor('the volume to be Failed (or Available)', async () => {
      const p = await jsonpath(['pv', 'recycle-fails'], '{.status.phase}');
      return p === 'Failed' || p === 'Available' ? p : undefined;
    });
    assert.equal(phase, 'Failed');
    const message = 'Recycle failed: failed to recycle volume: container pv-recycler exited with code 1 (Error)';
    assert.equal(await jsonpath(['pv', 'recycle-fails'], '{.status.message}'), message);
    const ev = (await volumeEvents('recycle-fails')).find((e) => e.reason === 'VolumeFailedRecycle');
    assert.deepEqual([ev?.type, ev?.message], ['Warning', message]);
    assert.equal(await jsonpath(['pv', 'recycle-fails'], '{.spec.claimRef.name}'), 'doomed', 'still claimed: not offered to new claims');
    assert.equal(await readFile(file, 'utf8'), 'keep');
    await waitFor('the recycler pod to be gone', async () => ((await kTry(['get', 'pod', 'recycler-for-recycle-fails'])).code !== 0 ? true : undefined), 60_000);
  });
});
