import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseDiscovery, discoveryResponse } from './discovery';
import { compareVersions } from './model';
import { testDefs } from './test-defs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON documents are navigated loosely in assertions
type J = any;

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2B1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

function get(path: string, accept = 'application/json', metrics = false): { status: number; ct: string; body: J } {
  const r = discoveryResponse(path, accept, testDefs, { metrics });
  assert.ok(r, `no reply for ${path}`);
  return { status: r.status, ct: r.contentType, body: r.body ? JSON.parse(r.body) : undefined };
}

test('Accept negotiation follows the order kubectl lists', () => {
  assert.equal(chooseDiscovery(`${V2},${V2B1},application/json`), 'v2');
  assert.equal(chooseDiscovery(`${V2B1},application/json`), 'v2beta1');
  assert.equal(chooseDiscovery('application/json'), 'legacy');
  assert.equal(chooseDiscovery(''), 'legacy');
  assert.equal(chooseDiscovery('*/*'), 'legacy');
  assert.equal(chooseDiscovery('application/vnd.kubernetes.protobuf'), undefined);
  assert.equal(chooseDiscovery(`application/json;q=0.5,${V2B1}`), 'v2beta1');
});

test('aggregated /api names the chosen version in Content-Type', () => {
  const r = get('/api', `${V2B1},application/json`);
  assert.equal(r.ct, V2B1);
  assert.equal(r.body.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  assert.equal(r.body.items.length, 1);
  const core = r.body.items[0];
  assert.equal(core.metadata.name, '');
  const pods = core.versions[0].resources.find((x: J) => x.resource === 'pods');
  assert.deepEqual(pods.responseKind, { group: '', version: 'v1', kind: 'Pod' });
  assert.equal(pods.scope, 'Namespaced');
  assert.equal(pods.singularResource, 'pod');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  const exec = pods.subresources.find((s: J) => s.subresource === 'exec');
  assert.deepEqual(exec, { subresource: 'exec', responseKind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] });
  const ns = core.versions[0].resources.find((x: J) => x.resource === 'namespaces');
  assert.equal(ns.scope, 'Cluster');
});

test('aggregated /apis lists groups with preferred version first', () => {
  const r = get('/apis', `${V2},${V2B1},application/json`);
  assert.equal(r.ct, V2);
  const names = r.body.items.map((i: J) => i.metadata.name);
  assert.deepEqual(names, ['apps', 'autoscaling', 'storage.k8s.io']);
  const as = r.body.items[1];
  assert.deepEqual(as.versions.map((v: J) => v.version), ['v2', 'v1']);
  const deploy = r.body.items[0].versions[0].resources[0];
  const scale = deploy.subresources.find((s: J) => s.subresource === 'scale');
  assert.deepEqual(scale.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.equal(get('/apis', V2, true).body.items.some((i: J) => i.metadata.name === 'metrics.k8s.io'), true);
  assert.equal(get('/apis', V2).body.items.some((i: J) => i.metadata.name === 'metrics.k8s.io'), false);
});

test('legacy /api, /apis and /apis/G', () => {
  assert.deepEqual(get('/api').body.versions, ['v1']);
  assert.equal(get('/api').body.kind, 'APIVersions');
  const list = get('/apis').body;
  assert.equal(list.kind, 'APIGroupList');
  const as = list.groups.find((g: J) => g.name === 'autoscaling');
  assert.deepEqual(as.versions, [{ groupVersion: 'autoscaling/v2', version: 'v2' }, { groupVersion: 'autoscaling/v1', version: 'v1' }]);
  assert.deepEqual(as.preferredVersion, { groupVersion: 'autoscaling/v2', version: 'v2' });
  assert.equal(get('/apis/apps').body.kind, 'APIGroup');
  assert.equal(get('/apis/nope').status, 404);
  assert.equal(discoveryResponse('/api/v1/namespaces/default/pods', '', testDefs), undefined);
  assert.equal(discoveryResponse('/apis/apps/v1/deployments', '', testDefs), undefined);
});

test('legacy /api/v1 lists subresources with upstream kinds and verbs', () => {
  const r = get('/api/v1').body;
  assert.equal(r.groupVersion, 'v1');
  const by = (n: string): J => r.resources.find((x: J) => x.name === n);
  assert.deepEqual(by('pods').verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  assert.equal(by('pods').storageVersionHash, 'xPOwRZ+Yhw8=');
  assert.deepEqual(by('pods/exec'), { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] });
  assert.deepEqual(by('pods/log').verbs, ['get']);
  assert.equal(by('pods/log').kind, 'Pod');
  assert.deepEqual(by('pods/binding').verbs, ['create']);
  assert.equal(by('pods/binding').kind, 'Binding');
  assert.deepEqual(by('pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  assert.deepEqual(by('namespaces/finalize').verbs, ['update']);
  assert.equal(by('namespaces/finalize').namespaced, false);
  const apps = get('/apis/apps/v1').body;
  const scale = apps.resources.find((x: J) => x.name === 'deployments/scale');
  assert.deepEqual(scale, { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  assert.equal(get('/apis/autoscaling/v1').body.resources[0].kind, 'HorizontalPodAutoscaler');
  assert.equal(get('/apis/apps/v2').status, 404);
});

test('ETag round trip answers 304', () => {
  const first = discoveryResponse('/apis', V2, testDefs);
  assert.ok(first);
  const again = discoveryResponse('/apis', V2, testDefs, { ifNoneMatch: first.headers.ETag ?? '' });
  assert.equal(again?.status, 304);
});

test('version priority', () => {
  assert.deepEqual(['v1beta1', 'v1', 'v2alpha1', 'v2', 'v1beta2'].sort(compareVersions), ['v2', 'v1', 'v1beta2', 'v1beta1', 'v2alpha1']);
});
