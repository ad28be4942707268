import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { decideVolume } from './reclaim';

const F = 'external-provisioner.volume.kubernetes.io/finalizer';
const pv = (o: { phase?: string; policy?: string; finalizers?: string[]; deleting?: boolean; by?: string; csi?: unknown } = {}): KObject => ({
  metadata: {
    name: 'pvc-1',
    annotations: { 'pv.kubernetes.io/provisioned-by': o.by ?? 'berth.dev/block' },
    finalizers: o.finalizers ?? ['kubernetes.io/pv-protection', F],
    ...(o.deleting ? { deletionTimestamp: 'x' } : {}),
  },
  spec: { persistentVolumeReclaimPolicy: o.policy ?? 'Delete', csi: 'csi' in o ? o.csi : { driver: 'berth.dev/block', volumeHandle: 'vol-1' } },
  status: { phase: o.phase ?? 'Released' },
});
const registered = (n: string) => n === 'berth.dev/block';

test('decideVolume: finalizer upkeep and deletion of Released Delete volumes (library semantics)', () => {
  const rows: [string, KObject | undefined, unknown][] = [
    ['gone', undefined, 'none'],
    ['another provisioner', pv({ by: 'nfs.example' }), 'none'],
    ['Bound without finalizer: added', pv({ phase: 'Bound', finalizers: ['kubernetes.io/pv-protection'] }), { action: 'finalizers', finalizers: ['kubernetes.io/pv-protection', F] }],
    ['Bound with finalizer', pv({ phase: 'Bound' }), 'none'],
    ['Available without finalizer: left alone', pv({ phase: 'Available', finalizers: [] }), 'none'],
    ['changed to Retain: finalizer dropped', pv({ phase: 'Bound', policy: 'Retain' }), { action: 'finalizers', finalizers: ['kubernetes.io/pv-protection'] }],
    ['Released Retain without finalizer', pv({ policy: 'Retain', finalizers: [] }), 'none'],
    ['deleted and finalizer gone', pv({ deleting: true, finalizers: ['kubernetes.io/pv-protection'] }), 'none'],
    ['Released Delete', pv(), { action: 'delete', driver: 'berth.dev/block', volumeHandle: 'vol-1' }],
    ['Released Delete, being deleted with our finalizer', pv({ deleting: true }), { action: 'delete', driver: 'berth.dev/block', volumeHandle: 'vol-1' }],
    ['Failed', pv({ phase: 'Failed' }), 'none'],
    ['Released Delete, not CSI', pv({ csi: undefined }), { action: 'fail', message: 'invalid CSI PV' }],
  ];
  for (const [what, v, want] of rows) {
    const d = decideVolume(v, registered);
    if (typeof want === 'string') assert.equal(d.action, want, what);
    else assert.deepEqual(d, want, what);
  }
});
