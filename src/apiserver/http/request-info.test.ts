import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResourcePath } from './request-info';

const q = (s = '') => new URLSearchParams(s);

test('resource paths resolve as kube-apiserver does', () => {
  const cases: [string, string, string, Record<string, unknown> | undefined][] = [
    ['GET', '/api/v1/pods', '', { group: '', version: 'v1', resource: 'pods', verb: 'list' }],
    ['GET', '/api/v1/namespaces/default/pods/p1', '', { group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'p1', verb: 'get' }],
    ['GET', '/api/v1/namespaces/default/pods', 'watch=true', { group: '', version: 'v1', namespace: 'default', resource: 'pods', verb: 'watch' }],
    ['GET', '/api/v1/namespaces/default/pods/p1', 'watch=true', { group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'p1', verb: 'get' }],
    ['GET', '/api/v1/watch/namespaces/default/pods/p1', '', { group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'p1', verb: 'watch' }],
    ['GET', '/api/v1/watch/namespaces/default/pods', '', { group: '', version: 'v1', namespace: 'default', resource: 'pods', verb: 'watch' }],
    ['GET', '/api/v1/namespaces/kube-system', '', { group: '', version: 'v1', namespace: 'kube-system', resource: 'namespaces', name: 'kube-system', verb: 'get' }],
    ['PUT', '/api/v1/namespaces/ns1/finalize', '', { group: '', version: 'v1', namespace: 'ns1', resource: 'namespaces', name: 'ns1', subresource: 'finalize', verb: 'update' }],
    ['PATCH', '/apis/apps/v1/namespaces/d/deployments/x/scale', '', { group: 'apps', version: 'v1', namespace: 'd', resource: 'deployments', name: 'x', subresource: 'scale', verb: 'patch' }],
    ['DELETE', '/apis/apps/v1/namespaces/d/deployments', '', { group: 'apps', version: 'v1', namespace: 'd', resource: 'deployments', verb: 'deletecollection' }],
    ['POST', '/api/v1/namespaces', '', { group: '', version: 'v1', resource: 'namespaces', verb: 'create' }],
    ['GET', '/apis/apps/v1', '', undefined],
    ['GET', '/api/v1', '', undefined],
    ['GET', '/healthz', '', undefined],
  ];
  for (const [m, p, query, want] of cases) assert.deepEqual(parseResourcePath(m, p, q(query)), want, `${m} ${p}`);
});
