import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { PVC_PROTECTION, claimsOfPod, podUsesClaim, volumeInUse, withoutFinalizer } from './compute';

const pod = (phase: string, volumes: object[]): KObject => ({ metadata: { name: 'p' }, spec: { volumes }, status: { phase } });

const useCases: { name: string; pod: KObject; want: boolean }[] = [
  { name: 'a running pod naming the claim', pod: pod('Running', [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }]), want: true },
  { name: 'a pending pod naming the claim', pod: pod('Pending', [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }]), want: true },
  { name: 'a succeeded pod', pod: pod('Succeeded', [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }]), want: false },
  { name: 'a failed pod', pod: pod('Failed', [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }]), want: false },
  { name: 'another claim', pod: pod('Running', [{ name: 'd', persistentVolumeClaim: { claimName: 'other' } }]), want: false },
  { name: 'no volumes', pod: pod('Running', []), want: false },
];
for (const c of useCases) test(`podUsesClaim: ${c.name}`, () => assert.equal(podUsesClaim(c.pod, 'c'), c.want));

test('claimsOfPod: an ephemeral volume names "<pod>-<volume>"', () => {
  assert.deepEqual(claimsOfPod(pod('Running', [{ name: 'scratch', ephemeral: {} }, { name: 'e', emptyDir: {} }])), ['p-scratch']);
});

const del = (fins: string[], deleting = true): KObject => ({ metadata: { name: 'c', finalizers: fins, ...(deleting ? { deletionTimestamp: 't' } : {}) } });
test('withoutFinalizer: only once deleting and unused; other finalizers stay', () => {
  assert.deepEqual(withoutFinalizer(del(['a', PVC_PROTECTION]), PVC_PROTECTION, false), ['a']);
  assert.equal(withoutFinalizer(del([PVC_PROTECTION]), PVC_PROTECTION, true), undefined);
  assert.equal(withoutFinalizer(del([PVC_PROTECTION], false), PVC_PROTECTION, false), undefined);
  assert.equal(withoutFinalizer(del(['a']), PVC_PROTECTION, false), undefined);
});

test('volumeInUse: Bound only', () => {
  assert.equal(volumeInUse({ metadata: {}, status: { phase: 'Bound' } }), true);
  assert.equal(volumeInUse({ metadata: {}, status: { phase: 'Released' } }), false);
});
