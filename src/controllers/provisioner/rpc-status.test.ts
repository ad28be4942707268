import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsiError, type CsiCode } from '../../storage/csi/types';
import { isFinalError, isInfeasibleError, provisioningState, rpcErrorText } from './rpc-status';

test('rpcErrorText reads like grpc-go', () => {
  assert.equal(rpcErrorText(new CsiError('RESOURCE_EXHAUSTED', 'pool full')), 'rpc error: code = ResourceExhausted desc = pool full');
  assert.equal(rpcErrorText(new CsiError('INTERNAL', 'rpc error: code = Internal desc = x')), 'rpc error: code = Internal desc = x');
  assert.equal(rpcErrorText(new Error('plain')), 'plain');
});

test('what a code means for retries (provisioner checkError, resizer IsFinalError/IsInfeasibleError)', () => {
  const rows: [CsiCode | 'none', string, string, boolean, boolean][] = [
    // code, state (may reschedule), state (may not), final, infeasible
    ['RESOURCE_EXHAUSTED', 'reschedule', 'finished', false, false],
    ['DEADLINE_EXCEEDED', 'in-background', 'in-background', false, false],
    ['UNAVAILABLE', 'in-background', 'in-background', false, false],
    ['ABORTED', 'in-background', 'in-background', false, false],
    ['CANCELLED', 'in-background', 'in-background', false, false],
    ['INVALID_ARGUMENT', 'finished', 'finished', true, true],
    ['OUT_OF_RANGE', 'finished', 'finished', true, true],
    ['NOT_FOUND', 'finished', 'finished', true, true],
    ['INTERNAL', 'finished', 'finished', true, false],
    ['none', 'in-background', 'in-background', false, false],
  ];
  for (const [code, may, mayNot, final, infeasible] of rows) {
    const err = code === 'none' ? new Error('no status') : new CsiError(code, 'x');
    assert.deepEqual([provisioningState(err, true), provisioningState(err, false), isFinalError(err), isInfeasibleError(err)], [may, mayNot, final, infeasible], code);
  }
});
