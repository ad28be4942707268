// The seed document's manifests apply as written, and get / describe / delete work on each, with
// today's kubectl and with older and newer ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, type KubectlVersion, kubectlVersions, seedManifests, startBerth } from './harness';
import { create, eventually, getJson, type Kubectl, kubectlFor, namespaceObj, rowNamed } from './util';

const blocks = seedManifests();
const [deployYaml = '', pvPvcYaml = '', mongoNfsYaml = '', csiPvcYaml = '', mongoCsiYaml = ''] = blocks;

let b: Berth;
let k: Kubectl;
before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
});
after(() => b?.destroy());

const rvOf = async (args: string[]) => (await getJson(k, args))?.metadata.resourceVersion;

describe('seed manifests with kubectl 1.32', () => {
  test('the seed has the five blocks this suite expects', () => {
    assert.equal(blocks.length, 5);
  });

  test('kubectl apply creates every object', async () => {
    assert.match((await k(['apply', '-f', '-'], { input: deployYaml })).stdout, /^deployment\.apps\/shared-volume-deployment created$/m);
    const pv = await k(['apply', '-f', '-'], { input: pvPvcYaml });
    assert.match(pv.stdout, /^persistentvolume\/nfs-pv created$/m);
    assert.match(pv.stdout, /^persistentvolumeclaim\/nfs-pvc created$/m);
    assert.match((await k(['apply', '-f', '-'], { input: mongoNfsYaml })).stdout, /^pod\/mongo-pod created$/m);
    assert.match((await k(['apply', '-f', '-'], { input: csiPvcYaml })).stdout, /^persistentvolumeclaim\/csi-pvc created$/m);
  });

  test('a second apply is "unchanged" (the pod: "configured", as upstream) and keeps every resourceVersion', async () => {
    const ids = [['deploy', 'shared-volume-deployment'], ['pv', 'nfs-pv'], ['pvc', 'nfs-pvc'], ['pod', 'mongo-pod'], ['pvc', 'csi-pvc']];
    // Let the PV controller finish binding nfs-pvc first: its writes change those resourceVersions.
    await eventually(async () => (await getJson<{ status?: { phase?: string } }>(k, ['pv', 'nfs-pv']))?.status?.phase === 'Bound' || undefined, 'nfs-pv Bound');
    await eventually(async () => (await getJson<{ status?: { phase?: string } }>(k, ['pvc', 'nfs-pvc']))?.status?.phase === 'Bound' || undefined, 'nfs-pvc Bound');
    const before = await Promise.all(ids.map((id) => rvOf(id)));
    assert.ok(before.every((rv) => typeof rv === 'string' && rv !== ''), `resourceVersions: ${before.join(',')}`);
    for (const y of [deployYaml, pvPvcYaml, csiPvcYaml]) {
      const out = (await k(['apply', '-f', '-'], { input: y })).stdout;
      assert.match(out, / unchanged$/m);
      assert.doesNotMatch(out, /configured|created/);
    }
    // ServiceAccount admission added a volume and a mount the manifest lacks, so kubectl's three-way
    // patch carries $setElementOrder directives and kubectl says "configured", as against
    // kube-apiserver; the patch changes nothing, so the resourceVersion stays.
    assert.match((await k(['apply', '-f', '-'], { input: mongoNfsYaml })).stdout, /^pod\/mongo-pod configured$/m);
    assert.deepEqual(await Promise.all(ids.map((id) => rvOf(id))), before);
  });

  test('kubectl get shows each object with upstream cells', async () => {
    // The Deployment controller has made its ReplicaSet and pod; no node runs it (--node=false).
    const d = await eventually(async () => {
      const r = rowNamed((await k(['get', 'deploy', 'shared-volume-deployment'])).stdout, 'shared-volume-deployment');
      return r['UP-TO-DATE'] === '1' ? r : undefined;
    }, 'the deployment up to date');
    assert.deepEqual([d['READY'], d['UP-TO-DATE'], d['AVAILABLE']], ['0/1', '1', '0']);
    const pv = rowNamed((await k(['get', 'pv', 'nfs-pv'])).stdout, 'nfs-pv');
    assert.deepEqual(
      [pv['CAPACITY'], pv['ACCESS MODES'], pv['RECLAIM POLICY'], pv['STORAGECLASS'], pv['VOLUMEATTRIBUTESCLASS']],
      ['10Gi', 'RWX', 'Retain', 'nfs', '<unset>'],
    );
    // The static PV and its claim bind (upstream's PV controller): same class, RWX, 10Gi.
    const pvc = await eventually(async () => {
      const r = rowNamed((await k(['get', 'pvc', 'nfs-pvc'])).stdout, 'nfs-pvc');
      return r['STATUS'] === 'Bound' ? r : undefined;
    }, 'nfs-pvc Bound');
    assert.deepEqual([pvc['STATUS'], pvc['VOLUME'], pvc['CAPACITY'], pvc['ACCESS MODES'], pvc['STORAGECLASS']], ['Bound', 'nfs-pv', '10Gi', 'RWX', 'nfs']);
    const csi = rowNamed((await k(['get', 'pvc', 'csi-pvc'])).stdout, 'csi-pvc');
    assert.deepEqual([csi['STATUS'], csi['STORAGECLASS']], ['Pending', 'vultr-block-storage-hdd']);
    const pod = rowNamed((await k(['get', 'pod', 'mongo-pod'])).stdout, 'mongo-pod');
    assert.deepEqual([pod['READY'], pod['STATUS'], pod['RESTARTS']], ['0/1', 'Pending', '0']);
  });

  test('kubectl get -o yaml returns the applied spec with defaults', async () => {
    const pod = await getJson<{ spec: { volumes: { persistentVolumeClaim?: { claimName: string } }[]; containers: { ports: { containerPort: number; protocol: string }[] }[] } }>(k, ['pod', 'mongo-pod']);
    assert.equal(pod?.spec.volumes[0]?.persistentVolumeClaim?.claimName, 'nfs-pvc');
    assert.deepEqual(pod?.spec.containers[0]?.ports[0], { containerPort: 27017, protocol: 'TCP' });
    const pv = await getJson<{ spec: { persistentVolumeReclaimPolicy: string; volumeMode: string; nfs: { server: string } } }>(k, ['pv', 'nfs-pv']);
    assert.equal(pv?.spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(pv?.spec.volumeMode, 'Filesystem');
    assert.equal(pv?.spec.nfs.server, '52.66.197.168');
  });

  test('kubectl describe prints each object', async () => {
    const d = (await k(['describe', 'deploy', 'shared-volume-deployment'])).stdout;
    assert.match(d, /^Name:\s+shared-volume-deployment$/m);
    assert.match(d, /^Replicas:\s+1 desired \| 1 updated \| 1 total \| 0 available \| 1 unavailable$/m);
    assert.match(d, /^Selector:\s+app=shared-volume-app$/m);
    assert.match(d, /^\s+writer:$/m);
    assert.match(d, /^\s+reader:$/m);
    const pv = (await k(['describe', 'pv', 'nfs-pv'])).stdout;
    assert.match(pv, /^Name:\s+nfs-pv$/m);
    assert.match(pv, /^Reclaim Policy:\s+Retain$/m);
    assert.match(pv, /^Capacity:\s+10Gi$/m);
    assert.match(pv, /^\s+Server:\s+52\.66\.197\.168$/m);
    const pvc = (await k(['describe', 'pvc', 'nfs-pvc'])).stdout;
    assert.match(pvc, /^StorageClass:\s+nfs$/m);
    assert.match(pvc, /^Status:\s+Bound$/m);
    assert.match(pvc, /^Volume:\s+nfs-pv$/m);
    assert.match(pvc, /^VolumeMode:\s+Filesystem$/m);
    assert.match(pvc, /^Used By:\s+mongo-pod$/m);
    const pod = (await k(['describe', 'pod', 'mongo-pod'])).stdout;
    assert.match(pod, /^Status:\s+Pending$/m);
    assert.match(pod, /^\s+ClaimName:\s+nfs-pvc$/m);
    assert.match(pod, /^\s+Port:\s+27017\/TCP$/m);
  });

  test('the second mongo-pod (claim csi-pvc) applies after the first is deleted', async () => {
    assert.match((await k(['delete', '-f', '-'], { input: mongoNfsYaml })).stdout, /^pod "mongo-pod" deleted$/m);
    assert.equal(await getJson(k, ['pod', 'mongo-pod']), undefined);
    assert.match((await k(['apply', '-f', '-'], { input: mongoCsiYaml })).stdout, /^pod\/mongo-pod created$/m);
    const pod = await getJson<{ spec: { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] } }>(k, ['pod', 'mongo-pod']);
    // ServiceAccount admission appends the API credentials volume (random suffix), as upstream's does.
    const volumes = pod?.spec.volumes.map((v) => [v.name.replace(/^kube-api-access-[a-z0-9]{5}$/, 'kube-api-access-*'), v.persistentVolumeClaim?.claimName]);
    assert.deepEqual(volumes, [['mongo-storage', 'csi-pvc'], ['kube-api-access-*', undefined]]);
  });

  test('kubectl delete removes each object', async () => {
    const del = async (y: string, expect: RegExp[]) => {
      const out = (await k(['delete', '-f', '-', '--timeout=30s'], { input: y })).stdout;
      for (const e of expect) assert.match(out, e);
    };
    await del(mongoCsiYaml, [/^pod "mongo-pod" deleted$/m]);
    await del(csiPvcYaml, [/^persistentvolumeclaim "csi-pvc" deleted$/m]);
    await del(pvPvcYaml, [/^persistentvolume "nfs-pv" deleted$/m, /^persistentvolumeclaim "nfs-pvc" deleted$/m]);
    await del(deployYaml, [/^deployment\.apps "shared-volume-deployment" deleted$/m]);
    for (const id of [['pod', 'mongo-pod'], ['pvc', 'csi-pvc'], ['pvc', 'nfs-pvc'], ['pv', 'nfs-pv'], ['deploy', 'shared-volume-deployment']]) {
      assert.equal(await getJson(k, id), undefined, `${id.join('/')} still exists`);
    }
  });
});

const others: KubectlVersion[] = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.33'];
const have = new Set(kubectlVersions());

for (const version of others) {
  describe(`seed manifests with kubectl ${version}`, { skip: !have.has(version) && `kubectl ${version} is not installed` }, () => {
    const ns = `seed-${version.replace('.', '')}`;
    const pvName = `nfs-pv-${version.replace('.', '')}`;
    const pvYaml = pvPvcYaml.replace(/name: nfs-pv$/m, `name: ${pvName}`);
    const kv: Kubectl = (args, opts = {}) => k(args, { ...opts, version });

    test('apply creates, get shows, a second apply is unchanged, delete removes', async () => {
      await create(k, namespaceObj(ns));
      const all = `${deployYaml}---\n${pvYaml}---\n${mongoNfsYaml}---\n${csiPvcYaml}`;
      const applied = (await kv(['apply', '-n', ns, '-f', '-'], { input: all })).stdout;
      assert.match(applied, /^deployment\.apps\/shared-volume-deployment created$/m);
      assert.match(applied, /^pod\/mongo-pod created$/m);
      assert.match(applied, /^persistentvolumeclaim\/csi-pvc created$/m);
      assert.match(applied, new RegExp(`^persistentvolume/${pvName} created$`, 'm'));
      assert.match(applied, /^persistentvolumeclaim\/nfs-pvc created$/m);

      const pv = rowNamed((await kv(['get', 'pv', pvName])).stdout, pvName);
      assert.deepEqual([pv['CAPACITY'], pv['ACCESS MODES'], pv['STORAGECLASS']], ['10Gi', 'RWX', 'nfs']);
      // The claim binds this run's PV (the only Available one with class nfs).
      const pvc = await eventually(async () => {
        const r = rowNamed((await kv(['get', 'pvc', '-n', ns, 'nfs-pvc'])).stdout, 'nfs-pvc');
        return r['STATUS'] === 'Bound' ? r : undefined;
      }, 'nfs-pvc Bound');
      assert.deepEqual([pvc['VOLUME'], pvc['STORAGECLASS']], [pvName, 'nfs']);
      const d = rowNamed((await kv(['get', 'deploy', '-n', ns])).stdout, 'shared-volume-deployment');
      assert.equal(d['READY'], '0/1');

      const pod = rowNamed((await kv(['get', 'pod', '-n', ns, 'mongo-pod'])).stdout, 'mongo-pod');
      assert.deepEqual([pod['READY'], pod['STATUS']], ['0/1', 'Pending']);

      const again = (await kv(['apply', '-n', ns, '-f', '-'], { input: all })).stdout;
      assert.equal(again.match(/ unchanged$/gm)?.length, 4, again);
      // The pod's injected API credentials volume makes kubectl send a (no-op) patch, as upstream.
      assert.match(again, /^pod\/mongo-pod configured$/m);

      const gone = (await kv(['delete', '-n', ns, '-f', '-', '--timeout=30s'], { input: all })).stdout;
      assert.match(gone, new RegExp(`^persistentvolume "${pvName}" deleted$`, 'm'));
      assert.equal(await getJson(k, ['pv', pvName]), undefined);
      assert.equal(await getJson(k, ['pvc', '-n', ns, 'nfs-pvc']), undefined);
    });
  });
}
