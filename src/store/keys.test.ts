import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareKeys, lowerBound, prefixEnd } from './keys';

describe('keys', () => {
  test('compareKeys is UTF-8 byte order', () => {
    const words = ['b', 'a', '', 'ab', '\u{10000}', '\uffff', '\ue000', '\u00e9', 'a\u0000', '\u{10ffff}'];
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...words].sort(compareKeys), byBytes);
    assert.equal(compareKeys('x', 'x'), 0);
  });

  test('prefixEnd bounds exactly the keys with the prefix', () => {
    assert.equal(prefixEnd('/a/'), '/a0');
    assert.equal(prefixEnd('a\uffff'), 'a\u{10000}');
    assert.equal(prefixEnd('a\u{10ffff}'), 'b');
    assert.equal(prefixEnd('a\ud7ff'), 'a\ue000');
    assert.equal(prefixEnd(''), undefined);
    assert.equal(prefixEnd('\u{10ffff}\u{10ffff}'), undefined);
    for (const p of ['/a/', 'a\uffff', 'x%', 'a\u{10ffff}']) {
      const end = prefixEnd(p) as string;
      for (const k of [p, `${p}\u{10ffff}zz`, `${p}\u0000`]) assert.ok(compareKeys(k, end) < 0, `${k} < ${end}`);
    }
  });

  test('lowerBound finds insertion points', () => {
    const sorted = ['a', 'b', 'b', 'd'];
    assert.equal(lowerBound(sorted, 'b'), 1);
    assert.equal(lowerBound(sorted, 'b', true), 3);
    assert.equal(lowerBound(sorted, 'c'), 3);
    assert.equal(lowerBound(sorted, 'z'), 4);
    assert.equal(lowerBound([], 'a'), 0);
  });
});
