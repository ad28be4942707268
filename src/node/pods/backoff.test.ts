import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff';

test('Backoff: immediate first retry, then 10 s doubling to 300 s, reset after 10 min idle', () => {
  const b = new Backoff();
  const s = 1000;
  assert.equal(b.inBackoffSince('c', 0, 0), false);
  b.next('c', 0);
  const delays: number[] = [];
  let t = 0;
  for (let i = 0; i < 8; i++) {
    assert.equal(b.inBackoffSince('c', t, t + b.delay('c') - 1), true);
    assert.equal(b.inBackoffSince('c', t, t + b.delay('c')), false);
    delays.push(b.delay('c') / s);
    t += b.delay('c');
    b.next('c', t);
  }
  assert.deepEqual(delays, [10, 20, 40, 80, 160, 300, 300, 300]);
  assert.equal(b.remaining('c', t, t + 100 * s), 200 * s);
  b.next('c', t + 601 * s);
  assert.equal(b.delay('c'), 10 * s);
  assert.equal(b.inBackoffSince('c', 0, t + 601 * s + 1202 * s), false);
});
