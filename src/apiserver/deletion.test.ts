import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finishedDeleting, withPolicyFinalizers } from './deletion';

test('withPolicyFinalizers', () => {
  const cases: [string[], 'Orphan' | 'Background' | 'Foreground' | undefined, string[]][] = [
    [[], undefined, []],
    [['x'], undefined, ['x']],
    [[], 'Orphan', ['orphan']],
    [['foregroundDeletion'], 'Orphan', ['orphan']],
    [[], 'Foreground', ['foregroundDeletion']],
    [['orphan', 'x'], 'Foreground', ['x', 'foregroundDeletion']],
    [['orphan', 'foregroundDeletion', 'x'], 'Background', ['x']],
    [['orphan'], undefined, ['orphan']],
  ];
  for (const [current, policy, want] of cases) assert.deepEqual(withPolicyFinalizers(current, policy), want, `${JSON.stringify(current)} ${policy ?? '-'}`);
});

test('finishedDeleting', () => {
  const o = (meta: Record<string, unknown>) => ({ metadata: meta });
  assert.equal(finishedDeleting(o({})), false);
  assert.equal(finishedDeleting(o({ deletionTimestamp: 't' })), true);
  assert.equal(finishedDeleting(o({ deletionTimestamp: 't', finalizers: ['a'] })), false);
  assert.equal(finishedDeleting(o({ deletionTimestamp: 't', deletionGracePeriodSeconds: 30 })), false);
  assert.equal(finishedDeleting(o({ deletionTimestamp: 't', deletionGracePeriodSeconds: 0, finalizers: [] })), true);
});
