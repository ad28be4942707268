import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../errors';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { selfSubjectAccessReviewDef, selfSubjectRulesReviewDef, validateSelfSubjectAccessReview } from './access-review';
import { selfSubjectReviewDef } from './selfsubjectreview';

const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const alice = { name: 'alice', groups: ['system:authenticated'] };
const now = new Date('2026-03-04T05:06:07.890Z');

const ssar = (spec: unknown, metadata: KObject['metadata'] = {}): KObject => ({ metadata, spec });
const messages = (o: KObject): string[] => validateSelfSubjectAccessReview(o).map((e) => fieldErrorMessage(e));

describe('SelfSubjectAccessReview validation', () => {
  const cases: [string, KObject, string[]][] = [
    ['resource attributes', ssar({ resourceAttributes: { verb: 'get', resource: 'pods' } }), []],
    ['empty resource attributes are enough', ssar({ resourceAttributes: {} }), []],
    ['non-resource attributes', ssar({ nonResourceAttributes: { path: '/x', verb: 'get' } }), []],
    ['kubectl 1.27 metadata', ssar({ resourceAttributes: {} }, { creationTimestamp: null } as unknown as KObject['metadata']), []],
    ['managedFields are ignored', ssar({ resourceAttributes: {} }, { managedFields: [{ manager: 'x' }] }), []],
    ['neither', ssar({}),
      ['spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified']],
    ['null counts as absent', ssar({ resourceAttributes: null, nonResourceAttributes: null }),
      ['spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified']],
    ['both', ssar({ resourceAttributes: {}, nonResourceAttributes: { path: '/x' } }),
      ['spec.nonResourceAttributes: Invalid value: {"Path":"/x","Verb":""}: cannot be specified in combination with resourceAttributes']],
    ['metadata must be empty', ssar({ resourceAttributes: {} }, { name: 'n', labels: { a: 'b' } }),
      ['metadata: Invalid value: {"name":"n","creationTimestamp":null,"labels":{"a":"b"}}: must be empty']],
    ['field selector: both forms', ssar({ resourceAttributes: { fieldSelector: { rawSelector: 'a=b', requirements: [{ key: 'a', operator: 'In', values: ['b'] }] } } }),
      ['spec.resourceAttributes.fieldSelector.rawSelector: Invalid value: "a=b": may not specified at the same time as requirements']],
    ['field selector: neither form', ssar({ resourceAttributes: { fieldSelector: {} } }),
      ['spec.resourceAttributes.fieldSelector.requirements: Required value: when spec.resourceAttributes.fieldSelector is specified, requirements or rawSelector is required']],
    ['field selector: no key', ssar({ resourceAttributes: { fieldSelector: { requirements: [{ key: '', operator: 'Exists' }] } } }),
      ['spec.resourceAttributes.fieldSelector.requirements[0].key: Required value: must be specified']],
    ['field selector: In without values', ssar({ resourceAttributes: { fieldSelector: { requirements: [{ key: 'k', operator: 'In', values: [] }] } } }),
      ["spec.resourceAttributes.fieldSelector.requirements[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
    ['field selector: unknown operators pass', ssar({ resourceAttributes: { fieldSelector: { requirements: [{ key: 'k', operator: 'Fake', values: ['v'] }] } } }), []],
    ['label selector: Exists with values', ssar({ resourceAttributes: { labelSelector: { requirements: [{ key: 'k', operator: 'Exists', values: ['v'] }] } } }),
      ["spec.resourceAttributes.labelSelector.requirements[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]],
    ['label selector: empty key', ssar({ resourceAttributes: { labelSelector: { requirements: [{ key: '' }] } } }),
      ['spec.resourceAttributes.labelSelector.requirements[0].key: Invalid value: "": name part must be non-empty']],
    ['label selector: raw only', ssar({ resourceAttributes: { labelSelector: { rawSelector: 'a in (b)' } } }), []],
  ];
  for (const [name, o, want] of cases) {
    test(name, () => {
      const got = messages(o);
      if (want.length === 0) assert.deepEqual(got, []);
      // Upstream's own tests match the first error; later ones (e.g. the label key's regex) may follow.
      else assert.deepEqual(got.slice(0, want.length), want);
    });
  }
});

describe('SelfSubjectAccessReview review', () => {
  test('masters: allowed, no reason; spec and metadata echoed', () => {
    const spec = { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } };
    assert.deepEqual(selfSubjectAccessReviewDef.review?.(ssar(spec), admin, now), { metadata: {}, spec, status: { allowed: true } });
  });
  test('a status sent by the client is replaced', () => {
    const o = { ...ssar({ nonResourceAttributes: { path: '/metrics', verb: 'get' } }), status: { allowed: true, reason: 'forged' } };
    assert.deepEqual(selfSubjectAccessReviewDef.review?.(o, alice, now).status, { allowed: false });
  });
  test('an RBAC allow carries its reason', () => {
    const o = ssar({ nonResourceAttributes: { path: '/version', verb: 'get' } });
    assert.deepEqual(selfSubjectAccessReviewDef.review?.(o, alice, now).status, {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
    });
  });
  test('only create is served', () => assert.deepEqual(selfSubjectAccessReviewDef.verbs, ['create']));
});

describe('SelfSubjectRulesReview review', () => {
  test('a fresh object with the rules of the user', () => {
    const out = selfSubjectRulesReviewDef.review?.({ metadata: {}, spec: { namespace: 'default' } }, admin, now);
    assert.deepEqual(out?.spec, {});
    assert.deepEqual(out?.metadata, {});
    const status = out?.status as { resourceRules: unknown[]; nonResourceRules: unknown[]; incomplete: boolean };
    assert.deepEqual(status.resourceRules[0], { verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    assert.deepEqual(status.nonResourceRules[0], { verbs: ['*'], nonResourceURLs: ['*'] });
    assert.equal(status.incomplete, false);
  });
  test('a namespace is required', () => {
    assert.throws(() => selfSubjectRulesReviewDef.review?.({ metadata: {}, spec: {} }, admin, now),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'no namespace on request');
  });
});

describe('SelfSubjectReview review', () => {
  test('the user, stamped with the time of the review; the body is ignored', () => {
    const out = selfSubjectReviewDef.review?.({ metadata: { name: 'ignored' }, status: { userInfo: { username: 'x' } } }, admin, now);
    assert.deepEqual(out, {
      metadata: { creationTimestamp: '2026-03-04T05:06:07Z' },
      status: { userInfo: { username: 'admin', groups: ['system:masters', 'system:authenticated'] } },
    });
  });
});
