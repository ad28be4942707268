import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPathSegmentName, nameIsDNSSubdomain } from './names';

describe('names', () => {
  test('DNS-1123 subdomain message', () => {
    assert.deepEqual(isDNS1123Subdomain('Abc'), [
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    assert.deepEqual(isDNS1123Subdomain('a.b-c'), []);
    assert.equal(isDNS1123Subdomain('a'.repeat(254))[0], 'must be no more than 253 characters');
  });
  test('DNS-1123 label', () => {
    assert.deepEqual(isDNS1123Label('my-name'), []);
    assert.equal(isDNS1123Label('a.b').length, 1);
    assert.equal(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 characters');
  });
  test('qualified names and label values', () => {
    assert.deepEqual(isQualifiedName('example.com/My_name'), []);
    assert.deepEqual(isQualifiedName('/a'), ['prefix part must be non-empty']);
    assert.equal(isQualifiedName('a/b/c').length, 1);
    assert.ok(isQualifiedName('a/b/c')[0]?.startsWith('a qualified name must consist of'));
    assert.deepEqual(isValidLabelValue(''), []);
    assert.ok(isValidLabelValue('-x')[0]?.startsWith("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"));
  });
  test('config keys and path segments', () => {
    assert.deepEqual(isConfigMapKey('key.name'), []);
    assert.deepEqual(isConfigMapKey('..a'), ["must not start with '..'"]);
    assert.ok(isConfigMapKey('a/b')[0]?.startsWith("a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
    assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isValidPathSegmentName('a/b%'), ["may not contain '/'", "may not contain '%'"]);
  });
});

describe('object meta', () => {
  const opts = { namespaced: true, nameFn: nameIsDNSSubdomain };
  const msgs = (errs: ReturnType<typeof validateObjectMeta>) => errs.map((e) => fieldErrorMessage(e));
  test('name or generateName required; namespace required', () => {
    assert.deepEqual(msgs(validateObjectMeta({}, opts)), ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']);
    assert.deepEqual(msgs(validateObjectMeta({ name: 'a', namespace: 'x' }, { ...opts, namespaced: false })), ['metadata.namespace: Forbidden: not allowed on this type']);
  });
  test('generateName may end with a dash', () => {
    assert.deepEqual(msgs(validateObjectMeta({ generateName: 'web-', name: 'web-abcde', namespace: 'default' }, opts)), []);
  });
  test('labels, annotations, owners, finalizers', () => {
    const m = msgs(
      validateObjectMeta(
        {
          name: 'a',
          namespace: 'default',
          labels: { 'bad key!': 'v' },
          annotations: { big: 'x'.repeat(256 * 1024) },
          ownerReferences: [{ apiVersion: '', kind: 'K', name: 'n', uid: 'u', controller: true }, { apiVersion: 'v1', kind: 'K', name: 'm', uid: 'u2', controller: true }],
          finalizers: ['orphan', 'foregroundDeletion'],
        },
        opts,
      ),
    );
    assert.ok(m[0]?.startsWith('metadata.labels: Invalid value: "bad key!": name part must consist of'));
    assert.ok(m.some((x) => x.startsWith('metadata.annotations: Too long')));
    assert.ok(m.includes('metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty'));
    assert.ok(m.some((x) => x.includes('Only one reference can have Controller set to true. Found "true" in references for K/n and K/m')));
    assert.ok(m.some((x) => x.endsWith('finalizer orphan and foregroundDeletion cannot be both set')));
  });
  test('update immutables', () => {
    const old = { name: 'a', namespace: 'default', uid: '1', resourceVersion: '5', creationTimestamp: '2024-01-01T00:00:00Z' };
    assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old }, old)), []);
    assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, uid: '2', resourceVersion: '' }, old)), [
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.uid: Invalid value: "2": field is immutable',
    ]);
  });
});
