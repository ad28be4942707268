import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AccessRequest, type Decision, type Policy, type Subject, authorize, rulesFor } from './authorization';

const admin: Subject = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const alice: Subject = { name: 'alice', groups: ['system:authenticated'] };
const anonymous: Subject = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

const allow = (reason = ''): Decision => ({ allowed: true, denied: false, reason });
const noOpinion: Decision = { allowed: false, denied: false, reason: '' };
const rbac = (binding: string, group: string) =>
  allow(`RBAC: allowed by ClusterRoleBinding "${binding}" of ClusterRole "${binding}" to Group "${group}"`);

describe('authorize with the default policy', () => {
  const cases: [string, Subject, AccessRequest, Decision][] = [
    ['masters: any resource verb', admin, { resource: { verb: 'create', resource: 'pods', namespace: 'default' } }, allow()],
    ['masters: wildcards', admin, { resource: { verb: '*', group: '*', resource: '*' } }, allow()],
    ['masters: a subresource', admin, { resource: { verb: 'get', resource: 'pods', subresource: 'log' } }, allow()],
    ['masters: any path', admin, { nonResource: { verb: 'delete', path: '/metrics' } }, allow()],
    ['user: create access reviews', alice, { resource: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' } },
      rbac('system:basic-user', 'system:authenticated')],
    ['user: whoami', alice, { resource: { verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews' } },
      rbac('system:basic-user', 'system:authenticated')],
    ['user: the group must match too', alice, { resource: { verb: 'create', group: '', resource: 'selfsubjectreviews' } }, noOpinion],
    ['user: pods', alice, { resource: { verb: 'get', resource: 'pods' } }, noOpinion],
    ['user: discovery', alice, { nonResource: { verb: 'get', path: '/apis/apps/v1' } }, rbac('system:discovery', 'system:authenticated')],
    ['user: /api itself', alice, { nonResource: { verb: 'get', path: '/api' } }, rbac('system:discovery', 'system:authenticated')],
    ['user: only get on discovery', alice, { nonResource: { verb: 'post', path: '/api' } }, noOpinion],
    ['user: /metrics', alice, { nonResource: { verb: 'get', path: '/metrics' } }, noOpinion],
    ['anonymous: /healthz', anonymous, { nonResource: { verb: 'get', path: '/healthz' } },
      rbac('system:public-info-viewer', 'system:unauthenticated')],
    ['anonymous: not /healthz/etcd', anonymous, { nonResource: { verb: 'get', path: '/healthz/etcd' } }, noOpinion],
    ['anonymous: no discovery', anonymous, { nonResource: { verb: 'get', path: '/api' } }, noOpinion],
    ['anonymous: no reviews', anonymous, { resource: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' } }, noOpinion],
  ];
  for (const [name, user, req, want] of cases) {
    test(name, () => assert.deepEqual(authorize(user, req), want));
  }
});

describe('authorize with a custom policy', () => {
  const viewer = {
    name: 'pod-reader',
    resourceRules: [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] },
      { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
    ],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }],
  };
  const policy: Policy = { privilegedGroups: [], bindings: [{ name: 'readers', role: viewer, groups: ['team'] }] };
  const member: Subject = { name: 'bob', groups: ['team'] };
  const reason = allow('RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "pod-reader" to Group "team"');
  const cases: [string, AccessRequest, Decision][] = [
    ['listed verb and resource', { resource: { verb: 'list', resource: 'pods' } }, reason],
    ['unlisted verb', { resource: { verb: 'delete', resource: 'pods' } }, noOpinion],
    ['pods/log is not pods', { resource: { verb: 'get', resource: 'pods', subresource: 'log' } }, noOpinion],
    ['*/status matches any status', { resource: { verb: 'get', resource: 'services', subresource: 'status' } }, reason],
    ['resourceNames: the named object', { resource: { verb: 'get', group: 'apps', resource: 'deployments', name: 'web' } }, reason],
    ['resourceNames: another object', { resource: { verb: 'get', group: 'apps', resource: 'deployments', name: 'db' } }, noOpinion],
    ['resourceNames: the collection', { resource: { verb: 'get', group: 'apps', resource: 'deployments' } }, noOpinion],
    ['path prefix', { nonResource: { verb: 'get', path: '/logs/kubelet.log' } }, reason],
    ['the prefix needs its slash', { nonResource: { verb: 'get', path: '/logs' } }, noOpinion],
  ];
  for (const [name, req, want] of cases) {
    test(name, () => assert.deepEqual(authorize(member, req, policy), want));
  }
  test('a member of no bound group', () => assert.deepEqual(authorize(alice, { resource: { verb: 'list', resource: 'pods' } }, policy), noOpinion));
});

describe('rulesFor', () => {
  test('masters get the wildcard rules first, then what every authenticated user has', () => {
    const r = rulesFor(admin, 'default');
    assert.equal(r.incomplete, false);
    assert.deepEqual(r.resourceRules[0], { verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    assert.deepEqual(r.nonResourceRules[0], { verbs: ['*'], nonResourceURLs: ['*'] });
    assert.deepEqual(r.resourceRules.slice(1), rulesFor(alice, 'default').resourceRules);
    assert.deepEqual(r.nonResourceRules.slice(1), rulesFor(alice, 'default').nonResourceRules);
  });
  test('an authenticated user: basic-user, discovery and public-info-viewer', () => {
    const r = rulesFor(alice, 'kube-system');
    assert.deepEqual(r.resourceRules.map((x) => x.resources), [['selfsubjectreviews'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']]);
    assert.equal(r.nonResourceRules.length, 2);
    assert.ok(r.nonResourceRules[0]?.nonResourceURLs.includes('/openapi/*'));
  });
  test('anonymous: public info only', () => {
    assert.deepEqual(rulesFor(anonymous, 'default'), {
      resourceRules: [],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }],
      incomplete: false,
    });
  });
  test('the answer is a copy: changing it leaves the policy alone', () => {
    rulesFor(admin, 'default').resourceRules[0]?.verbs.push('mutated');
    assert.deepEqual(rulesFor(admin, 'default').resourceRules[0]?.verbs, ['*']);
  });
});
