import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ResourceRef } from '../../machinery/client';
import { type Stack, testStack } from '../../controllers/testing/stack';
import type { Pod } from '../types';
import { VolumeMountError } from './mount-error';
import { VolumeManager } from './volume-manager';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const pvcRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumeclaims' };
const pvRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumes' };
const NS = 'claims-test';

let base: string;
let stack: Stack;
let vm: VolumeManager;
let seq = 0;
const tag = `${process.pid}`;

function pod(claimName: string, opts: { readOnly?: boolean; mountReadOnly?: boolean } = {}): Pod {
  const uid = `claim-${tag}-${seq++}`;
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${seq}`, namespace: NS, uid },
    spec: {
      containers: [{ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/data', ...(opts.mountReadOnly ? { readOnly: true } : {}) }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName, ...(opts.readOnly ? { readOnly: true } : {}) } }],
    },
  };
}

/** A PV and a claim bound to each other as the binder leaves them. */
async function bound(name: string, source: Record<string, unknown>, accessModes = ['ReadWriteOnce']): Promise<void> {
  const claim = await stack.client.create(pvcRef, NS, { metadata: { name }, spec: { storageClassName: '', volumeName: `pv-${name}-${tag}`, accessModes, resources: { requests: { storage: '1Gi' } } } });
  await stack.client.create(pvRef, undefined, {
    metadata: { name: `pv-${name}-${tag}` },
    spec: { storageClassName: '', capacity: { storage: '1Gi' }, accessModes, claimRef: { namespace: NS, name, uid: claim.metadata.uid }, ...source },
  });
  await stack.client.patch(pvcRef, NS, name, 'merge', { status: { phase: 'Bound' } }, {}, 'status');
}

const failure = async (p: Pod): Promise<string> => {
  const err = await vm.setUp(p).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof VolumeMountError, `expected a VolumeMountError, got ${String(err)}`);
  return err.message;
};

before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-claims-')));
  stack = await testStack();
  await stack.client.create(nsRef, undefined, { metadata: { name: NS } });
  vm = new VolumeManager({ podsDir: join(base, 'pods'), client: stack.client, clock: { now: () => new Date() }, nodeName: 'n1' });
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('a bound hostPath claim mounts the PV path (created for DirectoryOrCreate); readOnly from the pod or ReadOnlyMany', async () => {
  const dir = join(base, 'hp');
  await bound('hp', { hostPath: { path: dir, type: 'DirectoryOrCreate' } });
  const p = pod('hp');
  await vm.setUp(p);
  assert.ok((await stat(dir)).isDirectory(), 'DirectoryOrCreate made the directory');
  assert.deepEqual(await vm.containerMounts(p, p.spec.containers[0]!, {}), [{ destination: '/data', source: dir, type: 'bind', options: ['rbind', 'rprivate', 'rw'] }]);
  const ro = pod('hp', { readOnly: true });
  await vm.setUp(ro);
  assert.deepEqual((await vm.containerMounts(ro, ro.spec.containers[0]!, {}))[0]?.options, ['rbind', 'rprivate', 'ro']);
  await bound('rox', { hostPath: { path: dir } }, ['ReadOnlyMany']);
  const rox = pod('rox');
  await vm.setUp(rox);
  assert.deepEqual((await vm.containerMounts(rox, rox.spec.containers[0]!, {}))[0]?.options, ['rbind', 'rprivate', 'ro']);
  await vm.tearDown(p.metadata.uid ?? '');
  assert.ok((await stat(dir)).isDirectory(), "tearDown leaves the volume's data alone");
});

test('unbound and missing claims fail like FailedMount and the pod can retry once bound', async () => {
  assert.match(await failure(pod('absent')), /^MountVolume.SetUp failed for volume "data" : persistentvolumeclaim "absent" not found/);
  await stack.client.create(pvcRef, NS, { metadata: { name: 'later' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  const p = pod('later');
  assert.match(await failure(p), /persistentvolumeclaim "later" is not bound/);
  await assert.rejects(vm.containerMounts(p, p.spec.containers[0]!, {}), /its claim is not set up yet/);
  // Binding it afterwards (as the binder does) lets the same pod through.
  const claim = await stack.client.get(pvcRef, NS, 'later');
  await stack.client.create(pvRef, undefined, { metadata: { name: `pv-later-${tag}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], claimRef: { namespace: NS, name: 'later', uid: claim.metadata.uid }, hostPath: { path: join(base, 'later'), type: 'DirectoryOrCreate' } } });
  await stack.client.patch(pvcRef, NS, 'later', 'merge', { spec: { volumeName: `pv-later-${tag}` } });
  await stack.client.patch(pvcRef, NS, 'later', 'merge', { status: { phase: 'Bound' } }, {}, 'status');
  await vm.setUp(p);
  assert.equal((await vm.containerMounts(p, p.spec.containers[0]!, {}))[0]?.source, join(base, 'later'));
});

test('local volumes: the path must exist and the node affinity must name this node; nfs names the fix', async () => {
  const local = (values: string[]) => ({ local: { path: base }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values }] }] } } });
  await bound('here', local(['n1']));
  const here = pod('here');
  await vm.setUp(here);
  assert.equal((await vm.containerMounts(here, here.spec.containers[0]!, {}))[0]?.source, base);
  await bound('there', local(['n2']));
  assert.match(await failure(pod('there')), /node affinity that does not match this node "n1"/);
  await bound('gone', { ...local(['n1']), local: { path: join(base, 'nope') } });
  assert.match(await failure(pod('gone')), /local volume path .*nope .*does not exist on this node/);
  // This host has no NFS client (the test is meaningless on one that has).
  if (!(await readFile('/proc/filesystems', 'utf8')).includes('\tnfs') && !existsSync('/sbin/mount.nfs')) {
    await bound('nfs', { nfs: { server: '10.0.0.1', path: '/exports' } });
    assert.match(await failure(pod('nfs')), /persistentvolume "pv-nfs-[^"]*" is an nfs volume and this host's kernel cannot mount NFS: install nfs-common \/ load the nfs module/);
  }
  await bound('typed', { hostPath: { path: join(base, 'missing'), type: 'Directory' } });
  assert.match(await failure(pod('typed')), /hostPath type check failed: .*missing is not a directory/);
  assert.equal(await readFile(join(base, 'missing')).catch(() => 'absent'), 'absent');
});
