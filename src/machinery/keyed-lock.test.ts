import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedLock } from './keyed-lock';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('KeyedLock: same key runs one at a time, other keys run alongside, errors release', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const job = (name: string, keys: string[]) => lock.run(keys, async () => {
    log.push(`${name}+`);
    await tick();
    await tick();
    log.push(`${name}-`);
  });
  await Promise.all([job('a', ['x']), job('b', ['x']), job('c', ['y'])]);
  // b waits for a (same key); c ran while a held x.
  assert.ok(log.indexOf('b+') > log.indexOf('a-'));
  assert.ok(log.indexOf('c+') < log.indexOf('a-'));
  await assert.rejects(lock.run(['x'], async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await lock.run(['x', 'y'], async () => 7), 7);
});
