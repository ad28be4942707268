import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesOf, quantityOfBytes } from './sizes';

// Below 1024 a BinarySI quantity prints as DecimalSI, as Go's does (1000 -> "1k").
test('quantities to bytes (rounded up) and bytes to BinarySI quantities', () => {
  assert.deepEqual(['1Gi', '1G', '500M', '1.5Ki', 0, undefined, 'bogus'].map(bytesOf), [1n << 30n, 1_000_000_000n, 500_000_000n, 1536n, 0n, undefined, undefined]);
  assert.deepEqual([1n << 30n, 1536n << 20n, 1_000_000_000n, 1000n].map(quantityOfBytes), ['1Gi', '1536Mi', '1000000000', '1k']);
});
