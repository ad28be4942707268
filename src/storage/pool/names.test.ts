import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameError } from './names';

test('names: Docker and DNS-1123 names pass; paths, dots and empty names do not', () => {
  const ok = ['data', 'pvc-0f8c2e1a-7b7e-4d3c-9c55-1f0e6d1c2b3a', 'My_Vol.1', 'a-b', '0a'];
  for (const n of ok) assert.equal(nameError(n), undefined, n);
  const bad = ['', 'a', '.hidden', '-x', '_x', 'a/b', '..', 'a..b', '../etc', 'a b', 'é1', 'x'.repeat(201)];
  for (const n of bad) assert.match(nameError(n) ?? '', /^Invalid volume name/, n);
  assert.match(nameError('a/b', 'snapshot') ?? '', /^Invalid snapshot name "a\/b"/);
});
