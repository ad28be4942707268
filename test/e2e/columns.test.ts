// `kubectl get` tables: header lines and cells as kube-apiserver v1.32 prints them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { create, eventually, headerLine, type Kubectl, kubectlFor, namespaceObj, rowNamed } from './util';

let b: Berth;
let k: Kubectl;
const ns = 'cols';
const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const labels = { app: 'web' };
const podTemplate = { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } };
const objects = [
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nfs', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/nfs' },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'example.com/ssd', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true },
  { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'cols-pv' }, spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadOnlyMany'], storageClassName: 'nfs', nfs: { path: '/exports', server: '10.0.0.1' } } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'nfs-pvc', namespace: ns }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'nfs' } },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: ns }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 2, selector: { matchLabels: labels }, template: podTemplate } },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-rs', namespace: ns }, spec: { replicas: 3, selector: { matchLabels: labels }, template: podTemplate } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: ns }, spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: labels }, template: podTemplate } },
  { apiVersion: 'v1', kind: 'Event', metadata: { name: 'ev1', namespace: ns }, involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'p1', namespace: ns }, reason: 'Tested', message: 'hello world', type: 'Normal', source: { component: 'e2e' }, firstTimestamp: now, lastTimestamp: now, count: 1 },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: ns }, data: { a: '1', b: '2' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: ns }, type: 'Opaque', data: { x: Buffer.from('y').toString('base64') } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: labels, ports: [{ port: 80 }] } },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1', namespace: ns }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } },
];

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
  await k(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
});
after(() => b?.destroy());

const get = async (res: string, wide = false) => (await k(['get', res, '-n', ns, ...(wide ? ['-o', 'wide'] : [])])).stdout;
const age = /^\d+s$|^\d+m\d*s?$/;

describe('headers match kube-apiserver v1.32', () => {
  const cases: [string, string, string][] = [
    ['pv', 'NAME | CAPACITY | ACCESS MODES | RECLAIM POLICY | STATUS | CLAIM | STORAGECLASS | VOLUMEATTRIBUTESCLASS | REASON | AGE', ' | VOLUMEMODE'],
    ['pvc', 'NAME | STATUS | VOLUME | CAPACITY | ACCESS MODES | STORAGECLASS | VOLUMEATTRIBUTESCLASS | AGE', ' | VOLUMEMODE'],
    ['sc', 'NAME | PROVISIONER | RECLAIMPOLICY | VOLUMEBINDINGMODE | ALLOWVOLUMEEXPANSION | AGE', ''],
    ['hpa', 'NAME | REFERENCE | TARGETS | MINPODS | MAXPODS | REPLICAS | AGE', ''],
    ['pods', 'NAME | READY | STATUS | RESTARTS | AGE', ' | IP | NODE | NOMINATED NODE | READINESS GATES'],
    ['deploy', 'NAME | READY | UP-TO-DATE | AVAILABLE | AGE', ' | CONTAINERS | IMAGES | SELECTOR'],
    ['rs', 'NAME | DESIRED | CURRENT | READY | AGE', ' | CONTAINERS | IMAGES | SELECTOR'],
    ['sts', 'NAME | READY | AGE', ' | CONTAINERS | IMAGES'],
    ['cm', 'NAME | DATA | AGE', ''],
    ['secrets', 'NAME | TYPE | DATA | AGE', ''],
    ['svc', 'NAME | TYPE | CLUSTER-IP | EXTERNAL-IP | PORT(S) | AGE', ' | SELECTOR'],
    ['sa', 'NAME | SECRETS | AGE', ''],
    ['ns', 'NAME | STATUS | AGE', ''],
    ['leases', 'NAME | HOLDER | AGE', ''],
  ];
  for (const [res, normal, wideExtra] of cases) {
    test(`${res} and ${res} -o wide`, async () => {
      assert.equal(headerLine(await get(res)), normal);
      assert.equal(headerLine(await get(res, true)), normal + wideExtra);
    });
  }

  test('events and events -o wide', async () => {
    assert.equal(headerLine(await get('events')), 'LAST SEEN | TYPE | REASON | OBJECT | MESSAGE');
    assert.equal(headerLine(await get('events', true)), 'LAST SEEN | TYPE | REASON | OBJECT | SUBOBJECT | SOURCE | MESSAGE | FIRST SEEN | COUNT | NAME');
  });

  test('nodes: "No resources found" while there are none, then the node columns', async () => {
    const empty = await k(['get', 'nodes']);
    assert.equal(empty.stdout, '');
    assert.match(empty.stderr, /^No resources found$/m);
    await k(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }) });
    const out = (await k(['get', 'nodes'])).stdout;
    assert.equal(headerLine(out), 'NAME | STATUS | ROLES | AGE | VERSION');
    const wide = (await k(['get', 'nodes', '-o', 'wide'])).stdout;
    assert.equal(headerLine(wide), 'NAME | STATUS | ROLES | AGE | VERSION | INTERNAL-IP | EXTERNAL-IP | OS-IMAGE | KERNEL-VERSION | CONTAINER-RUNTIME');
    const n = rowNamed(wide, 'n1');
    assert.deepEqual([n['STATUS'], n['ROLES'], n['INTERNAL-IP'], n['OS-IMAGE']], ['Unknown', '<none>', '<none>', '<unknown>']);
    await k(['delete', 'node', 'n1']);
  });
});

describe('cells', () => {
  // The PV controller binds nfs-pvc to cols-pv (same class, RWX within ROX+RWX, 10Gi fits), as upstream.
  test('pvc: Bound to its volume, capacity and modes from it; <unset> attributes class', async () => {
    const r = await eventually(async () => {
      const row = rowNamed(await get('pvc', true), 'nfs-pvc');
      return row['STATUS'] === 'Bound' ? row : undefined;
    }, 'nfs-pvc Bound');
    assert.deepEqual(
      [r['STATUS'], r['VOLUME'], r['CAPACITY'], r['ACCESS MODES'], r['STORAGECLASS'], r['VOLUMEATTRIBUTESCLASS'], r['VOLUMEMODE']],
      ['Bound', 'cols-pv', '10Gi', 'ROX,RWX', 'nfs', '<unset>', 'Filesystem'],
    );
    assert.match(r['AGE'] ?? '', age);
  });

  test('pv: capacity, modes in upstream order (ROX before RWX), default Retain, claim as namespace/name', async () => {
    const r = await eventually(async () => {
      const row = rowNamed(await get('pv', true), 'cols-pv');
      return row['STATUS'] === 'Bound' ? row : undefined;
    }, 'cols-pv Bound');
    assert.deepEqual(
      [r['CAPACITY'], r['ACCESS MODES'], r['RECLAIM POLICY'], r['STATUS'], r['CLAIM'], r['STORAGECLASS'], r['VOLUMEATTRIBUTESCLASS'], r['REASON'], r['VOLUMEMODE']],
      ['10Gi', 'ROX,RWX', 'Retain', 'Bound', `${ns}/nfs-pvc`, 'nfs', '<unset>', '', 'Filesystem'],
    );
  });

  test('storageclass: "(default)" suffix and defaulted policies', async () => {
    const out = await get('sc');
    const d = rowNamed(out, 'nfs (default)');
    assert.deepEqual([d['PROVISIONER'], d['RECLAIMPOLICY'], d['VOLUMEBINDINGMODE'], d['ALLOWVOLUMEEXPANSION']], ['example.com/nfs', 'Delete', 'Immediate', 'false']);
    const f = rowNamed(out, 'fast');
    assert.deepEqual([f['RECLAIMPOLICY'], f['VOLUMEBINDINGMODE'], f['ALLOWVOLUMEEXPANSION']], ['Retain', 'WaitForFirstConsumer', 'true']);
    // Berth's own default class from bootstrap: kubectl marks every class annotated default.
    const l = rowNamed(out, 'local-dir (default)');
    assert.deepEqual([l['PROVISIONER'], l['RECLAIMPOLICY'], l['VOLUMEBINDINGMODE'], l['ALLOWVOLUMEEXPANSION']], ['local-dir.csi.berth.dev', 'Delete', 'Immediate', 'true']);
    const b = rowNamed(out, 'block');
    assert.deepEqual([b['PROVISIONER'], b['RECLAIMPOLICY'], b['VOLUMEBINDINGMODE'], b['ALLOWVOLUMEEXPANSION']], ['block.csi.berth.dev', 'Delete', 'Immediate', 'true']);
  });

  test('hpa: reference, targets with <unknown> current, bounds', async () => {
    const r = rowNamed(await get('hpa'), 'web');
    assert.deepEqual([r['REFERENCE'], r['TARGETS'], r['MINPODS'], r['MAXPODS'], r['REPLICAS']], ['Deployment/web', 'cpu: <unknown>/80%', '1', '5', '0']);
  });

  test('pod: Pending, 0/1 ready, <none> for ip/node/gates', async () => {
    const r = rowNamed(await get('pods', true), 'p1');
    assert.deepEqual(
      [r['READY'], r['STATUS'], r['RESTARTS'], r['IP'], r['NODE'], r['NOMINATED NODE'], r['READINESS GATES']],
      ['0/1', 'Pending', '0', '<none>', '<none>', '<none>', '<none>'],
    );
  });

  test('deploy, rs, sts: counts from spec and (empty) status, containers, images, selector', async () => {
    // The controllers have made the ReplicaSets and pods (no node runs them: none is ready).
    const d = await eventually(async () => {
      const r = rowNamed(await get('deploy', true), 'web');
      return r['UP-TO-DATE'] === '2' ? r : undefined;
    }, 'deployment web up to date');
    assert.deepEqual([d['READY'], d['UP-TO-DATE'], d['AVAILABLE'], d['CONTAINERS'], d['IMAGES'], d['SELECTOR']], ['0/2', '2', '0', 'nginx', 'nginx:1.25', 'app=web']);
    const rs = await eventually(async () => {
      const r = rowNamed(await get('rs', true), 'web-rs');
      return r['CURRENT'] === '3' ? r : undefined;
    }, 'replicaset web-rs current');
    assert.deepEqual([rs['DESIRED'], rs['CURRENT'], rs['READY'], rs['SELECTOR']], ['3', '3', '0', 'app=web']);
    const s = rowNamed(await get('sts', true), 'db');
    assert.deepEqual([s['READY'], s['CONTAINERS'], s['IMAGES']], ['0/1', 'nginx', 'nginx:1.25']);
  });

  test('event: object kind/name, source, message, count', async () => {
    const r = rowNamed(await get('events', true), 'ev1');
    assert.deepEqual(
      [r['TYPE'], r['REASON'], r['OBJECT'], r['SUBOBJECT'], r['SOURCE'], r['MESSAGE'], r['COUNT']],
      ['Normal', 'Tested', 'pod/p1', '', 'e2e', 'hello world', '1'],
    );
    assert.match(r['LAST SEEN'] ?? '', age);
  });

  test('configmap, secret, serviceaccount, namespace, lease', async () => {
    assert.equal(rowNamed(await get('cm'), 'c1')['DATA'], '2');
    const s = rowNamed(await get('secrets'), 's1');
    assert.deepEqual([s['TYPE'], s['DATA']], ['Opaque', '1']);
    assert.equal(rowNamed(await get('sa'), 'default')['SECRETS'], '0');
    assert.equal(rowNamed(await get('ns'), ns)['STATUS'], 'Active');
    assert.equal(rowNamed(await get('leases'), 'l1')['HOLDER'], 'me');
  });
});

describe('services', () => {
  test('service: type, ports, selector, and an allocated cluster IP', async () => {
    const svc = rowNamed(await get('svc', true), 'web');
    assert.deepEqual([svc['TYPE'], svc['EXTERNAL-IP'], svc['PORT(S)'], svc['SELECTOR']], ['ClusterIP', '<none>', '80/TCP', 'app=web']);
    assert.match(svc['CLUSTER-IP'] ?? '', /^\d+\.\d+\.\d+\.\d+$/, 'a ClusterIP service gets an IP allocated');
  });
});

describe('many resource types at once', () => {
  test('kubectl get pv,pvc,sc,hpa,pods,deploy,rs,sts,nodes,events,cm,secrets', async () => {
    const r = await k(['get', 'pv,pvc,sc,hpa,pods,deploy,rs,sts,nodes,events,cm,secrets', '-n', ns]);
    for (const name of [
      'persistentvolume/cols-pv',
      'persistentvolumeclaim/nfs-pvc',
      'storageclass.storage.k8s.io/nfs (default)',
      'horizontalpodautoscaler.autoscaling/web',
      'pod/p1',
      'deployment.apps/web',
      'replicaset.apps/web-rs',
      'statefulset.apps/db',
      'configmap/c1',
      'secret/s1',
    ]) {
      assert.match(r.stdout, new RegExp(`^${name.replace(/[.()]/g, '\\$&')}\\s`, 'm'), `${name} missing from:\n${r.stdout}`);
    }
    assert.match(r.stdout, /\spod\/p1\s+hello world$/m, 'the events table is printed too');
    assert.doesNotMatch(r.stderr, /error/i);
  });
});
