import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeTimer } from '../testing/fake-timer';
import { Expectations } from './expectations';

test('creations are satisfied once every one is observed', () => {
  const e = new Expectations(new FakeTimer());
  assert.equal(e.satisfied('ns/rs'), true, 'no record');
  e.expectCreations('ns/rs', 2);
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('deletions are tracked by pod UID; an unrelated UID does not count', () => {
  const e = new Expectations(new FakeTimer());
  e.expectDeletions('ns/rs', ['a', 'b']);
  e.deletionObserved('ns/rs', 'zzz');
  e.deletionObserved('ns/rs', 'a');
  assert.equal(e.satisfied('ns/rs'), false);
  e.deletionObserved('ns/rs', 'b');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('expectations expire after the TTL', () => {
  const t = new FakeTimer();
  const e = new Expectations(t, 1000);
  e.expectCreations('k', 3);
  t.advance(1000);
  assert.equal(e.satisfied('k'), false);
  t.advance(1);
  assert.equal(e.satisfied('k'), true);
});
