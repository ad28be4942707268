import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../machinery/types';
import { csiAccessMode, nodeAffinityAdmits, planClaimMount } from './pvc-source';

const claim = (over: Partial<{ phase: string; volumeName: string; uid: string; deleting: boolean }> = {}): KObject => ({
  metadata: { name: 'c', namespace: 'ns', uid: over.uid ?? 'u1', ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { volumeName: over.volumeName ?? 'pv1' },
  status: { phase: over.phase ?? 'Bound' },
});
const affinity = (op: string, values: string[], key = 'kubernetes.io/hostname') => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: op, values }] }] } });
const pv = (spec: Record<string, unknown>): KObject => ({ metadata: { name: 'pv1' }, spec: { claimRef: { uid: 'u1' }, accessModes: ['ReadWriteOnce'], ...spec } });

test('planClaimMount: table', () => {
  const hp = { hostPath: { path: '/srv/a', type: 'DirectoryOrCreate' } };
  const cases: [string, KObject | undefined, KObject | undefined, boolean, string | undefined, RegExp | Record<string, unknown>][] = [
    ['missing claim', undefined, undefined, false, 'n1', /persistentvolumeclaim "c" not found/],
    ['pending claim', claim({ phase: 'Pending', volumeName: '' }), undefined, false, 'n1', /persistentvolumeclaim "c" is not bound/],
    ['bound claim, volume gone', claim(), undefined, false, 'n1', /persistentvolume "pv1" bound to claim "c" not found/],
    ['claim being deleted', claim({ deleting: true }), pv(hp), false, 'n1', /is being deleted/],
    ['volume bound to another claim', claim({ uid: 'other' }), pv(hp), false, 'n1', /bound to another claim/],
    ['hostPath', claim(), pv(hp), false, 'n1', { plugin: 'hostPath', path: '/srv/a', hostPathType: 'DirectoryOrCreate', readOnly: false }],
    ['pod asks read-only', claim(), pv(hp), true, 'n1', { readOnly: true }],
    ['ReadOnlyMany volume', claim(), pv({ ...hp, accessModes: ['ReadOnlyMany'] }), false, 'n1', { readOnly: true }],
    ['ReadWriteMany + ReadOnlyMany stays writable', claim(), pv({ ...hp, accessModes: ['ReadWriteMany', 'ReadOnlyMany'] }), false, 'n1', { readOnly: false }],
    ['local on this node', claim(), pv({ local: { path: '/mnt/d' }, nodeAffinity: affinity('In', ['n1']) }), false, 'n1', { plugin: 'local', path: '/mnt/d' }],
    ['local on another node', claim(), pv({ local: { path: '/mnt/d' }, nodeAffinity: affinity('In', ['n2']) }), false, 'n1', /node affinity that does not match this node "n1"/],
    ['node name unknown: affinity not checked', claim(), pv({ local: { path: '/mnt/d' }, nodeAffinity: affinity('In', ['n2']) }), false, undefined, { plugin: 'local' }],
    ['nfs: server, path, readOnly and the PV mountOptions', claim(), pv({ nfs: { server: 's', path: '/e', readOnly: true }, mountOptions: ['nfsvers=4.1'] }), false, 'n1', { plugin: 'nfs', server: 's', path: '/e', readOnly: true, mountOptions: ['nfsvers=4.1'], pvName: 'pv1' }],
    ['block mode', claim(), pv({ ...hp, volumeMode: 'Block' }), false, 'n1', /volumeMode Block/],
    ['unknown source', claim(), pv({ iscsi: {} }), false, 'n1', /source iscsi, which this node cannot mount/],
    ['csi mount', claim(), pv({ csi: { driver: 'd.example', volumeHandle: 'h1', fsType: 'ext4', volumeAttributes: { a: 'b' } }, mountOptions: ['noatime'], capacity: { storage: '2Gi' } }), false, 'n1', {
      plugin: 'csi', driver: 'd.example', volumeHandle: 'h1', volumeContext: { a: 'b' }, block: false, readOnly: false, pvName: 'pv1', claimName: 'c', claimNamespace: 'ns',
      capability: { accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER', fsType: 'ext4', mountFlags: ['noatime'] }, pvCapacity: '2Gi', claimCapacity: '', ignored: [],
    }],
    ['csi block', claim(), pv({ csi: { driver: 'd.example', volumeHandle: 'h1' }, volumeMode: 'Block', accessModes: ['ReadWriteOncePod'] }), false, 'n1', { block: true, capability: { accessType: 'block', accessMode: 'SINGLE_NODE_SINGLE_WRITER' } }],
    ['csi ROX is read-only', claim(), pv({ csi: { driver: 'd.example', volumeHandle: 'h1' }, accessModes: ['ReadOnlyMany'] }), false, 'n1', { readOnly: true }],
    ['csi readOnly', claim(), pv({ csi: { driver: 'd.example', volumeHandle: 'h1', readOnly: true } }), false, 'n1', { readOnly: true }],
    ['csi secret refs are ignored', claim(), pv({ csi: { driver: 'd.example', volumeHandle: 'h1', nodeStageSecretRef: { name: 's' } } }), false, 'n1', { ignored: ['nodeStageSecretRef'] }],
    ['csi on this node (topology key)', claim(), pv({ csi: { driver: 'd.example', volumeHandle: 'h1' }, nodeAffinity: affinity('In', ['n1'], 'topology.berth.dev/node') }), false, 'n1', { plugin: 'csi' }],
    ['csi on another node (topology key)', claim(), pv({ csi: { driver: 'd.example', volumeHandle: 'h1' }, nodeAffinity: affinity('In', ['n2'], 'topology.berth.dev/node') }), false, 'n1', /node affinity that does not match this node "n1"/],
    ['csi without a handle', claim(), pv({ csi: { driver: 'd.example' } }), false, 'n1', /csi source without driver or volumeHandle/],
  ];
  for (const [name, c, v, ro, node, want] of cases) {
    const got = planClaimMount('c', ro, c, v, node);
    if (want instanceof RegExp) {
      assert.ok(got instanceof Error, `${name}: expected an error, got ${JSON.stringify(got)}`);
      assert.match(got.message, want, name);
    } else {
      assert.ok(!(got instanceof Error), `${name}: ${got instanceof Error ? got.message : ''}`);
      for (const [k, val] of Object.entries(want)) assert.deepEqual((got as unknown as Record<string, unknown>)[k], val, `${name}: ${k}`);
    }
  }
});

test('nodeAffinityAdmits: hostname terms are ORed, requirements ANDed; other keys cannot match by name', () => {
  const withTerms = (terms: unknown[]): KObject => ({ metadata: { name: 'v' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: terms } } } });
  const req = (operator: string, values: string[], key = 'kubernetes.io/hostname') => ({ key, operator, values });
  const cases: [string, KObject, boolean][] = [
    ['no affinity', { metadata: {}, spec: {} }, true],
    ['In', withTerms([{ matchExpressions: [req('In', ['a', 'n1'])] }]), true],
    ['In other', withTerms([{ matchExpressions: [req('In', ['a'])] }]), false],
    ['NotIn', withTerms([{ matchExpressions: [req('NotIn', ['n1'])] }]), false],
    ['second term matches', withTerms([{ matchExpressions: [req('In', ['a'])] }, { matchExpressions: [req('In', ['n1'])] }]), true],
    ['zone key', withTerms([{ matchExpressions: [req('In', ['z'], 'topology.kubernetes.io/zone')] }]), false],
    ['berth topology key', withTerms([{ matchExpressions: [req('In', ['n1'], 'topology.berth.dev/node')] }]), true],
    ['berth topology key, other node', withTerms([{ matchExpressions: [req('In', ['n2'], 'topology.berth.dev/node')] }]), false],
  ];
  for (const [name, v, want] of cases) assert.equal(nodeAffinityAdmits(v, 'n1'), want, name);
});

test('csiAccessMode: the first PV access mode, as the kubelet takes it', () => {
  const cases: [string[], string][] = [
    [[], 'SINGLE_NODE_WRITER'],
    [['ReadWriteOnce'], 'SINGLE_NODE_WRITER'],
    [['ReadOnlyMany'], 'MULTI_NODE_READER_ONLY'],
    [['ReadWriteMany', 'ReadOnlyMany'], 'MULTI_NODE_MULTI_WRITER'],
    [['ReadWriteOncePod'], 'SINGLE_NODE_SINGLE_WRITER'],
  ];
  for (const [modes, want] of cases) assert.equal(csiAccessMode(modes), want, modes.join(','));
});
