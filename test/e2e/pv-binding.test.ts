// PersistentVolume binding through the real kubectl: the seed's static nfs-pv + nfs-pvc bind, an
// unmatched claim waits with upstream's event, a deleted claim releases its Retain volume, and a
// claim in use by a pod stays Terminating until the pod goes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, seedManifests, startBerth } from './harness';
import { create, eventually, getJson, type Kubectl, kubectlFor, namespaceObj, rowNamed } from './util';

const [, pvPvcYaml = ''] = seedManifests();
const ns = 'pvb';

let b: Berth;
let k: Kubectl;
before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
});
after(() => b?.destroy());

test("the seed's static nfs-pv and nfs-pvc bind", async () => {
  await k(['apply', '-f', '-'], { input: pvPvcYaml });
  const pvc = await eventually(async () => {
    const r = rowNamed((await k(['get', 'pvc', 'nfs-pvc'])).stdout, 'nfs-pvc');
    return r['STATUS'] === 'Bound' ? r : undefined;
  }, 'nfs-pvc Bound');
  assert.deepEqual([pvc['VOLUME'], pvc['CAPACITY'], pvc['ACCESS MODES'], pvc['STORAGECLASS']], ['nfs-pv', '10Gi', 'RWX', 'nfs']);
  const both = (await k(['get', 'pv,pvc'])).stdout;
  const pv = rowNamed(both, 'persistentvolume/nfs-pv');
  assert.deepEqual([pv['STATUS'], pv['CLAIM'], pv['CAPACITY'], pv['ACCESS MODES']], ['Bound', 'default/nfs-pvc', '10Gi', 'RWX']);
  const claim = await getJson(k, ['pvc', 'nfs-pvc']);
  assert.equal(claim?.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  assert.deepEqual(claim?.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  assert.deepEqual((await getJson(k, ['pv', 'nfs-pv']))?.metadata.finalizers, ['kubernetes.io/pv-protection']);
});

test('a claim with no match stays Pending with the FailedBinding event', async () => {
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'lonely', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Ti' } }, storageClassName: '' } };
  await create(k, claim);
  const described = await eventually(async () => {
    const out = (await k(['describe', 'pvc', '-n', ns, 'lonely'])).stdout;
    return /FailedBinding/.test(out) ? out : undefined;
  }, 'the FailedBinding event');
  assert.match(described, /^Status:\s+Pending$/m);
  assert.match(described, /Normal\s+FailedBinding\s+.*persistentvolume-controller\s+no persistent volumes available for this claim and no storage class is set/);
});

test('deleting the claim releases the Retain volume, the claim still shown', async () => {
  const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pvb-keep' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'pvb-keep', hostPath: { path: '/tmp/pvb-keep' } } };
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'keep', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'pvb-keep' } };
  await create(k, pv, claim);
  await eventually(async () => rowNamed((await k(['get', 'pvc', '-n', ns, 'keep'])).stdout, 'keep')['STATUS'] === 'Bound' || undefined, 'keep Bound');
  await k(['delete', 'pvc', '-n', ns, 'keep']);
  const row = await eventually(async () => {
    const r = rowNamed((await k(['get', 'pv', 'pvb-keep'])).stdout, 'pvb-keep');
    return r['STATUS'] === 'Released' ? r : undefined;
  }, 'pvb-keep Released');
  assert.deepEqual([row['CLAIM'], row['RECLAIM POLICY']], [`${ns}/keep`, 'Retain']);
});

test('a claim used by a pod stays Terminating until the pod is deleted', async () => {
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'used', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used' } }] } };
  await create(k, claim, pod);
  await k(['delete', 'pvc', '-n', ns, 'used', '--wait=false']);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(rowNamed((await k(['get', 'pvc', '-n', ns, 'used'])).stdout, 'used')['STATUS'], 'Terminating');
  await k(['delete', 'pod', '-n', ns, 'user', '--grace-period=0', '--force']);
  await eventually(async () => (await getJson(k, ['pvc', '-n', ns, 'used'])) === undefined || undefined, 'the claim removed once unused');
});
