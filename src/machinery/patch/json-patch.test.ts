import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors';
import { applyJsonPatch } from './json-patch';

// Cases from evanphx/json-patch patch_test.go (v4 semantics) and RFC 6902 appendix A.
const ok: [string, unknown, unknown[], unknown][] = [
  ['add member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { foo: 'bar', baz: 'qux' }],
  ['add array item', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
  ['append with -', { foo: [1] }, [{ op: 'add', path: '/foo/-', value: 2 }], { foo: [1, 2] }],
  ['negative index', { foo: [1, 2] }, [{ op: 'add', path: '/foo/-1', value: 3 }], { foo: [1, 2, 3] }],
  ['remove', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
  ['remove array item', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
  ['replace', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
  ['replace missing key adds it (v4)', { foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 1 }], { foo: 'bar', baz: 1 }],
  ['move', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }], { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
  ['move array', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
  ['copy', { foo: { a: 1 } }, [{ op: 'copy', from: '/foo', path: '/bar' }], { foo: { a: 1 }, bar: { a: 1 } }],
  ['escapes ~0 ~1', { 'a/b': 1, 'm~n': 2 }, [{ op: 'test', path: '/a~1b', value: 1 }, { op: 'remove', path: '/m~0n' }], { 'a/b': 1 }],
  ['test passes', { baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
  ['test null on missing', { a: 1 }, [{ op: 'test', path: '/b', value: null }], { a: 1 }],
  ['add without value is null', { a: 1 }, [{ op: 'add', path: '/b' }], { a: 1, b: null }],
];

const bad: [string, unknown, unknown[], string][] = [
  ['remove missing', { a: 1 }, [{ op: 'remove', path: '/b' }], "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value"],
  ['missing parent', { a: 1 }, [{ op: 'add', path: '/x/y', value: 1 }], 'add operation does not apply: doc is missing path: "/x/y": missing value'],
  ['test fails', { a: 1 }, [{ op: 'test', path: '/a', value: 2 }], 'testing value /a failed: test failed'],
  ['index out of range', { a: [1] }, [{ op: 'add', path: '/a/5', value: 1 }], "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced"],
  ['unknown op', { a: 1 }, [{ op: 'frob', path: '/a' }], 'Unexpected kind: frob'],
  ['replace missing index', { a: [] }, [{ op: 'replace', path: '/a/0', value: 1 }], 'replace operation does not apply: doc is missing key: /a/0: missing value'],
];

describe('applyJsonPatch', () => {
  for (const [name, doc, patch, want] of ok) {
    test(name, () => assert.deepEqual(applyJsonPatch(doc, patch), want));
  }
  for (const [name, doc, patch, cause] of bad) {
    test(`422: ${name}`, () => {
      assert.throws(
        () => applyJsonPatch(doc, patch),
        (e: unknown) =>
          e instanceof ApiError &&
          e.code === 422 &&
          e.reason === 'Invalid' &&
          e.message === 'the server rejected our request due to an error in our request' &&
          JSON.stringify(e.details) === '{}' &&
          (e.cause as Error).message === cause,
      );
    });
  }
  test('400 for a document that is not an array', () => {
    assert.throws(
      () => applyJsonPatch({}, { op: 'add' }),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  });
  test('413 past 10000 operations', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 }));
    assert.throws(() => applyJsonPatch({ a: 1 }, ops), (e: unknown) => e instanceof ApiError && e.code === 413);
  });
  test('422 once copies add more than 3 MiB (AccumulatedCopySizeLimit), before memory runs out', () => {
    // Each op copies /a into itself, doubling it: 40 steps would need about a terabyte.
    const ops = Array.from({ length: 40 }, () => ({ op: 'copy', from: '/a', path: '/a/-' }));
    let cause = '';
    assert.throws(
      () => applyJsonPatch({ a: ['x'.repeat(1000)] }, ops),
      (e: unknown) => {
        cause = e instanceof ApiError && e.code === 422 ? (e.cause as Error).message : '';
        return cause !== '';
      },
    );
    const m = /^Unable to complete the copy, the accumulated size increase of copy is (\d+), exceeding the limit 3145728$/.exec(cause);
    assert.ok(m, cause);
    assert.ok(Number(m[1]) > 3145728 && Number(m[1]) < 2 * 3145728 + 2048);
  });
  test('copies under the limit still apply', () => {
    const ops = Array.from({ length: 5 }, () => ({ op: 'copy', from: '/a', path: '/a/-' }));
    assert.equal((applyJsonPatch({ a: [1] }, ops) as { a: unknown[] }).a.length, 6);
  });
  test('does not mutate its input', () => {
    const doc = { a: { b: 1 } };
    applyJsonPatch(doc, [{ op: 'replace', path: '/a/b', value: 2 }]);
    assert.deepEqual(doc, { a: { b: 1 } });
  });
});
