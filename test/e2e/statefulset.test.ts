// A StatefulSet with a volumeClaimTemplate through the real kubectl against `berth server` (no
// node: the test marks pods Running/Ready through pods/status): ordered creation, per-ordinal
// claims bound to hostPath volumes, scale down keeping the claim (Retain), rollout status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Berth, httpsJson, startBerth } from './harness';
import { create, eventually, getJson, type Kubectl, kubectlFor, namespaceObj, rowNamed } from './util';

const ns = 'sts-e2e';
let b: Berth;
let k: Kubectl;

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
});
after(() => b?.destroy());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function markReady(pod: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cond = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
  const r = await httpsJson(b, 'PATCH', `/api/v1/namespaces/${ns}/pods/${pod}/status`, {
    status: { phase: 'Running', startTime: now, conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(cond) },
  }, { headers: { 'content-type': 'application/merge-patch+json' } });
  assert.equal(r.status, 200, r.text);
}

const podNames = async () => (await k(['get', 'pods', '-n', ns, '-o', 'name'])).stdout.split('\n').filter(Boolean).sort();

const manifest = `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: ${ns}
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: busybox
        volumeMounts:
        - {name: data, mountPath: /data}
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: sts-e2e
      resources:
        requests: {storage: 1Gi}
`;

test('apply → db-0, then db-1 once db-0 is Ready; claims bound; scale keeps data-db-1; rollout status', async () => {
  for (const i of [0, 1]) {
    await create(k, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `sts-e2e-pv${i}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'sts-e2e', hostPath: { path: `${b.dataDir}/pv${i}` } } });
  }
  await k(['apply', '-f', '-'], { input: manifest });
  await eventually(async () => (await podNames()).join() === 'pod/db-0' || undefined, 'db-0 created');
  await sleep(500);
  assert.deepEqual(await podNames(), ['pod/db-0'], 'db-1 waits for db-0 to be ready');
  const pod = await getJson<{ spec: { hostname?: string; subdomain?: string; volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] }; metadata: { labels?: Record<string, string> } }>(k, ['pod', '-n', ns, 'db-0']);
  assert.equal(pod?.spec.hostname, 'db-0');
  assert.equal(pod?.spec.subdomain, 'db');
  assert.equal(pod?.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-db-0');
  assert.equal(pod?.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-0');

  await markReady('db-0');
  await eventually(async () => (await podNames()).join() === 'pod/db-0,pod/db-1' || undefined, 'db-1 created');
  await markReady('db-1');
  for (const c of ['data-db-0', 'data-db-1']) {
    await eventually(async () => rowNamed((await k(['get', 'pvc', '-n', ns])).stdout, c)['STATUS'] === 'Bound' || undefined, `${c} Bound`);
  }
  const sts = await eventually(async () => {
    const r = rowNamed((await k(['get', 'sts', '-n', ns])).stdout, 'db');
    return r['READY'] === '2/2' ? r : undefined;
  }, 'db 2/2');
  assert.equal(sts['READY'], '2/2');
  const described = (await k(['describe', 'sts', '-n', ns, 'db'])).stdout;
  assert.match(described, /SuccessfulCreate\s+.*create Claim data-db-0 Pod db-0 in StatefulSet db success/);
  assert.match(described, /SuccessfulCreate\s+.*create Pod db-1 in StatefulSet db successful/);

  const rollout = await k(['rollout', 'status', 'sts/db', '-n', ns, '--timeout=60s']);
  assert.match(rollout.stdout, /partitioned roll out complete|roll out complete/);

  await k(['scale', 'sts', 'db', '-n', ns, '--replicas=1']);
  await eventually(async () => (await podNames()).join() === 'pod/db-0' || undefined, 'db-1 removed');
  const claims = (await k(['get', 'pvc', '-n', ns, '-o', 'name'])).stdout.split('\n').filter(Boolean).sort();
  assert.deepEqual(claims, ['persistentvolumeclaim/data-db-0', 'persistentvolumeclaim/data-db-1']);
  await eventually(async () => rowNamed((await k(['get', 'sts', '-n', ns])).stdout, 'db')['READY'] === '1/1' || undefined, 'db 1/1');
  await k(['rollout', 'status', 'sts/db', '-n', ns, '--timeout=60s']);
  // History is kept in ControllerRevisions, as upstream: kubectl reads it from them.
  const revs = rowNamed((await k(['get', 'controllerrevisions', '-n', ns])).stdout, String(pod?.metadata.labels?.['controller-revision-hash']));
  assert.equal(revs['CONTROLLER'], 'statefulset.apps/db');
  assert.equal(revs['REVISION'], '1');
  assert.match((await k(['rollout', 'history', 'sts/db', '-n', ns])).stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>/);
});
