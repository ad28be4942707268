import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject, OwnerReference } from '../../machinery/types';
import {
  type DependentAction,
  type OwnerState,
  classifyReferences,
  computeDependentAction,
  computeOwnerAction,
  ownerRefsWithout,
  parseApiVersion,
  unblockedOwnerRefs,
} from './compute';

const ref = (uid: string, block?: boolean): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, ...(block === undefined ? {} : { blockOwnerDeletion: block }) });
const obj = (meta: Partial<KObject['metadata']> = {}): KObject => ({ metadata: { name: 'x', uid: 'self', ...meta } });
const live = (uid: string, meta: Partial<KObject['metadata']> = {}): OwnerState => ({ state: 'present', owner: obj({ uid, ...meta }) });
const deleting = { deletionTimestamp: '2024-01-01T00:00:00Z' };

test('classifyReferences: absent or re-created owners dangle, foreground-deleting owners wait', () => {
  const owners: Record<string, OwnerState> = {
    a: live('a'),
    b: { state: 'absent' },
    c: live('other-uid'), // same name, new incarnation
    d: live('d', { ...deleting, finalizers: ['foregroundDeletion'] }),
    e: live('e', { ...deleting, finalizers: ['orphan'] }), // deleting but not waiting: still solid
    f: live('f', { finalizers: ['foregroundDeletion'] }), // finalizer without deletion: solid
  };
  const c = classifyReferences(['a', 'b', 'c', 'd', 'e', 'f'].map((u) => ref(u)), (r) => owners[r.uid] ?? { state: 'absent' });
  assert.deepEqual(c.solid.map((r) => r.uid), ['a', 'e', 'f']);
  assert.deepEqual(c.dangling.map((r) => r.uid), ['b', 'c']);
  assert.deepEqual(c.waiting.map((r) => r.uid), ['d']);
});

test('computeDependentAction follows attemptToDeleteItem', () => {
  const none = { hasDependents: false, aDependentIsDeletingDependents: false };
  const cases: [string, KObject, [string[], string[], string[]], typeof none, DependentAction][] = [
    ['no owner refs', obj(), [[], [], []], none, { kind: 'none' }],
    ['all owners alive', obj({ ownerReferences: [ref('a')] }), [['a'], [], []], none, { kind: 'none' }],
    ['one live owner, one gone: patch out the dangling ref', obj({ ownerReferences: [ref('a'), ref('b')] }), [['a'], ['b'], []], none, { kind: 'removeOwnerRefs', uids: ['b'] }],
    ['live owner and a waiting one: release the waiting owner', obj({ ownerReferences: [ref('a'), ref('d'), ref('b')] }), [['a'], ['b'], ['d']], none, { kind: 'removeOwnerRefs', uids: ['b', 'd'] }],
    ['every owner gone: background delete', obj({ ownerReferences: [ref('b')] }), [[], ['b'], []], none, { kind: 'delete', policy: 'Background', unblock: false }],
    ['owner gone, item asks to orphan its own dependents', obj({ ownerReferences: [ref('b')], finalizers: ['orphan'] }), [[], ['b'], []], none, { kind: 'delete', policy: 'Orphan', unblock: false }],
    ['owner gone, item has foreground finalizer', obj({ ownerReferences: [ref('b')], finalizers: ['foregroundDeletion'] }), [[], ['b'], []], none, { kind: 'delete', policy: 'Foreground', unblock: false }],
    ['owner waiting, item has no dependents: background', obj({ ownerReferences: [ref('d')] }), [[], [], ['d']], none, { kind: 'delete', policy: 'Background', unblock: false }],
    ['owner waiting, item has dependents: foreground', obj({ ownerReferences: [ref('d')] }), [[], [], ['d']], { hasDependents: true, aDependentIsDeletingDependents: false }, { kind: 'delete', policy: 'Foreground', unblock: false }],
    ['owner waiting, a dependent also waits (cycle): unblock then foreground', obj({ ownerReferences: [ref('d')] }), [[], [], ['d']], { hasDependents: true, aDependentIsDeletingDependents: true }, { kind: 'delete', policy: 'Foreground', unblock: true }],
    ['item already being deleted', obj({ ownerReferences: [ref('b')], ...deleting }), [[], ['b'], []], none, { kind: 'none' }],
  ];
  for (const [name, item, [solid, dangling, waiting], ctx, want] of cases) {
    const c = { solid: solid.map((u) => ref(u)), dangling: dangling.map((u) => ref(u)), waiting: waiting.map((u) => ref(u)) };
    assert.deepEqual(computeDependentAction(item, c, ctx), want, name);
  }
});

test('computeOwnerAction: orphaning, foreground waiting and release', () => {
  const dep = (key: string, block?: boolean, deletingDependents = false) => ({ key, ref: ref('owner', block), deletingDependents });
  const owner = (finalizers: string[], del = true) => obj({ uid: 'owner', finalizers, ...(del ? deleting : {}) });
  assert.deepEqual(computeOwnerAction(owner(['orphan'], false), [dep('a')]), { kind: 'none' }, 'not deleting');
  assert.deepEqual(computeOwnerAction(owner([]), [dep('a')]), { kind: 'none' }, 'deleting without GC finalizers');
  assert.deepEqual(computeOwnerAction(owner(['orphan']), [dep('a'), dep('b')]), { kind: 'orphan', dependents: ['a', 'b'] });
  assert.deepEqual(computeOwnerAction(owner(['orphan']), []), { kind: 'orphan', dependents: [] });
  assert.deepEqual(computeOwnerAction(owner(['foregroundDeletion']), []), { kind: 'removeFinalizer', finalizer: 'foregroundDeletion' });
  // Dependents without blockOwnerDeletion don't hold the owner back.
  assert.deepEqual(computeOwnerAction(owner(['foregroundDeletion']), [dep('a', false), dep('b')]), { kind: 'removeFinalizer', finalizer: 'foregroundDeletion' });
  assert.deepEqual(computeOwnerAction(owner(['foregroundDeletion']), [dep('a', true), dep('b', true, true), dep('c')]), { kind: 'waitForDependents', enqueue: ['a', 'c'] });
});

test('ref helpers', () => {
  assert.deepEqual(ownerRefsWithout([ref('a'), ref('b'), ref('c')], ['b', 'c']).map((r) => r.uid), ['a']);
  assert.deepEqual(unblockedOwnerRefs([ref('a', true), ref('b')]), [{ ...ref('a'), blockOwnerDeletion: false }, ref('b')]);
  assert.deepEqual(parseApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
  assert.deepEqual(parseApiVersion('v1'), { group: '', version: 'v1' });
});
