import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors';
import { strategicMergePatch } from './strategic';

const pod = { group: '', kind: 'Pod' };
const deploy = { group: 'apps', kind: 'Deployment' };
const c = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });

// Facts from strategicpatch/patch_test.go and from patches kubectl apply sends.
const cases: [string, { group: string; kind: string }, unknown, unknown, unknown][] = [
  ['merge list item by name', pod, { spec: { containers: [c('a', { image: '1' }), c('b')] } }, { spec: { containers: [c('a', { image: '2' })] } }, { spec: { containers: [c('a', { image: '2' }), c('b')] } }],
  // Upstream's mergeSortedSlice puts patch items it cannot place by the live order first.
  ['new item goes first', pod, { spec: { containers: [c('a')] } }, { spec: { containers: [c('b')] } }, { spec: { containers: [c('b'), c('a')] } }],
  ['$patch delete item', pod, { spec: { containers: [c('a'), c('b')] } }, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }, { spec: { containers: [c('b')] } }],
  ['$patch replace list', pod, { spec: { containers: [c('a'), c('b')] } }, { spec: { containers: [c('c'), { $patch: 'replace' }] } }, { spec: { containers: [c('c')] } }],
  ['null deletes a key', pod, { metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { a: null } } }, { metadata: { labels: { b: '2' } } }],
  ['$patch replace map', pod, { metadata: { labels: { a: '1' } } }, { metadata: { labels: { b: '2', $patch: 'replace' } } }, { metadata: { labels: { b: '2' } } }],
  ['$patch delete map', pod, { spec: { securityContext: { runAsUser: 1 } } }, { spec: { securityContext: { $patch: 'delete' } } }, { spec: { securityContext: {} } }],
  ['primitive merge list unions', pod, { metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['c', 'a'] } }, { metadata: { finalizers: ['c', 'a', 'b'] } }],
  ['$deleteFromPrimitiveList', pod, { metadata: { finalizers: ['a', 'b', 'c'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } }, { metadata: { finalizers: ['a', 'c'] } }],
  ['atomic list replaced', pod, { spec: { tolerations: [{ key: 'a' }] } }, { spec: { tolerations: [{ key: 'b' }] } }, { spec: { tolerations: [{ key: 'b' }] } }],
  [
    '$setElementOrder reorders without content',
    pod,
    { spec: { containers: [c('a'), c('b'), c('c')] } },
    { spec: { '$setElementOrder/containers': [c('c'), c('b'), c('a')] } },
    { spec: { containers: [c('c'), c('b'), c('a')] } },
  ],
  [
    'kubectl apply: change one env var',
    deploy,
    { spec: { template: { spec: { containers: [c('app', { image: 'x', env: [c('A', { value: '1' }), c('B', { value: '1' })] })] } } } },
    { spec: { template: { spec: { '$setElementOrder/containers': [c('app')], containers: [{ '$setElementOrder/env': [c('A'), c('B')], env: [c('B', { value: '2' })], name: 'app' }] } } } },
    { spec: { template: { spec: { containers: [c('app', { image: 'x', env: [c('A', { value: '1' }), c('B', { value: '2' })] })] } } } },
  ],
  [
    'kubectl apply: remove a container',
    deploy,
    { spec: { template: { spec: { containers: [c('a'), c('b')] } } } },
    { spec: { template: { spec: { '$setElementOrder/containers': [c('a')], containers: [{ $patch: 'delete', name: 'b' }] } } } },
    { spec: { template: { spec: { containers: [c('a')] } } } },
  ],
  [
    'kubectl apply: add a container in the middle',
    deploy,
    { spec: { template: { spec: { containers: [c('a'), c('c')] } } } },
    { spec: { template: { spec: { '$setElementOrder/containers': [c('a'), c('b'), c('c')], containers: [c('b', { image: 'i' })] } } } },
    { spec: { template: { spec: { containers: [c('a'), c('b', { image: 'i' }), c('c')] } } } },
  ],
  [
    '$retainKeys switches deployment strategy',
    deploy,
    { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    { spec: { strategy: { type: 'Recreate' } } },
  ],
  [
    '$retainKeys switches a volume source',
    pod,
    { spec: { volumes: [{ name: 'v', emptyDir: {} }] } },
    { spec: { volumes: [{ $retainKeys: ['hostPath', 'name'], hostPath: { path: '/x' }, name: 'v' }] } },
    { spec: { volumes: [{ name: 'v', hostPath: { path: '/x' } }] } },
  ],
  ['service ports by port', { group: '', kind: 'Service' }, { spec: { ports: [{ port: 80, name: 'a' }, { port: 443 }] } }, { spec: { ports: [{ port: 80, name: 'b' }] } }, { spec: { ports: [{ port: 80, name: 'b' }, { port: 443 }] } }],
  ['status conditions by type', pod, { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'X', status: 'True' }] } }, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'X', status: 'True' }] } }],
  ['ownerReferences by uid', pod, { metadata: { ownerReferences: [{ uid: '1', name: 'a' }] } }, { metadata: { ownerReferences: [{ uid: '2', name: 'b' }] } }, { metadata: { ownerReferences: [{ uid: '2', name: 'b' }, { uid: '1', name: 'a' }] } }],
  ['nulls in new values are dropped', pod, { spec: {} }, { spec: { securityContext: { runAsUser: null, fsGroup: 1 } } }, { spec: { securityContext: { fsGroup: 1 } } }],
  ['unknown kind: lists are atomic', { group: 'x', kind: 'Y' }, { spec: { l: [1, 2] } }, { spec: { l: [3] } }, { spec: { l: [3] } }],
];

describe('strategicMergePatch', () => {
  for (const [name, gvk, original, patch, want] of cases) {
    test(name, () => assert.deepEqual(strategicMergePatch(gvk, original, patch), want));
  }
  const status = (code: number, message?: string) => (e: unknown) => e instanceof ApiError && e.code === code && (message === undefined || e.message === message);
  test('content outside $retainKeys is 400, as ErrBadPatchFormatForRetainKeys in 1.32', () => {
    assert.throws(
      () => strategicMergePatch(deploy, { spec: { strategy: { type: 'R' } } }, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }),
      status(400, 'invalid patch format of retainKeys'),
    );
  });
  test('$retainKeys not a list is 400', () => {
    assert.throws(() => strategicMergePatch(deploy, { spec: { strategy: { type: 'R' } } }, { spec: { strategy: { $retainKeys: 'type' } } }), status(400, 'invalid patch format of retainKeys'));
  });
  test('bad $setElementOrder key is 400', () => {
    assert.throws(() => strategicMergePatch(pod, { spec: {} }, { spec: { $setElementOrder: [] } }), status(400, 'invalid patch format of setElementOrder list'));
  });
  test('lists of lists are 422', () => {
    assert.throws(() => strategicMergePatch(pod, { metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } }), status(422));
  });
  test('missing merge key is a 400 (upstream: 500), naming the key', () => {
    assert.throws(() => strategicMergePatch(pod, { spec: { containers: [c('a')] } }, { spec: { containers: [{ image: 'x' }] } }), status(400, 'map: map[image:x] does not contain declared merge key: name'));
  });
  test('array patch is 400', () => {
    assert.throws(() => strategicMergePatch(pod, {}, []), status(400, 'json: cannot unmarshal array into Go value of type map[string]interface {}'));
  });
});
