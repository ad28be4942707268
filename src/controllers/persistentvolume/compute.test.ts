import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { claimBoundTo, claimStatus, decideClaim, decideVolume, unboundVolume, volumeBoundTo } from './compute';

function pv(name: string, o: { affinity?: string; claimRef?: object; phase?: string; policy?: string; ann?: Record<string, string>; cls?: string } = {}): KObject {
  return {
    metadata: { name, ...(o.ann ? { annotations: o.ann } : {}) },
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: o.cls ?? '', persistentVolumeReclaimPolicy: o.policy ?? 'Retain', ...(o.claimRef ? { claimRef: o.claimRef } : {}), ...(o.affinity ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.affinity] }] }] } } } : {}) },
    status: { phase: o.phase ?? 'Available' },
  };
}
function pvc(o: { volumeName?: string; ann?: Record<string, string>; cls?: string; phase?: string } = {}): KObject {
  return {
    metadata: { name: 'c', namespace: 'ns', uid: 'u1', resourceVersion: '7', ...(o.ann ? { annotations: o.ann } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: o.cls ?? '', ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
    status: { phase: o.phase ?? 'Pending' },
  };
}
const sc = (name: string, provisioner: string, mode = 'Immediate'): KObject => ({ metadata: { name }, provisioner, volumeBindingMode: mode });
const mine = { namespace: 'ns', name: 'c', uid: 'u1' };
const done = { 'pv.kubernetes.io/bind-completed': 'yes' };

const claimCases: { name: string; claim: KObject; volumes: KObject[]; classes?: KObject[]; want: object }[] = [
  { name: 'a fitting volume is bound', claim: pvc(), volumes: [pv('v')], want: { action: 'bind', volume: 'v' } },
  { name: 'no class, no volume: FailedBinding', claim: pvc(), volumes: [], want: { action: 'pending', event: { type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' } } },
  {
    name: 'class with a provisioner: annotate and wait for it', claim: pvc({ cls: 'fast' }), volumes: [], classes: [sc('fast', 'berth.dev/dir')],
    want: { action: 'pending', provisioner: 'berth.dev/dir', event: { type: 'Normal', reason: 'ExternalProvisioning', message: "Waiting for a volume to be created either by the external provisioner 'berth.dev/dir' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered." } },
  },
  { name: 'unknown class', claim: pvc({ cls: 'nope' }), volumes: [], want: { action: 'pending', event: { type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "nope" not found' } } },
  { name: 'WaitForFirstConsumer without a node waits', claim: pvc({ cls: 'late' }), volumes: [pv('v', { cls: 'late' })], classes: [sc('late', 'x', 'WaitForFirstConsumer')], want: { action: 'pending', event: { type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' } } },
  { name: 'WaitForFirstConsumer with a selected node binds', claim: pvc({ cls: 'late', ann: { 'volume.kubernetes.io/selected-node': 'n1' } }), volumes: [pv('v', { cls: 'late' })], classes: [sc('late', 'x', 'WaitForFirstConsumer')], want: { action: 'bind', volume: 'v' } },
  {
    name: 'WaitForFirstConsumer: a volume pinned to another node does not match the selected one', claim: pvc({ cls: 'late', ann: { 'volume.kubernetes.io/selected-node': 'n1' } }),
    volumes: [pv('v', { cls: 'late', affinity: 'n2' })], classes: [sc('late', 'x', 'WaitForFirstConsumer')],
    want: { action: 'pending', provisioner: 'x', event: { type: 'Normal', reason: 'ExternalProvisioning', message: "Waiting for a volume to be created either by the external provisioner 'x' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered." } },
  },
  { name: 'WaitForFirstConsumer: a volume pinned to the selected node binds', claim: pvc({ cls: 'late', ann: { 'volume.kubernetes.io/selected-node': 'n1' } }), volumes: [pv('v', { cls: 'late', affinity: 'n1' })], classes: [sc('late', 'x', 'WaitForFirstConsumer')], want: { action: 'bind', volume: 'v' } },
  { name: 'volumeName: the named free volume', claim: pvc({ volumeName: 'v' }), volumes: [pv('v'), pv('w')], want: { action: 'bind', volume: 'v' } },
  { name: 'volumeName: volume not there yet', claim: pvc({ volumeName: 'v' }), volumes: [], want: { action: 'pending' } },
  { name: 'volumeName: class mismatch', claim: pvc({ volumeName: 'v', cls: 'x' }), volumes: [pv('v')], classes: [sc('x', 'p')], want: { action: 'pending', event: { type: 'Warning', reason: 'VolumeMismatch', message: 'Cannot bind to requested volume "v": storageClassName does not match' } } },
  { name: 'volumeName: bound elsewhere', claim: pvc({ volumeName: 'v' }), volumes: [pv('v', { claimRef: { namespace: 'ns', name: 'other', uid: 'u9' } })], want: { action: 'pending', event: { type: 'Warning', reason: 'FailedBinding', message: 'volume "v" already bound to a different claim.' } } },
  { name: 'bound claim, volume gone: Lost', claim: pvc({ volumeName: 'v', ann: done, phase: 'Bound' }), volumes: [], want: { action: 'lost', event: { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' } } },
  { name: 'bound claim, no volumeName: Lost', claim: pvc({ ann: done, phase: 'Bound' }), volumes: [], want: { action: 'lost', event: { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!' } } },
  { name: 'bound claim, volume points elsewhere: Misbound', claim: pvc({ volumeName: 'v', ann: done }), volumes: [pv('v', { claimRef: { namespace: 'ns', name: 'c', uid: 'u0' } })], want: { action: 'lost', event: { type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' } } },
  { name: 'bound claim, volume lost its claimRef: bind again', claim: pvc({ volumeName: 'v', ann: done }), volumes: [pv('v')], want: { action: 'bind', volume: 'v' } },
];

for (const c of claimCases) {
  test(`decideClaim: ${c.name}`, () => {
    const classes = new Map((c.classes ?? []).map((s) => [s.metadata.name ?? '', s]));
    const d = decideClaim(c.claim, c.volumes, classes);
    assert.deepEqual(d.action === 'bind' ? { action: 'bind', volume: d.volume.metadata.name } : d, c.want);
  });
}

const volumeCases: { name: string; volume: KObject; claim?: KObject; want: object }[] = [
  { name: 'no claimRef: Available', volume: pv('v', { phase: 'Pending' }), want: { action: 'phase', phase: 'Available' } },
  { name: 'pre-bound (no uid): Available', volume: pv('v', { phase: 'Pending', claimRef: { namespace: 'ns', name: 'c' } }), want: { action: 'phase', phase: 'Available' } },
  { name: 'claim gone: Released', volume: pv('v', { phase: 'Bound', claimRef: mine }), want: { action: 'release' } },
  { name: 'claim re-created with another uid: Released', volume: pv('v', { phase: 'Bound', claimRef: { ...mine, uid: 'u0' } }), claim: pvc({ volumeName: 'v' }), want: { action: 'release' } },
  { name: 'Released Retain: kept', volume: pv('v', { phase: 'Released', claimRef: mine }), want: { action: 'none' } },
  { name: 'Released Delete, provisioned: the provisioner deletes', volume: pv('v', { phase: 'Released', claimRef: mine, policy: 'Delete', ann: { 'pv.kubernetes.io/provisioned-by': 'p' } }), want: { action: 'none' } },
  { name: 'Released Delete, static: Failed', volume: pv('v', { phase: 'Released', claimRef: mine, policy: 'Delete' }), want: { action: 'reclaim', fail: 'error getting deleter volume plugin for volume "v": no deletable volume plugin matched', event: { type: 'Warning', reason: 'VolumeFailedDelete', message: '' } } },
  { name: 'Released, unknown policy: Failed', volume: pv('v', { phase: 'Released', claimRef: mine, policy: 'Shred' }), want: { action: 'reclaim', fail: 'Volume has unrecognized PersistentVolumeReclaimPolicy', event: { type: 'Warning', reason: 'VolumeUnknownReclaimPolicy', message: '' } } },
  { name: 'Failed stays Failed', volume: pv('v', { phase: 'Failed', claimRef: mine, policy: 'Delete' }), want: { action: 'none' } },
  { name: 'claim names it: Bound', volume: pv('v', { claimRef: mine }), claim: pvc({ volumeName: 'v' }), want: { action: 'phase', phase: 'Bound' } },
  { name: 'claim not bound yet: the claim sync finishes', volume: pv('v', { claimRef: mine }), claim: pvc(), want: { action: 'none' } },
];

for (const c of volumeCases) {
  test(`decideVolume: ${c.name}`, () => {
    const d = decideVolume(c.volume, c.claim);
    assert.deepEqual(d, c.want);
  });
}

test('decideVolume: a Released Recycle volume is recycled; a Failed one stays Failed', () => {
  assert.deepEqual(decideVolume(pv('v', { phase: 'Released', claimRef: mine, policy: 'Recycle' }), undefined), { action: 'recycle' });
  assert.deepEqual(decideVolume(pv('v', { phase: 'Failed', claimRef: mine, policy: 'Recycle' }), undefined), { action: 'none' });
  assert.deepEqual(decideVolume(pv('v', { phase: 'Bound', claimRef: mine, policy: 'Recycle' }), undefined), { action: 'release' }, 'Released first');
});

test('decideVolume: claim bound elsewhere unbinds a controller binding fully, a user pre-binding only of its uid', () => {
  const other = pvc({ volumeName: 'w' });
  const ctl = decideVolume(pv('v', { claimRef: mine, ann: { 'pv.kubernetes.io/bound-by-controller': 'yes' } }), other);
  assert.equal(ctl.action, 'unbind');
  assert.equal((ctl.action === 'unbind' ? (ctl.volume.spec as { claimRef?: object }) : {}).claimRef, undefined);
  const user = unboundVolume(pv('v', { claimRef: mine }));
  assert.deepEqual((user.spec as { claimRef?: object }).claimRef, { namespace: 'ns', name: 'c' });
});

test('binding writes: claimRef + bound-by-controller on the volume, volumeName + annotations on the claim', () => {
  const v = volumeBoundTo(pv('v'), pvc());
  assert.deepEqual((v?.spec as { claimRef?: object }).claimRef, { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', uid: 'u1', apiVersion: 'v1', resourceVersion: '7' });
  assert.equal(v?.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  // A user's pre-binding gets the uid filled in but no bound-by-controller.
  const pre = volumeBoundTo(pv('v', { claimRef: { namespace: 'ns', name: 'c' } }), pvc());
  assert.equal(pre?.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
  assert.equal(volumeBoundTo(pv('v', { claimRef: mine }), pvc()), undefined, 'already bound: no write');

  const c = claimBoundTo(pvc(), pv('v'));
  assert.deepEqual(c?.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
  assert.equal((c?.spec as { volumeName?: string }).volumeName, 'v');
  assert.deepEqual(claimBoundTo(pvc({ volumeName: 'v' }), pv('v'))?.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes' }, 'user-chosen volume');
  assert.equal(claimBoundTo(pvc({ volumeName: 'v', ann: done }), pv('v')), undefined);
});

test('claimStatus: capacity from the volume only when becoming Bound; Pending clears modes', () => {
  assert.deepEqual(claimStatus(pvc(), 'Bound', pv('v')), { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } });
  const resized = { ...pvc({ phase: 'Bound' }), status: { phase: 'Bound', capacity: { storage: '20Gi' } } };
  assert.deepEqual(claimStatus(resized, 'Bound', pv('v')), { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '20Gi' } });
  assert.deepEqual(claimStatus({ ...pvc(), status: { phase: 'Bound', accessModes: ['ReadWriteOnce'] } }, 'Lost', undefined), { phase: 'Lost' });
});
