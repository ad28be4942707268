import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { findBestMatchForClaim, volumeMismatch } from './match';

interface PVOpts { host?: string; size?: string; modes?: string[]; cls?: string; phase?: string; claimRef?: object; labels?: Record<string, string>; mode?: string; deleting?: boolean; betaClass?: string }
function pv(name: string, o: PVOpts = {}): KObject {
  return {
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}), ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}), ...(o.betaClass !== undefined ? { annotations: { 'volume.beta.kubernetes.io/storage-class': o.betaClass } } : {}) },
    spec: { capacity: { storage: o.size ?? '10Gi' }, accessModes: o.modes ?? ['ReadWriteOnce'], ...(o.cls !== undefined ? { storageClassName: o.cls } : {}), ...(o.claimRef ? { claimRef: o.claimRef } : {}), ...(o.mode ? { volumeMode: o.mode } : {}), ...(o.host ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.host] }] }] } } } : {}) },
    status: { phase: o.phase ?? 'Available' },
  };
}
interface PVCOpts { size?: string; modes?: string[]; cls?: string; selector?: object; mode?: string }
function pvc(o: PVCOpts = {}): KObject {
  return {
    metadata: { name: 'claim', namespace: 'ns', uid: 'uid-1' },
    spec: { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } }, storageClassName: o.cls ?? '', ...(o.selector ? { selector: o.selector } : {}), ...(o.mode ? { volumeMode: o.mode } : {}) },
  };
}

const n1: KObject = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } };
const cases: { name: string; claim: KObject; volumes: KObject[]; want: string | undefined; delay?: boolean; node?: KObject }[] = [
  { name: 'smallest that fits wins', claim: pvc({ size: '5Gi' }), volumes: [pv('a', { size: '20Gi' }), pv('b', { size: '5Gi' }), pv('c', { size: '4Gi' })], want: 'b' },
  { name: 'quantities compare by value, not text', claim: pvc({ size: '1000Mi' }), volumes: [pv('a', { size: '1G' }), pv('b', { size: '1Gi' })], want: 'b' },
  { name: 'nothing big enough', claim: pvc({ size: '50Gi' }), volumes: [pv('a', { size: '20Gi' })], want: undefined },
  { name: 'class "" matches only volumes with no class', claim: pvc({ cls: '' }), volumes: [pv('a', { cls: 'fast' }), pv('b', { size: '100Gi' })], want: 'b' },
  { name: 'class must be equal', claim: pvc({ cls: 'fast' }), volumes: [pv('a'), pv('b', { cls: 'slow' }), pv('c', { cls: 'fast', size: '50Gi' })], want: 'c' },
  { name: 'beta class annotation beats spec', claim: pvc({ cls: 'gold' }), volumes: [pv('a', { cls: 'silver', betaClass: 'gold' })], want: 'a' },
  { name: 'access modes: superset required', claim: pvc({ modes: ['ReadWriteMany'] }), volumes: [pv('a', { modes: ['ReadWriteOnce'] }), pv('b', { modes: ['ReadWriteOnce', 'ReadWriteMany'] })], want: 'b' },
  { name: 'fewest modes first, even over a smaller fit', claim: pvc(), volumes: [pv('wide', { modes: ['ReadWriteOnce', 'ReadOnlyMany'], size: '1Gi' }), pv('narrow', { size: '100Gi' })], want: 'narrow' },
  { name: 'label selector on the volume', claim: pvc({ selector: { matchLabels: { tier: 'db' } } }), volumes: [pv('a', { size: '1Gi' }), pv('b', { labels: { tier: 'db' } })], want: 'b' },
  { name: 'volumeMode defaults to Filesystem', claim: pvc({ mode: 'Block' }), volumes: [pv('a', { size: '1Gi' }), pv('b', { mode: 'Block' })], want: 'b' },
  { name: 'Filesystem claim skips Block volumes', claim: pvc(), volumes: [pv('a', { mode: 'Block' })], want: undefined },
  { name: 'pre-bound to this claim wins over a smaller fit', claim: pvc(), volumes: [pv('small', { size: '1Gi' }), pv('pre', { size: '9Gi', claimRef: { namespace: 'ns', name: 'claim' } })], want: 'pre' },
  { name: 'pre-bound with the matching uid', claim: pvc(), volumes: [pv('pre', { claimRef: { namespace: 'ns', name: 'claim', uid: 'uid-1' }, phase: 'Bound' })], want: 'pre' },
  { name: 'pre-bound ignores class and phase', claim: pvc({ cls: 'x' }), volumes: [pv('pre', { cls: 'y', phase: 'Pending', claimRef: { namespace: 'ns', name: 'claim' } })], want: 'pre' },
  { name: 'claimRef with another uid is skipped', claim: pvc(), volumes: [pv('old', { claimRef: { namespace: 'ns', name: 'claim', uid: 'uid-0' } })], want: undefined },
  { name: 'pre-bound to another claim is skipped', claim: pvc(), volumes: [pv('other', { claimRef: { namespace: 'ns', name: 'other' } }), pv('free', { size: '50Gi' })], want: 'free' },
  { name: 'pre-bound still needs the size', claim: pvc({ size: '20Gi' }), volumes: [pv('pre', { claimRef: { namespace: 'ns', name: 'claim' } })], want: undefined },
  { name: 'volumes not Available are skipped', claim: pvc(), volumes: [pv('rel', { phase: 'Released' }), pv('pend', { phase: 'Pending' })], want: undefined },
  { name: 'volumes being deleted are skipped', claim: pvc(), volumes: [pv('gone', { deleting: true })], want: undefined },
  { name: 'delayed binding: only pre-bound volumes', claim: pvc(), volumes: [pv('free')], want: undefined, delay: true },
  { name: 'delayed binding: pre-bound still binds', claim: pvc(), volumes: [pv('pre', { claimRef: { namespace: 'ns', name: 'claim' } })], want: 'pre', delay: true },
  { name: 'with a node: volumes of other nodes are skipped', claim: pvc(), volumes: [pv('n2', { host: 'n2', size: '1Gi' }), pv('here', { host: 'n1' })], want: 'here', node: n1 },
  { name: 'with a node: a volume with no affinity fits any node', claim: pvc(), volumes: [pv('any')], want: 'any', node: n1 },
  { name: 'delayed binding with a node chosen: free volumes match', claim: pvc(), volumes: [pv('here', { host: 'n1' })], want: 'here', delay: true, node: n1 },
  { name: 'pre-bound to this claim but on another node: no match', claim: pvc(), volumes: [pv('pre', { host: 'n2', claimRef: { namespace: 'ns', name: 'claim' } }), pv('free')], want: undefined, node: n1 },
];

for (const c of cases) {
  test(`findBestMatchForClaim: ${c.name}`, () => {
    assert.equal(findBestMatchForClaim(c.claim, c.volumes, { delayBinding: c.delay ?? false, ...(c.node ? { node: c.node } : {}) })?.metadata.name, c.want);
  });
}

test('volumeMismatch names the first reason a requested volume does not fit', () => {
  assert.equal(volumeMismatch(pvc({ size: '20Gi' }), pv('a')), 'requested PV is too small');
  assert.equal(volumeMismatch(pvc({ cls: 'x' }), pv('a')), 'storageClassName does not match');
  assert.equal(volumeMismatch(pvc({ mode: 'Block' }), pv('a')), 'incompatible volumeMode');
  assert.equal(volumeMismatch(pvc({ modes: ['ReadWriteMany'] }), pv('a')), 'incompatible accessMode');
  assert.equal(volumeMismatch(pvc(), pv('a')), undefined);
});
