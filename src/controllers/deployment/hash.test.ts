import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, computeHash, fnv32a, safeEncode } from './hash';

test('FNV-32a matches the reference vectors', () => {
  const cases: [string, number][] = [['', 0x811c9dc5], ['a', 0xe40c292c], ['foobar', 0xbf9cf968]];
  for (const [s, want] of cases) assert.equal(fnv32a(Buffer.from(s)), want, s);
});

test('SafeEncodeString maps digits as upstream does', () => {
  assert.equal(safeEncode('0123456789'), '456789bcdf');
});

test('the hash ignores key order, changes with the template and the collision count', () => {
  const a = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const b = { spec: { containers: [{ image: 'busybox', name: 'c' }] }, metadata: { labels: { app: 'x' } } };
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(computeHash(a), computeHash(b));
  assert.notEqual(computeHash(a), computeHash({ ...a, spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
  assert.notEqual(computeHash(a), computeHash(a, 1));
  assert.match(computeHash(a), /^[456789bcdf]{1,10}$/);
});
