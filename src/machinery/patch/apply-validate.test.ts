// Applied configurations upstream cannot type (ObjectToTyped without AllowDuplicates) are rejected.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors';
import type { KObject } from '../types';
import { applyPatch } from './apply';

const now = new Date('2024-05-01T10:00:00Z');
const podOpts = { manager: 'm', force: false, now, apiVersion: 'v1', gvk: { group: '', version: 'v1', kind: 'Pod' } };
const pod = (container: Record<string, unknown>): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'i', ...container }] },
});
const badRequest = (message: string) => (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === message;

describe('applyPatch: configurations that do not type', () => {
  test('duplicate keys in an associative list are 400, worded as upstream', () => {
    assert.throws(
      () => applyPatch(undefined, pod({ env: [{ name: 'X', value: '1' }, { name: 'X', value: '2' }] }), podOpts),
      badRequest('failed to create typed patch object (default/p; /v1, Kind=Pod): .spec.containers[name="c"].env: duplicate entries for key [name="X"]'),
    );
  });

  test('an item without its key field (and no default) is 400', () => {
    assert.throws(
      () => applyPatch(undefined, pod({ env: [{ name: 'A' }, { value: '1' }] }), podOpts),
      badRequest('failed to create typed patch object (default/p; /v1, Kind=Pod): .spec.containers[name="c"].env: element 1: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)'),
    );
  });

  test('several problems are listed one per line', () => {
    const cfg = pod({ env: [{ name: 'X' }, { name: 'X' }] });
    (cfg.spec as { containers: unknown[] }).containers.push({ name: 'c' });
    assert.throws(
      () => applyPatch(undefined, cfg, podOpts),
      badRequest('failed to create typed patch object (default/p; /v1, Kind=Pod): errors:\n  .spec.containers[name="c"].env: duplicate entries for key [name="X"]\n  .spec.containers: duplicate entries for key [name="c"]'),
    );
  });

  test('a key field with a schema default may be omitted (ports: protocol defaults to TCP)', () => {
    const out = applyPatch(undefined, pod({ ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }] }), podOpts);
    assert.equal(((out.spec as { containers: { ports: unknown[] }[] }).containers[0]?.ports ?? []).length, 2);
  });
});
