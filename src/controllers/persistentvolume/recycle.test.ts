import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { ANN_RECYCLE_OF, type RecycleInput, decideRecycle, failureOf, podsUsingVolume, recyclerPod, recyclerSource, recyclerTimeout } from './recycle';

const claimRef = { namespace: 'ns', name: 'c', uid: 'u1' };
function pv(o: { source?: object; size?: string; affinity?: string } = {}): KObject {
  return {
    metadata: { name: 'v', uid: 'pv1' },
    spec: {
      capacity: { storage: o.size ?? '1Gi' },
      persistentVolumeReclaimPolicy: 'Recycle',
      claimRef,
      ...(o.source ?? { hostPath: { path: '/srv/v' } }),
      ...(o.affinity ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.affinity] }] }] } } } : {}),
    },
    status: { phase: 'Released' },
  };
}
function pod(name: string, o: { ns?: string; claim?: string; phase?: string; deleting?: boolean; running?: boolean } = {}): KObject {
  return {
    metadata: { name, namespace: o.ns ?? 'ns', ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { volumes: o.claim ? [{ name: 'd', persistentVolumeClaim: { claimName: o.claim } }] : [] },
    status: { phase: o.phase ?? 'Running', ...(o.running !== undefined ? { containerStatuses: [{ name: 'c', state: o.running ? { running: {} } : { terminated: { exitCode: 0 } } }] } : {}) },
  };
}
const now = new Date('2026-01-01T00:10:00Z');
function recycler(o: { phase?: string; status?: object; of?: string; created?: string; deleting?: boolean } = {}): KObject {
  return {
    metadata: { name: 'recycler-for-v', namespace: 'default', uid: 'r1', creationTimestamp: o.created ?? '2026-01-01T00:09:30Z', annotations: { [ANN_RECYCLE_OF]: o.of ?? 'pv1/u1' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:09:59Z' } : {}) },
    spec: { activeDeadlineSeconds: 60 },
    status: { phase: o.phase ?? 'Pending', ...(o.status ?? {}) },
  };
}
// ownUid r1: the recycler pods below are the ones this process created, unless a case says otherwise.
const input = (o: Partial<RecycleInput> = {}): RecycleInput => ({ pods: [], claimCached: false, recycler: undefined, nodes: [], now, ownUid: 'r1', ...o });
const node = (name: string): KObject => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } } });

const cases: { name: string; pv?: KObject; input: RecycleInput; want: object }[] = [
  { name: 'a csi source has no recycler: Failed', pv: pv({ source: { csi: { driver: 'd', volumeHandle: 'h' } } }), input: input(), want: { action: 'fail', event: { type: 'Warning', reason: 'VolumeFailedRecycle', message: 'No recycler plugin found for the volume!' } } },
  { name: 'a running pod of the claim: wait, with upstream\'s Normal event', input: input({ pods: [pod('b', { claim: 'c' }), pod('a', { claim: 'c' }), pod('x', { claim: 'other' })] }), want: { action: 'wait', event: { type: 'Normal', reason: 'VolumeFailedRecycle', message: 'Volume is used by pods: ns/a,ns/b' } } },
  { name: 'pods of a new claim of the same name do not count', input: input({ pods: [pod('a', { claim: 'c' })], claimCached: true }), want: { action: 'create' } },
  { name: 'finished pods do not count', input: input({ pods: [pod('a', { claim: 'c', phase: 'Succeeded' }), pod('b', { claim: 'c', phase: 'Failed' })] }), want: { action: 'create' } },
  { name: 'a pod being deleted with no container running does not count', input: input({ pods: [pod('a', { claim: 'c', deleting: true, running: false })] }), want: { action: 'create' } },
  { name: 'a pod being deleted with a container running counts', input: input({ pods: [pod('a', { claim: 'c', deleting: true, running: true })] }), want: { action: 'wait', event: { type: 'Normal', reason: 'VolumeFailedRecycle', message: 'Volume is used by pods: ns/a' } } },
  { name: 'a pod of the claim name in another namespace does not count', input: input({ pods: [pod('a', { claim: 'c', ns: 'other' })] }), want: { action: 'create' } },
  { name: 'node affinity and no fitting node: wait with a warning', pv: pv({ affinity: 'n1' }), input: input({ nodes: [node('n2')] }), want: { action: 'wait', event: { type: 'Warning', reason: 'VolumeFailedRecycle', message: 'Cannot recycle volume "v": no node matches its node affinity; add the node or fix spec.nodeAffinity' } } },
  { name: 'recycler pending: wait until its deadline', input: input({ recycler: recycler() }), want: { action: 'wait', retryAfterMs: 30_000 } },
  { name: 'recycler started: the deadline counts from startTime', input: input({ recycler: recycler({ phase: 'Running', status: { startTime: '2026-01-01T00:09:50Z' } }) }), want: { action: 'wait', retryAfterMs: 50_000 } },
  { name: 'recycler past its deadline: failed', input: input({ recycler: recycler({ created: '2026-01-01T00:08:00Z' }) }), want: { action: 'failed', event: { type: 'Warning', reason: 'VolumeFailedRecycle', message: 'Recycle failed: failed to recycle volume: Pod was active on the node longer than the specified deadline' } } },
  { name: 'recycler being deleted: wait for it', input: input({ recycler: recycler({ deleting: true, phase: 'Running' }) }), want: { action: 'wait' } },
  { name: 'recycler Succeeded: recycled', input: input({ recycler: recycler({ phase: 'Succeeded' }) }), want: { action: 'recycled', event: { type: 'Normal', reason: 'VolumeRecycled', message: 'Volume recycled' } } },
  { name: 'recycler Succeeded while being deleted: still recycled', input: input({ recycler: recycler({ phase: 'Succeeded', deleting: true }) }), want: { action: 'recycled', event: { type: 'Normal', reason: 'VolumeRecycled', message: 'Volume recycled' } } },
  { name: 'recycler Failed: failed with its message', input: input({ recycler: recycler({ phase: 'Failed', status: { message: 'disk on fire' } }) }), want: { action: 'failed', event: { type: 'Warning', reason: 'VolumeFailedRecycle', message: 'Recycle failed: failed to recycle volume: disk on fire' } } },
  { name: 'a recycler of an earlier release is replaced', input: input({ recycler: recycler({ phase: 'Succeeded', of: 'pv1/u0' }) }), want: { action: 'replace' } },
  { name: 'a Succeeded recycler this process did not create (forged, or of an earlier process) is replaced, not trusted', input: input({ recycler: recycler({ phase: 'Succeeded' }), ownUid: undefined }), want: { action: 'replace' } },
  { name: 'a recycler with another uid is replaced', input: input({ recycler: recycler({ phase: 'Succeeded' }), ownUid: 'r0' }), want: { action: 'replace' } },
  { name: 'a recycler pod nobody marked is replaced', input: input({ recycler: { ...recycler(), metadata: { name: 'recycler-for-v', namespace: 'default' } } }), want: { action: 'replace' } },
  { name: 'the recycler is checked before pods: its run is under way', input: input({ recycler: recycler({ phase: 'Running', status: { startTime: '2026-01-01T00:09:50Z' } }), pods: [pod('a', { claim: 'c' })] }), want: { action: 'wait', retryAfterMs: 50_000 } },
];

for (const c of cases) {
  test(`decideRecycle: ${c.name}`, () => {
    const d = decideRecycle(c.pv ?? pv(), c.input);
    const { pod: _p, ...rest } = d as { pod?: KObject };
    assert.deepEqual(rest, c.want);
  });
}

test('the recycler pod: upstream template with the hostPath source, pinned to the node of the affinity', () => {
  const d = decideRecycle(pv({ affinity: 'n1', source: { hostPath: { path: '/srv/v', type: 'DirectoryOrCreate' } } }), input({ nodes: [node('n2'), node('n1')] }));
  assert.equal(d.action, 'create');
  const p = d.action === 'create' ? d.pod : undefined;
  assert.deepEqual(p, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'recycler-for-v', namespace: 'default', annotations: { 'berth.dev/recycle-of': 'pv1/u1' }, ownerReferences: [{ apiVersion: 'v1', kind: 'PersistentVolume', name: 'v', uid: 'pv1' }] },
    spec: {
      activeDeadlineSeconds: 60,
      restartPolicy: 'Never',
      nodeName: 'n1',
      volumes: [{ name: 'vol', hostPath: { path: '/srv/v', type: 'DirectoryOrCreate' } }],
      containers: [{ name: 'pv-recycler', image: 'busybox', command: ['/bin/sh'], args: ['-c', 'test -e /scrub && rm -rf /scrub/..?* /scrub/.[!.]* /scrub/* && test -z "$(ls -A /scrub)" || exit 1'], volumeMounts: [{ name: 'vol', mountPath: '/scrub' }] }],
    },
  });
});

test('the recycler pod: nfs source, not pinned without node affinity', () => {
  const p = recyclerPod(pv(), { nfs: { server: 'srv', path: '/x', readOnly: false } }, undefined);
  assert.equal((p.spec as { nodeName?: string }).nodeName, undefined);
  const nfs = decideRecycle(pv({ source: { nfs: { server: 'srv', path: '/x' } } }), input());
  assert.deepEqual(nfs.action === 'create' ? (nfs.pod.spec as { volumes?: unknown }).volumes : undefined, [{ name: 'vol', nfs: { server: 'srv', path: '/x', readOnly: false } }]);
});

test('recyclerTimeout: upstream CalculateTimeoutForVolume with the controller-manager defaults', () => {
  assert.equal(recyclerTimeout(pv({ size: '1Gi' })), 60, 'hostPath minimum');
  assert.equal(recyclerTimeout(pv({ size: '10Gi' })), 300, '30 s per whole Gi');
  assert.equal(recyclerTimeout(pv({ size: '2500Mi' })), 60, 'whole Gi only: 2 × 30');
  assert.equal(recyclerTimeout(pv({ size: '5Gi', source: { nfs: { server: 's', path: '/p' } } })), 300, 'nfs minimum');
  assert.equal(recyclerTimeout(pv({ size: '20Gi', source: { nfs: { server: 's', path: '/p' } } })), 600);
});

test('failureOf: the pod message, else the container exit, else upstream\'s unknown', () => {
  assert.equal(failureOf(recycler({ phase: 'Failed', status: { message: 'm' } })), 'm');
  assert.equal(failureOf(recycler({ phase: 'Failed', status: { containerStatuses: [{ name: 'pv-recycler', state: { terminated: { exitCode: 1, reason: 'Error' } } }] } })), 'container pv-recycler exited with code 1 (Error)');
  assert.equal(failureOf(recycler({ phase: 'Failed' })), 'pod failed, pod.Status.Message unknown.');
});

test('podsUsingVolume: ephemeral volumes name their claim "<pod>-<volume>"', () => {
  const eph: KObject = { metadata: { name: 'p', namespace: 'ns' }, spec: { volumes: [{ name: 'c', ephemeral: {} }] }, status: { phase: 'Running' } };
  const v = { ...pv(), spec: { ...(pv().spec as object), claimRef: { namespace: 'ns', name: 'p-c', uid: 'u' } } };
  assert.deepEqual(podsUsingVolume(v, [eph]), ['ns/p']);
});

test('recyclerSource: never the host root, however the stored path is written', () => {
  for (const path of ['/', '/.', '//', '/a/..', '/./']) assert.equal(recyclerSource({ metadata: { name: 'r' }, spec: { hostPath: { path } } }), undefined, path);
  assert.deepEqual(recyclerSource({ metadata: { name: 'r' }, spec: { hostPath: { path: '/srv/data' } } }), { hostPath: { path: '/srv/data' } });
});
