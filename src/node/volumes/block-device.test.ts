import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitDev } from './block-device';

test('splitDev: Linux dev_t encoding (glibc major/minor)', () => {
  const cases: [bigint, number, number][] = [
    [0x0700n, 7, 0],
    [0x0705n, 7, 5],
    [0x0803n, 8, 3],
    [0x10300n, 259, 0],
    // minor above 255 spills into bits 20..
    [(7n << 8n) | 0x2an | (0x1n << 20n), 7, 0x12a],
    // major above 4095 lives in the high word
    [(0x1000n << 32n) | 0x0001n, 0x1000, 1],
  ];
  for (const [dev, major, minor] of cases) assert.deepEqual(splitDev(dev), { major, minor }, dev.toString(16));
});
