import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors';
import { applyMergePatch } from './merge-patch';

// RFC 7386 appendix A, plus json-patch merge_test.go cases.
const cases: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  [{ a: 'foo' }, ['c'], ['c']],
];

describe('applyMergePatch', () => {
  cases.forEach(([doc, patch, want], i) => test(`case ${i}`, () => assert.deepEqual(applyMergePatch(doc, patch), want)));
  test('null or scalar patch is 400 Invalid JSON Patch', () => {
    for (const p of [null, 'x', 3]) {
      assert.throws(() => applyMergePatch({}, p), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'Invalid JSON Patch');
    }
  });
});
