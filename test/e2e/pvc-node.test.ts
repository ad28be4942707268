// Persistent volumes on a real node: a static hostPath PV bound to a claim keeps a pod's data after
// the pod is deleted; a read-only claim cannot be written; an unbound claim keeps its pod waiting
// with a FailedMount event; a claim of the default class gets a CSI volume (the built-in local-dir
// driver, an external-provisioner-shaped PV) that persists and is deleted with its claim; a block
// claim grows, with FileSystemResizePending until the next pod's mount grows the filesystem.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BLOCK_DRIVER, LOCAL_DIR_DRIVER, NODE_TOPOLOGY_KEY } from '../../src/storage/csi/types';
import { type Berth, startBerth } from './harness';
import { kubectl } from './kubectl';
import { startTestRegistry } from './registry';
import { eventually } from './util';

interface PodLite { status?: { phase?: string } }
interface EventLite { reason?: string; message?: string; involvedObject?: { name?: string } }
interface PvLite {
  metadata: { annotations?: Record<string, string>; finalizers?: string[] };
  spec: { hostPath?: unknown; csi?: { driver?: string; volumeHandle?: string; volumeAttributes?: Record<string, string> }; nodeAffinity?: { required?: { nodeSelectorTerms?: unknown } } };
}

/** A directory named `name` holding `file` under `root` (the pool's place for it is the node's business). */
async function findDir(root: string, name: string, file: string, depth = 6): Promise<string | undefined> {
  if (depth === 0) return undefined;
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const p = join(root, e.name);
    // Pods' mount points show the same files under other names; only the volume's own directory counts.
    if (e.name === 'pods') continue;
    if (e.name === name && (await stat(join(p, file)).catch(() => undefined))) return p;
    const found = await findDir(p, name, file, depth - 1);
    if (found) return found;
  }
  return undefined;
}

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

  test("the seed's nfs PV: bound, and its pod waits with a FailedMount event naming the fix (this kernel has no NFS client)", async (t) => {
    if ((await readFile('/proc/filesystems', 'utf8')).includes('\tnfs') || existsSync('/sbin/mount.nfs')) return t.skip('this host has an NFS client');
    await apply({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nfs-pv' }, spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany'], storageClassName: 'nfs', nfs: { path: '/exports', server: '127.0.0.1' } } });
    await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'nfs-pvc' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'nfs' } });
    await waitFor('nfs-pvc to bind', async () => ((await k(['get', 'pvc', 'nfs-pvc', '-o', 'jsonpath={.status.phase}'])).stdout === 'Bound' ? true : undefined));
    await apply(pod('nfs-user', 'nfs-pvc', 'true'));
    const ev = await waitFor('a FailedMount event', async () => (await events('nfs-user')).find((e) => e.reason === 'FailedMount'));
    assert.match(ev.message ?? '', /persistentvolume "nfs-pv" is an nfs volume and this host's kernel cannot mount NFS: install nfs-common \/ load the nfs module/);
    assert.equal(await phase('nfs-user'), 'Pending');
    await k(['delete', 'pod', 'nfs-user', '--wait=true', '--grace-period=0', '--force']);
    await k(['delete', 'pvc', 'nfs-pvc', '--wait=true']);
    await k(['delete', 'pv', 'nfs-pv', '--wait=true']);
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

  test('dynamic: a claim without a class gets the default class, a CSI volume of the local-dir driver, and keeps data; deleting it removes both', async () => {
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
    assert.ok((await events('dyn')).some((e) => e.reason === 'Provisioning' && e.message === 'External provisioner is provisioning volume for claim "default/dyn"'));

    // The PV is what external-provisioner writes for a CSI driver.
    const pv = JSON.parse((await k(['get', 'pv', pvName, '-o', 'json'])).stdout) as PvLite;
    assert.equal(pv.spec.csi?.driver, LOCAL_DIR_DRIVER);
    assert.equal(pv.spec.csi?.volumeHandle, pvName, 'the pool volume is named after the PV');
    assert.ok(pv.spec.csi?.volumeAttributes?.['storage.kubernetes.io/csiProvisionerIdentity']?.endsWith(`-${LOCAL_DIR_DRIVER}`), 'the provisioner identity');
    assert.equal(pv.spec.hostPath, undefined, 'no hostPath any more');
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], LOCAL_DIR_DRIVER);
    assert.ok(pv.metadata.finalizers?.includes('external-provisioner.volume.kubernetes.io/finalizer'));
    const nodeName = (await k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
    const nodeTopology = (await k(['get', 'node', nodeName, '-o', `jsonpath={.metadata.labels.topology\\.berth\\.dev/node}`])).stdout;
    assert.ok(nodeTopology, 'the node carries the built-in drivers\' topology label');
    assert.deepEqual(pv.spec.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: NODE_TOPOLOGY_KEY, operator: 'In', values: [nodeTopology] }] }]);

    await apply(pod('dyn-writer', 'dyn', 'echo dynamic > /data/db/file'));
    assert.equal(await finished('dyn-writer'), 'Succeeded');
    // The data is in the node's volume pool, in the directory of the volume named after the PV.
    const dir = await findDir(b.dataDir, pvName, 'file');
    assert.ok(dir, `a directory ${pvName} holding the file under ${b.dataDir}`);
    assert.equal(await readFile(join(dir, 'file'), 'utf8'), 'dynamic\n');
    await deletePod('dyn-writer');
    await apply(pod('dyn-reader', 'dyn', 'cat /data/db/file'));
    assert.equal(await finished('dyn-reader'), 'Succeeded');
    assert.equal((await k(['logs', 'dyn-reader'])).stdout, 'dynamic\n');
    await deletePod('dyn-reader');

    await k(['delete', 'pvc', 'dyn', '--wait=true']);
    await waitFor('the volume to be deleted', async () => ((await k(['get', 'pv', '-o', 'name'])).stdout.includes(pvName) ? undefined : true));
    await assert.rejects(stat(dir), /ENOENT/, 'DeleteVolume removed the directory with its volume');
  });

  test('block: a claim grows from 64Mi to 128Mi; the filesystem grows at the next mount (FileSystemResizePending until then)', async () => {
    await apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'e2e-block' }, provisioner: BLOCK_DRIVER, parameters: { 'csi.storage.k8s.io/fstype': 'ext4' }, reclaimPolicy: 'Delete', allowVolumeExpansion: true });
    await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'grow' }, spec: { storageClassName: 'e2e-block', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } });
    await waitFor('the claim to bind', async () => ((await k(['get', 'pvc', 'grow', '-o', 'jsonpath={.status.phase}'])).stdout === 'Bound' ? true : undefined));
    const pvName = (await k(['get', 'pvc', 'grow', '-o', 'jsonpath={.spec.volumeName}'])).stdout;
    assert.equal((await k(['get', 'pv', pvName, '-o', 'jsonpath={.spec.csi.driver}/{.spec.csi.fsType}'])).stdout, `${BLOCK_DRIVER}/ext4`);
    const sizeKiB = async (name: string) => {
      await apply(pod(name, 'grow', 'df -Pk /data/db | tail -1'));
      assert.equal(await finished(name), 'Succeeded');
      const kib = Number((await k(['logs', name])).stdout.trim().split(/\s+/)[1]);
      await deletePod(name);
      return kib;
    };
    const before = await sizeKiB('df-before');
    assert.ok(before > 40_000 && before <= 65_536, `a 64Mi ext4 filesystem, got ${before} KiB`);

    await k(['patch', 'pvc', 'grow', '-p', JSON.stringify({ spec: { resources: { requests: { storage: '128Mi' } } } })]);
    await waitFor('FileSystemResizePending', async () => ((await k(['get', 'pvc', 'grow', '-o', 'jsonpath={.status.conditions[*].type}'])).stdout.includes('FileSystemResizePending') ? true : undefined));
    const claim = JSON.parse((await k(['get', 'pvc', 'grow', '-o', 'json'])).stdout) as { status: { capacity?: { storage?: string }; allocatedResources?: { storage?: string }; allocatedResourceStatuses?: Record<string, string>; conditions?: { type: string; message?: string }[] } };
    assert.equal(claim.status.capacity?.storage, '64Mi', 'the claim keeps its size until the filesystem grew');
    assert.equal(claim.status.allocatedResources?.storage, '128Mi');
    assert.equal(claim.status.allocatedResourceStatuses?.storage, 'NodeResizePending');
    assert.equal(claim.status.conditions?.find((c) => c.type === 'FileSystemResizePending')?.message, 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.');
    assert.equal((await k(['get', 'pv', pvName, '-o', 'jsonpath={.spec.capacity.storage}'])).stdout, '128Mi');
    const reasons = (await events('grow')).map((e) => e.reason);
    for (const r of ['ExternalExpanding', 'Resizing', 'FileSystemResizeRequired']) assert.ok(reasons.includes(r), `event ${r} in ${reasons.join(',')}`);

    // The next pod stages the volume, and the node grows the filesystem offline first.
    const after = await sizeKiB('df-after');
    assert.ok(after > before + 50_000, `the filesystem grew: ${before} -> ${after} KiB`);
    await waitFor('the claim to show 128Mi', async () => ((await k(['get', 'pvc', 'grow', '-o', 'jsonpath={.status.capacity.storage}'])).stdout === '128Mi' ? true : undefined));
    assert.equal((await k(['get', 'pvc', 'grow', '-o', 'jsonpath={.status.conditions}'])).stdout, '', 'resize conditions cleared');
    await k(['delete', 'pvc', 'grow', '--wait=true']);
    await waitFor('the block volume to be deleted', async () => ((await k(['get', 'pv', '-o', 'name'])).stdout.includes(pvName) ? undefined : true));
  });
});
