// Persistent volumes on a real node: a static hostPath PV bound to a claim keeps a pod's data after
// the pod is deleted; a read-only claim cannot be written; an unbound claim keeps its pod waiting
// with a FailedMount event; a claim of the default class is provisioned a directory and persists.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Berth, startBerth } from './harness';
import { kubectl } from './kubectl';
import { startTestRegistry } from './registry';
import { eventually } from './util';

interface PodLite { status?: { phase?: string } }
interface EventLite { reason?: string; message?: string; involvedObject?: { name?: string } }

describe('persistent volume claims in pods on a real node', { timeout: 300_000 }, () => {
  let b: Berth;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  const k = (args: string[], input?: string) => kubectl(args, { kubeconfig: b.kubeconfig, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  const apply = (obj: unknown) => k(['apply', '-f', '-'], JSON.stringify(obj));

  const waitFor = <T>(what: string, f: () => Promise<T | undefined>, ms = 90_000): Promise<T> => eventually(f, what, ms);

  const phase = async (name: string) => ((await b.request('GET', `/api/v1/namespaces/default/pods/${name}`)).body as PodLite).status?.phase;
  const finished = (name: string) => waitFor(`pod ${name} to finish`, async () => ((await phase(name)) === 'Succeeded' || (await phase(name)) === 'Failed' ? phase(name) : undefined));
  const pod = (name: string, claim: string, script: string, readOnly = false) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script], volumeMounts: [{ name: 'store', mountPath: '/data/db' }] }],
      volumes: [{ name: 'store', persistentVolumeClaim: { claimName: claim, ...(readOnly ? { readOnly: true } : {}) } }],
    },
  });
  const events = async (name: string) => ((await b.request('GET', '/api/v1/namespaces/default/events')).body as { items?: EventLite[] }).items?.filter((e) => e.involvedObject?.name === name) ?? [];
  const deletePod = (name: string) => k(['delete', 'pod', name, '--wait=true']);

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
  });
  after(async () => {
    await k(['delete', 'pods', '--all', '--wait=true']).catch(() => undefined);
    await b?.destroy();
    await registry?.stop();
  });

  test('static hostPath PV + claim: a file written by one pod is read by the next', async () => {
    const dir = join(b.dataDir, 'static-pv');
    await apply({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'static-pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: dir, type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: 'static-pvc' } } });
    await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'static-pvc' }, spec: { storageClassName: '', volumeName: 'static-pv', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await waitFor('the claim to bind', async () => ((await k(['get', 'pvc', 'static-pvc', '-o', 'jsonpath={.status.phase}'])).stdout === 'Bound' ? true : undefined));

    await apply(pod('writer', 'static-pvc', 'echo persisted > /data/db/file && sync'));
    assert.equal(await finished('writer'), 'Succeeded');
    assert.equal(await readFile(join(dir, 'file'), 'utf8'), 'persisted\n', "the file is in the PV's directory on the host");
    await deletePod('writer');

    await apply(pod('reader', 'static-pvc', 'cat /data/db/file'));
    assert.equal(await finished('reader'), 'Succeeded');
    assert.equal((await k(['logs', 'reader'])).stdout, 'persisted\n');
    await deletePod('reader');

    await apply(pod('ro', 'static-pvc', 'cat /data/db/file; echo x > /data/db/other', true));
    assert.equal(await finished('ro'), 'Failed', 'a read-only claim cannot be written');
    assert.match((await k(['logs', 'ro'])).stdout + (await k(['logs', 'ro'])).stderr, /persisted\n[\s\S]*Read-only file system/);
    await assert.rejects(stat(join(dir, 'other')));
    await deletePod('ro');
  });

  test('a pod of an unbound claim waits with a FailedMount event naming the claim', async () => {
    await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'lonely' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    // Upstream's scheduler keeps a pod of an unbound Immediate claim unscheduled; naming the node
    // sends it straight to the kubelet, whose volume manager reports the claim.
    const nodeName = (await k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
    const waiting = pod('waiting', 'lonely', 'true');
    await apply({ ...waiting, spec: { ...waiting.spec, nodeName } });
    const ev = await waitFor('a FailedMount event', async () => (await events('waiting')).find((e) => e.reason === 'FailedMount'));
    assert.match(ev.message ?? '', /persistentvolumeclaim "lonely" is not bound/);
    assert.equal(await phase('waiting'), 'Pending');
    await k(['delete', 'pod', 'waiting', '--wait=true', '--grace-period=0', '--force']);
  });

  test('dynamic: a claim without a class gets the default local-dir class, a provisioned directory, and keeps data; deleting it removes both', async () => {
    await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'dyn' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    assert.equal((await k(['get', 'pvc', 'dyn', '-o', 'jsonpath={.spec.storageClassName}'])).stdout, 'local-dir', 'DefaultStorageClass admission');
    const uid = (await k(['get', 'pvc', 'dyn', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const pvName = `pvc-${uid}`;
    await waitFor('the claim to bind', async () => ((await k(['get', 'pvc', 'dyn', '-o', 'jsonpath={.status.phase}'])).stdout === 'Bound' ? true : undefined));
    const table = (await k(['get', 'pv,pvc'])).stdout;
    assert.match(table, new RegExp(`^persistentvolume/${pvName}\\s+1Gi\\s+RWO\\s+Delete\\s+Bound\\s+default/dyn\\s+local-dir\\s`, 'm'));
    assert.match(table, new RegExp(`^persistentvolumeclaim/dyn\\s+Bound\\s+${pvName}\\s+1Gi\\s+RWO\\s+local-dir\\s`, 'm'));
    const ev = await waitFor('ProvisioningSucceeded', async () => (await events('dyn')).find((e) => e.reason === 'ProvisioningSucceeded'));
    assert.equal(ev.message, `Successfully provisioned volume ${pvName}`);
    const dir = join(b.dataDir, 'node', 'volumes', pvName);

    await apply(pod('dyn-writer', 'dyn', 'echo dynamic > /data/db/file'));
    assert.equal(await finished('dyn-writer'), 'Succeeded');
    assert.equal(await readFile(join(dir, 'file'), 'utf8'), 'dynamic\n');
    await deletePod('dyn-writer');
    await apply(pod('dyn-reader', 'dyn', 'cat /data/db/file'));
    assert.equal(await finished('dyn-reader'), 'Succeeded');
    assert.equal((await k(['logs', 'dyn-reader'])).stdout, 'dynamic\n');
    await deletePod('dyn-reader');

    await k(['delete', 'pvc', 'dyn', '--wait=true']);
    await waitFor('the volume to be deleted', async () => ((await k(['get', 'pv', '-o', 'name'])).stdout.includes(pvName) ? undefined : true));
    await assert.rejects(stat(dir), /ENOENT/, 'the directory is removed with its volume');
  });
});
