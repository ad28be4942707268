import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { desiredTaints, observe, silentConditions } from './compute';

const node = (ready: string | undefined, o: { taints?: unknown[]; unschedulable?: boolean; disk?: string; hb?: string } = {}): KObject => ({
  metadata: { name: 'n' },
  spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: o.hb ?? 't0', lastTransitionTime: 't0' },
      { type: 'DiskPressure', status: o.disk ?? 'False', lastHeartbeatTime: o.hb ?? 't0', lastTransitionTime: 't0' },
      ...(ready ? [{ type: 'Ready', status: ready, reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: o.hb ?? 't0', lastTransitionTime: 't0' }] : []),
    ],
  },
});
const lease = (renew: string): KObject => ({ metadata: { name: 'n', namespace: 'kube-node-lease' }, spec: { renewTime: renew } });

test('the probe time moves only when the heartbeat or the lease renewal changes', () => {
  const h0 = observe(undefined, node('True'), lease('r1'), 100);
  assert.equal(h0.probeAt, 100);
  assert.equal(observe(h0, node('True'), lease('r1'), 500).probeAt, 100, 'nothing new');
  assert.equal(observe(h0, node('True'), lease('r2'), 500).probeAt, 500, 'lease renewed');
  assert.equal(observe(h0, node('True', { hb: 't1' }), lease('r1'), 600).probeAt, 600, 'status heartbeat');
});

test('a node silent past the grace period has its conditions set Unknown with upstream reasons', () => {
  const h = { probeAt: 0, heartbeat: 't0', renewTime: 'r' };
  assert.equal(silentConditions(node('True'), h, 40_000, 40_000, 'now'), undefined, 'within grace');
  const conds = silentConditions(node('True'), h, 40_001, 40_000, 'now') ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  assert.deepEqual(ready, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: 't0', lastTransitionTime: 'now' });
  assert.equal(conds.find((c) => c.type === 'PIDPressure')?.reason, 'NodeStatusNeverUpdated');
  assert.deepEqual(conds.map((c) => c.status), ['Unknown', 'Unknown', 'Unknown', 'Unknown']);
  const marked: KObject = { ...node('True'), status: { conditions: conds } };
  assert.equal(silentConditions(marked, h, 90_000, 40_000, 'later'), undefined, 'already marked');
});

test('NoSchedule taints follow the conditions and spec.unschedulable; foreign taints stay', () => {
  const u = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };
  const nr = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
  const mine = { key: 'team', value: 'a', effect: 'NoSchedule' };
  const cases: [string, KObject, unknown[] | undefined][] = [
    ['healthy, nothing to do', node('True'), undefined],
    ['unknown → unreachable', node('Unknown'), [u]],
    ['false → not-ready', node('False', { taints: [mine] }), [mine, nr]],
    ['recovered → removed, foreign kept', node('True', { taints: [mine, u] }), [mine]],
    ['already tainted', node('Unknown', { taints: [u] }), undefined],
    ['unreachable replaced by not-ready', node('False', { taints: [u] }), [nr]],
    ['disk pressure', node('True', { disk: 'True' }), [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }]],
    ['cordoned', node('True', { unschedulable: true }), [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]],
    ['NoExecute taints are not ours', node('True', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), undefined],
  ];
  for (const [what, n, want] of cases) assert.deepEqual(desiredTaints(n), want, what);
});
