import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue, backoffDelay } from './queue';
import { FakeTimer, flushMicrotasks } from './testing/fake-timer';

test('backoff doubles from 5ms and caps at 1000s like client-go', () => {
  const table: [number, number][] = [[0, 5], [1, 10], [2, 20], [10, 5120], [17, 655_360], [18, 1_000_000], [100, 1_000_000]];
  for (const [n, want] of table) assert.equal(backoffDelay(n, 5, 1_000_000), want, `n=${n}`);
});

test('a key is held once and a re-add during processing runs again after done', async () => {
  const q = new WorkQueue({ timer: new FakeTimer() });
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  const k = await q.get();
  assert.equal(k, 'a');
  q.add('a'); // while processing: not handed to anyone else
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'b');
  q.done('a');
  assert.equal(await q.get(), 'a');
});

test('addRateLimited waits base*2^n and forget resets', () => {
  const timer = new FakeTimer();
  const q = new WorkQueue({ timer });
  q.addRateLimited('x');
  assert.deepEqual(timer.waiting(), [5]);
  timer.advance(5);
  assert.equal(q.length, 1);
  q.addRateLimited('x');
  q.addRateLimited('x'); // sooner pending add (10ms) wins over 20ms
  assert.deepEqual(timer.waiting(), [10]);
  assert.equal(q.numRequeues('x'), 3);
  q.forget('x');
  assert.equal(q.numRequeues('x'), 0);
});

test('workers process, retry failures with backoff, and stop on abort', async () => {
  const timer = new FakeTimer();
  const q = new WorkQueue({ timer });
  const seen: string[] = [];
  let fail = 2;
  const ac = new AbortController();
  const running = q.run(2, async (k) => {
    seen.push(k);
    if (k === 'bad' && fail-- > 0) throw new Error('boom');
  }, ac.signal);
  q.add('good');
  q.add('bad');
  await flushMicrotasks();
  assert.deepEqual(seen, ['good', 'bad']);
  timer.advance(5);
  await flushMicrotasks();
  timer.advance(10);
  await flushMicrotasks();
  assert.deepEqual(seen, ['good', 'bad', 'bad', 'bad']);
  assert.equal(q.numRequeues('bad'), 0);
  await q.idle();
  ac.abort();
  await running;
  q.add('late');
  assert.equal(q.length, 0);
});
