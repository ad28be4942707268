// A resource that serves only some verbs (the create-only reviews) is published that way:
// discovery lists just those verbs and OpenAPI just their operations.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selfSubjectAccessReviewDef } from '../machinery/resources/access-review';
import { discoverGroups } from './discovery/model';
import { resourcePaths } from './openapi/operations';
import { testDefs } from './discovery/test-defs';

describe('served verbs', () => {
  const groups = discoverGroups([...testDefs, selfSubjectAccessReviewDef]);
  const resource = (group: string, plural: string) =>
    groups.find((g) => g.name === group)?.versions[0]?.resources.find((r) => r.plural === plural);

  test('discovery: a review lists create only, and has no storage version hash', () => {
    const r = resource('authorization.k8s.io', 'selfsubjectaccessreviews');
    assert.deepEqual(r?.verbs, ['create']);
    assert.equal(r?.storageVersionHash, undefined);
    assert.equal(r?.namespaced, false);
  });

  test('discovery: a stored kind keeps all eight verbs', () => {
    assert.deepEqual(resource('', 'pods')?.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  });

  test('openapi: a review has one path with one POST', () => {
    const items = resourcePaths(selfSubjectAccessReviewDef, 'v1');
    assert.deepEqual(items.map((i) => i.path), ['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews']);
    assert.deepEqual(items[0]?.ops.map((o) => `${o.method} ${o.operationId}`), ['post createAuthorizationV1SelfSubjectAccessReview']);
  });

  test('openapi: a stored kind keeps its paths, status and scale included', () => {
    const deploy = testDefs.find((d) => d.plural === 'deployments');
    assert.ok(deploy);
    const paths = resourcePaths(deploy, 'v1').map((i) => i.path);
    assert.ok(paths.includes('/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'));
    assert.ok(paths.includes('/apis/apps/v1/watch/deployments'));
    assert.equal(paths.length, 8);
  });
});
