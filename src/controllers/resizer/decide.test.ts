import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { type ResizeFacts, decideResize, preResizeAnnotationDone } from './decide';

// Shaped like upstream's testutil.GetTestPVC(name, specSize, statusSize, allocatedSize, resizeStatus).
const claim = (spec: string, status: string, allocated = '', resize = '', extra: { phase?: string; conditions?: unknown[]; uid?: string } = {}): KObject => ({
  metadata: { name: 'claim01', namespace: 'ns', uid: extra.uid ?? 'test-uid' },
  spec: { volumeName: 'pv', resources: { requests: { storage: spec } } },
  status: {
    phase: extra.phase ?? 'Bound',
    capacity: { storage: status },
    ...(allocated ? { allocatedResources: { storage: allocated } } : {}),
    ...(resize ? { allocatedResourceStatuses: { storage: resize } } : {}),
    ...(extra.conditions ? { conditions: extra.conditions } : {}),
  },
});
const pv = (size: string, uid = 'test-uid'): KObject => ({
  metadata: { name: 'pv' },
  spec: { capacity: { storage: size }, csi: { driver: 'block.csi.test', volumeHandle: 'v' }, claimRef: { namespace: 'ns', name: 'claim01', uid } },
});
const facts = (c: KObject, v: KObject | undefined, over: Partial<ResizeFacts> = {}): ResizeFacts => ({ claim: c, pv: v, registered: true, controlPlane: true, hadFinalError: false, inSlowSet: false, ...over });
const show = (f: ResizeFacts): string => {
  const d = decideResize(f);
  return d.action === 'expand' ? `expand ${d.size.text}${d.updateStatus ? '' : ' (status kept)'}` : d.action;
};

test('decideResize: the size to expand to (external-resizer expand_and_recover cases)', () => {
  const rows: [string, ResizeFacts, string][] = [
    ['spec > pv, nothing in progress', facts(claim('2G', '1G'), pv('1G')), 'expand 2G'],
    ['spec > pv, controller infeasible earlier at 10G: the new spec wins', facts(claim('5G', '3G', '10G', 'ControllerResizeInfeasible'), pv('3G')), 'expand 5G'],
    ['spec > pv, controller in progress after a final error: the new spec', facts(claim('5G', '3G', '10G', 'ControllerResizeInProgress'), pv('3G'), { hadFinalError: true }), 'expand 5G'],
    ['spec > pv, controller in progress (uncertain): finish the allocated size', facts(claim('5G', '3G', '10G', 'ControllerResizeInProgress'), pv('3G')), 'expand 10G (status kept)'],
    ['pv >= spec, node infeasible, node-only driver: the spec', facts(claim('5G', '3G', '10G', 'NodeResizeInfeasible'), pv('10G'), { controlPlane: false }), 'expand 5G'],
    ['pv >= spec, node infeasible, controller driver: the allocated size again', facts(claim('2G', '1G', '2G', 'NodeResizeInfeasible'), pv('2G')), 'expand 2G (status kept)'],
    ['spec > pv, node pending at the allocated size: wait', facts(claim('10G', '1G', '3G', 'NodeResizePending'), pv('3G')), 'none'],
    ['spec > pv, node in progress at the allocated size: wait', facts(claim('10G', '1G', '3G', 'NodeResizeInProgress'), pv('3G')), 'none'],
    ['spec > pv, node pending at a smaller size than the pv grew to... still below allocated', facts(claim('10G', '1G', '5G', 'NodeResizePending'), pv('3G')), 'expand 5G (status kept)'],
    ['pv >= spec, node pending: the node finishes', facts(claim('2G', '1G', '2G', 'NodeResizePending'), pv('2G')), 'none'],
    ['pv >= spec, controller in progress: record the allocated size', facts(claim('2G', '1G', '2G', 'ControllerResizeInProgress'), pv('2G')), 'expand 2G (status kept)'],
    ['pv >= spec, no status but allocated: resume at the allocated size', facts(claim('2G', '1G', '2G'), pv('2G')), 'expand 2G (status kept)'],
    ['pv >= spec, no status, FileSystemResizePending: wait for the node', facts(claim('2G', '1G', '', '', { conditions: [{ type: 'FileSystemResizePending', status: 'True' }] }), pv('2G')), 'none'],
    ['infeasible recently at this very size: delay', facts(claim('5G', '3G', '5G', 'ControllerResizeInfeasible'), pv('3G'), { inSlowSet: true }), 'delay'],
    ['spec = status: nothing asked', facts(claim('1G', '1G'), pv('1G')), 'none'],
    ['spec < status (shrink refused by validation anyway)', facts(claim('1G', '2G'), pv('2G')), 'none'],
    ['claim not Bound', facts(claim('2G', '1G', '', '', { phase: 'Pending' }), pv('1G')), 'none'],
    ['PV not cached yet', facts(claim('2G', '1G'), undefined), 'none'],
    ['not a CSI PV', facts(claim('2G', '1G'), { ...pv('1G'), spec: { capacity: { storage: '1G' }, hostPath: { path: '/x' }, claimRef: { namespace: 'ns', uid: 'test-uid' } } }), 'none'],
    ['driver not registered', facts(claim('2G', '1G'), pv('1G'), { registered: false }), 'none'],
    ['PV bound to another claim', facts(claim('2G', '1G'), pv('1G', 'other')), 'none'],
  ];
  for (const [what, f, want] of rows) assert.equal(show(f), want, what);
});

test('preResizeAnnotationDone: once the claim caught up with the volume', () => {
  const annotated = { ...pv('2Gi'), metadata: { name: 'pv', annotations: { 'volume.alpha.kubernetes.io/pre-resize-capacity': '1Gi' } } };
  assert.equal(preResizeAnnotationDone(claim('2Gi', '1Gi'), annotated), false);
  assert.equal(preResizeAnnotationDone(claim('2Gi', '2Gi'), annotated), true);
  assert.equal(preResizeAnnotationDone(claim('2Gi', '2Gi'), pv('2Gi')), false, 'no annotation, nothing to do');
});
