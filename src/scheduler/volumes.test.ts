import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../machinery/types';
import { decide } from './decide';
import {
  REASON_BIND_CONFLICT, REASON_NODE_CONFLICT, REASON_PV_NOT_EXIST, REASON_RWOP_CONFLICT, REASON_UNBOUND_IMMEDIATE,
  type VolumeWorld, filterVolumes, isPreFilterFailure, preFilterVolumes, rwoConflictReason, selectedNodePatches,
} from './volumes';

const node = (name: string): KObject => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: { allocatable: { cpu: '4', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const pod = (name: string, claims: string[], uid = name): KObject => ({
  metadata: { name, namespace: 'ns', uid },
  spec: { containers: [{ name: 'c', image: 'i' }], volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) },
});
const claim = (name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...meta },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra },
});
const bound = (name: string, pv: string): KObject => claim(name, { volumeName: pv, storageClassName: 'local' }, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } });
const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } });
const pv = (name: string, nodeName: string | undefined, extra: Record<string, unknown> = {}, phase = 'Available'): KObject => ({
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local', local: { path: '/x' }, ...(nodeName ? { nodeAffinity: onNode(nodeName) } : {}), ...extra },
  status: { phase },
});
const sc = (name: string, mode: string, provisioner = 'kubernetes.io/no-provisioner'): KObject => ({ metadata: { name }, provisioner, volumeBindingMode: mode });

function world(claims: KObject[], pvs: KObject[] = [], classes: KObject[] = [sc('local', 'WaitForFirstConsumer'), sc('fast', 'Immediate', 'berth.dev/dir'), sc('dyn', 'WaitForFirstConsumer', 'berth.dev/dir')]): VolumeWorld {
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: (name) => pvs.find((p) => p.metadata.name === name),
    volumes: () => pvs,
    storageClass: (name) => classes.find((c) => c.metadata.name === name),
  };
}

test('preFilterVolumes rejects the whole pod with upstream reasons', () => {
  const rwop = claim('solo', { accessModes: ['ReadWriteOncePod'], storageClassName: 'local', volumeName: 'pv-solo' }, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } });
  const rows: { name: string; pod: KObject; claims: KObject[]; placed?: KObject[]; want: { reason: string; unresolvable: boolean } | 'ok' }[] = [
    { name: 'no volumes', pod: pod('p', []), claims: [], want: 'ok' },
    { name: 'missing claim', pod: pod('p', ['x']), claims: [], want: { reason: 'persistentvolumeclaim "x" not found', unresolvable: true } },
    { name: 'claim being deleted', pod: pod('p', ['x']), claims: [claim('x', {}, { deletionTimestamp: '2024-01-01T00:00:00Z' })], want: { reason: 'persistentvolumeclaim "x" is being deleted', unresolvable: true } },
    { name: 'unbound, no class', pod: pod('p', ['x']), claims: [claim('x', { storageClassName: '' })], want: { reason: REASON_UNBOUND_IMMEDIATE, unresolvable: true } },
    { name: 'unbound, Immediate class', pod: pod('p', ['x']), claims: [claim('x', { storageClassName: 'fast' })], want: { reason: REASON_UNBOUND_IMMEDIATE, unresolvable: true } },
    { name: 'volumeName set but bind not completed', pod: pod('p', ['x']), claims: [claim('x', { storageClassName: 'fast', volumeName: 'pv1' })], want: { reason: REASON_UNBOUND_IMMEDIATE, unresolvable: true } },
    { name: 'unbound, WaitForFirstConsumer class', pod: pod('p', ['x']), claims: [claim('x', { storageClassName: 'local' })], want: 'ok' },
    { name: 'bound', pod: pod('p', ['b']), claims: [bound('b', 'pv1')], want: 'ok' },
    { name: 'RWOP claim used by another pod, but the claim is missing', pod: pod('p2', ['solo', 'x']), claims: [rwop], placed: [pod('p1', ['solo'])], want: { reason: 'persistentvolumeclaim "x" not found', unresolvable: true } },
    { name: 'ephemeral claim not yet created', pod: { metadata: { name: 'e', namespace: 'ns', uid: 'e' }, spec: { volumes: [{ name: 'scratch', ephemeral: {} }] } }, claims: [], want: { reason: 'waiting for ephemeral volume controller to create the persistentvolumeclaim "e-scratch"', unresolvable: true } },
  ];
  for (const r of rows) {
    const got = preFilterVolumes(r.pod, world(r.claims), r.placed ?? []);
    if (r.want === 'ok') assert.equal(isPreFilterFailure(got), false, r.name);
    else assert.deepEqual(got, r.want, r.name);
  }
});

test('preFilterVolumes notes a ReadWriteOncePod claim used by another placed pod', () => {
  const rwop = claim('solo', { accessModes: ['ReadWriteOncePod'], storageClassName: 'local', volumeName: 'pv-solo' }, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } });
  const rows: { name: string; pod: KObject; claims: KObject[]; placed: KObject[]; want: boolean }[] = [
    { name: 'used by another placed pod', pod: pod('p2', ['solo']), claims: [rwop], placed: [pod('p1', ['solo'])], want: true },
    { name: 'used only by the pod itself', pod: pod('p1', ['solo']), claims: [rwop], placed: [pod('p1', ['solo'])], want: false },
    { name: 'same claim name in another namespace', pod: pod('p2', ['solo']), claims: [rwop], placed: [{ ...pod('p1', ['solo']), metadata: { name: 'p1', namespace: 'other', uid: 'o1' } }], want: false },
    { name: 'RWO claim shared by two pods', pod: pod('p2', ['b']), claims: [bound('b', 'pv1')], placed: [pod('p1', ['b'])], want: false },
  ];
  for (const r of rows) {
    const got = preFilterVolumes(r.pod, world(r.claims), r.placed);
    assert.ok(!isPreFilterFailure(got), r.name);
    assert.equal(got.rwopConflict, r.want, r.name);
    assert.deepEqual(filterVolumes(got, node('n1'), world(r.claims, [pv('pv-solo', undefined, {}, 'Bound'), pv('pv1', undefined, {}, 'Bound')])), r.want ? { reasons: [REASON_RWOP_CONFLICT], unresolvable: false } : undefined, r.name);
  }
});

test('filterVolumes checks bound volumes and WaitForFirstConsumer claims against the node', () => {
  const wffc = claim('w', { storageClassName: 'local' });
  const rows: { name: string; claims: KObject[]; pvs: KObject[]; node: string; want: string[] | undefined }[] = [
    { name: 'bound PV without node affinity', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, {}, 'Bound')], node: 'n1', want: undefined },
    { name: 'bound PV on this node', claims: [bound('b', 'pv1')], pvs: [pv('pv1', 'n1', {}, 'Bound')], node: 'n1', want: undefined },
    { name: 'bound PV on another node', claims: [bound('b', 'pv1')], pvs: [pv('pv1', 'n2', {}, 'Bound')], node: 'n1', want: [REASON_NODE_CONFLICT] },
    { name: 'bound PV missing', claims: [bound('b', 'gone')], pvs: [], node: 'n1', want: [REASON_PV_NOT_EXIST] },
    { name: 'WFFC with an available PV on this node', claims: [wffc], pvs: [pv('l1', 'n1')], node: 'n1', want: undefined },
    { name: 'WFFC with its only PV on another node', claims: [wffc], pvs: [pv('l2', 'n2')], node: 'n1', want: [REASON_BIND_CONFLICT] },
    { name: 'WFFC whose PV is already bound elsewhere', claims: [wffc], pvs: [pv('l1', 'n1', { claimRef: { namespace: 'ns', name: 'other' } }, 'Bound')], node: 'n1', want: [REASON_BIND_CONFLICT] },
    { name: 'WFFC with a PV too small', claims: [wffc], pvs: [pv('l1', 'n1', { capacity: { storage: '100Mi' } })], node: 'n1', want: [REASON_BIND_CONFLICT] },
    { name: 'WFFC class with a provisioner, no PVs', claims: [claim('d', { storageClassName: 'dyn' })], pvs: [], node: 'n1', want: undefined },
    { name: 'two WFFC claims, one PV on the node', claims: [wffc, claim('w2', { storageClassName: 'local' })], pvs: [pv('l1', 'n1')], node: 'n1', want: [REASON_BIND_CONFLICT] },
    { name: 'two WFFC claims, two PVs on the node', claims: [wffc, claim('w2', { storageClassName: 'local' })], pvs: [pv('l1', 'n1'), pv('l3', 'n1')], node: 'n1', want: undefined },
    { name: 'both conflicts', claims: [bound('b', 'pv1'), wffc], pvs: [pv('pv1', 'n2', {}, 'Bound'), pv('l2', 'n2')], node: 'n1', want: [REASON_NODE_CONFLICT, REASON_BIND_CONFLICT] },
  ];
  for (const r of rows) {
    const w = world(r.claims, r.pvs);
    const pre = preFilterVolumes(pod('p', r.claims.map((c) => c.metadata.name ?? '')), w, []);
    assert.ok(!isPreFilterFailure(pre), r.name);
    const got = filterVolumes(pre, node(r.node), w);
    assert.deepEqual(got, r.want && { reasons: r.want, unresolvable: true }, r.name);
  }
});

test('filterVolumes: a WaitForFirstConsumer claim of a CSI driver goes only to nodes whose CSINode lists the driver', () => {
  const classes = [sc('csi', 'WaitForFirstConsumer', 'block.csi.example'), sc('other', 'WaitForFirstConsumer', 'legacy.example/p')];
  const drivers: Record<string, string[]> = { n1: ['block.csi.example'], n2: [] };
  const w = (claims: KObject[]): VolumeWorld => ({ ...world(claims, [], classes), csiDriversOn: (n) => drivers[n], isCsiDriver: (name) => name === 'block.csi.example' });
  const rows: [string, KObject, string, string[] | undefined][] = [
    ['the driver runs on the node', claim('c', { storageClassName: 'csi' }), 'n1', undefined],
    ['the node does not run it', claim('c', { storageClassName: 'csi' }), 'n2', [REASON_BIND_CONFLICT]],
    ['a node with no CSINode yet is not ruled out', claim('c', { storageClassName: 'csi' }), 'n3', undefined],
    ['a provisioner that is not a CSI driver is not checked', claim('o', { storageClassName: 'other' }), 'n2', undefined],
  ];
  for (const [what, c, n, want] of rows) {
    const world2 = w([c]);
    const pre = preFilterVolumes(pod('p', [c.metadata.name ?? '']), world2, []);
    assert.ok(!isPreFilterFailure(pre), what);
    assert.deepEqual(filterVolumes(pre, node(n), world2), want && { reasons: want, unresolvable: true }, what);
  }
});

test('selectedNodePatches annotates each WaitForFirstConsumer claim not yet pointing at the node', () => {
  const done = claim('done', { storageClassName: 'local' }, { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } });
  const moved = claim('moved', { storageClassName: 'local' }, { annotations: { 'volume.kubernetes.io/selected-node': 'n2' } });
  const got = selectedNodePatches([claim('w', { storageClassName: 'local' }), done, moved], 'n1');
  assert.deepEqual(got.map((g) => [g.claim.metadata.name, g.patch]), [
    ['w', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } } }],
    ['moved', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } } }],
  ]);
});

test('decide words volume failures as upstream FitError and picks the node holding the local PV', () => {
  const nodes = [node('n1'), node('n2')];
  const none = () => [];
  const rows: { name: string; pod: KObject; w: VolumeWorld; placed?: KObject[]; want: string }[] = [
    { name: 'missing claim', pod: pod('p', ['x']), w: world([]), want: '0/2 nodes are available: persistentvolumeclaim "x" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.' },
    { name: 'immediate', pod: pod('p', ['x']), w: world([claim('x', { storageClassName: 'fast' })]), want: `0/2 nodes are available: ${REASON_UNBOUND_IMMEDIATE}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.` },
    {
      name: 'RWOP', pod: pod('p2', ['solo']), placed: [pod('p1', ['solo'])],
      w: world([claim('solo', { accessModes: ['ReadWriteOncePod'], storageClassName: 'local', volumeName: 'pv1' }, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } })], [pv('pv1', undefined, {}, 'Bound')]),
      want: `0/2 nodes are available: 2 ${REASON_RWOP_CONFLICT}. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.`,
    },
    { name: 'no PV anywhere', pod: pod('p', ['w']), w: world([claim('w', { storageClassName: 'local' })], [pv('l9', 'n9')]), want: `0/2 nodes are available: 2 ${REASON_BIND_CONFLICT}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.` },
    { name: 'bound PV on neither node', pod: pod('p', ['b']), w: world([bound('b', 'pv1')], [pv('pv1', 'n9', {}, 'Bound')]), want: `0/2 nodes are available: 2 ${REASON_NODE_CONFLICT}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.` },
  ];
  for (const r of rows) assert.deepEqual(decide(r.pod, nodes, none, { world: r.w, placed: r.placed ?? [] }), { message: r.want }, r.name);
  const w = world([claim('w', { storageClassName: 'local' })], [pv('l2', 'n2')]);
  const got = decide(pod('p', ['w']), nodes, none, { world: w, placed: [] });
  assert.equal(got.node, 'n2');
  assert.deepEqual(got.node !== undefined && got.claims?.delayed.map((c) => c.metadata.name), ['w']);
});

test('a ReadWriteOnce claim in use by a placed pod keeps other pods using it on that pod\'s node', () => {
  const on = (p: KObject, n: string): KObject => ({ ...p, spec: { ...(p.spec as object), nodeName: n } });
  const rwx = bound('shared', 'pv-rwx');
  const rows: { name: string; claims: KObject[]; pvs: KObject[]; placed: KObject[]; pod?: KObject; want: Record<string, string[] | undefined> }[] = [
    { name: 'in use on n1: only n1', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, {}, 'Bound')], placed: [on(pod('p1', ['b']), 'n1')], want: { n1: undefined, n2: [rwoConflictReason('b', 'n1')] } },
    { name: 'not in use: anywhere', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, {}, 'Bound')], placed: [], want: { n1: undefined, n2: undefined } },
    { name: 'placed pod not yet on a node does not count', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, {}, 'Bound')], placed: [pod('p1', ['b'])], want: { n1: undefined, n2: undefined } },
    { name: 'the pod itself does not count', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, {}, 'Bound')], placed: [on(pod('p', ['b']), 'n1')], want: { n1: undefined, n2: undefined } },
    { name: 'same claim name in another namespace', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, {}, 'Bound')], placed: [{ ...on(pod('p1', ['b']), 'n1'), metadata: { name: 'p1', namespace: 'other', uid: 'o1' } }], want: { n1: undefined, n2: undefined } },
    { name: 'ReadWriteMany volume: any node', claims: [rwx], pvs: [pv('pv-rwx', undefined, { accessModes: ['ReadWriteOnce', 'ReadWriteMany'] }, 'Bound')], placed: [on(pod('p1', ['shared']), 'n1')], want: { n1: undefined, n2: undefined } },
    { name: 'ReadOnlyMany volume: any node', claims: [rwx], pvs: [pv('pv-rwx', undefined, { accessModes: ['ReadOnlyMany'] }, 'Bound')], placed: [on(pod('p1', ['shared']), 'n1')], want: { n1: undefined, n2: undefined } },
    { name: 'the volume\'s modes count, not the claim\'s', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, { accessModes: ['ReadWriteMany'] }, 'Bound')], placed: [on(pod('p1', ['b']), 'n1')], want: { n1: undefined, n2: undefined } },
    { name: 'a volume with no modes is not restricted', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, { accessModes: [] }, 'Bound')], placed: [on(pod('p1', ['b']), 'n1')], want: { n1: undefined, n2: undefined } },
    { name: 'unbound WaitForFirstConsumer claim: its own modes', claims: [claim('w', { storageClassName: 'dyn' })], pvs: [], placed: [on(pod('p1', ['w']), 'n2')], want: { n1: [rwoConflictReason('w', 'n2')], n2: undefined } },
    { name: 'in use on n1 and n2 already: either', claims: [bound('b', 'pv1')], pvs: [pv('pv1', undefined, {}, 'Bound')], placed: [on(pod('p1', ['b']), 'n2'), on(pod('p2', ['b']), 'n1')], want: { n1: undefined, n2: undefined, n3: [rwoConflictReason('b', 'n1')] } },
    { name: 'second claim of the pod is the one in use', claims: [bound('a', 'pv0'), bound('b', 'pv1')], pvs: [pv('pv0', undefined, { accessModes: ['ReadWriteMany'] }, 'Bound'), pv('pv1', undefined, {}, 'Bound')], placed: [on(pod('p1', ['a', 'b']), 'n1')], want: { n1: undefined, n2: [rwoConflictReason('b', 'n1')] } },
  ];
  for (const r of rows) {
    const w = world(r.claims, r.pvs);
    const pre = preFilterVolumes(pod('p', r.claims.map((c) => c.metadata.name ?? '')), w, r.placed);
    assert.ok(!isPreFilterFailure(pre), r.name);
    for (const [n, want] of Object.entries(r.want)) assert.deepEqual(filterVolumes(pre, node(n), w), want && { reasons: want, unresolvable: false }, `${r.name} on ${n}`);
  }
});

test('decide sends a pod sharing a ReadWriteOnce claim to the node already using it, or says why not', () => {
  const nodes = [node('n1'), node('n2')];
  const w = world([bound('b', 'pv1')], [pv('pv1', undefined, {}, 'Bound')]);
  const user = { ...pod('p1', ['b']), spec: { ...(pod('p1', ['b']).spec as object), nodeName: 'n2' } };
  // n1 would score the same: only the claim sends the pod to n2.
  assert.equal(decide(pod('p2', ['b']), nodes, () => [], { world: w, placed: [user] }).node, 'n2');
  const got = decide(pod('p2', ['b']), [node('n1')], () => [], { world: w, placed: [user] });
  assert.deepEqual(got, { message: `0/1 nodes are available: 1 ${rwoConflictReason('b', 'n2')}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.` });
});
