import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Payload } from '../../storage/payload';
import { secretTmpfsSize } from './set-up-volume';

test('secretTmpfsSize: room for three copies, at least 4 MiB, whole MiB', () => {
  const MiB = 1024 * 1024;
  const p = (...sizes: number[]): Payload => new Map(sizes.map((n, i) => [`k${i}`, { data: Buffer.alloc(n), mode: 0o644 }]));
  const cases: [Payload, number][] = [
    [p(), 4 * MiB],
    [p(1000 * 1024), 4 * MiB],
    [p(MiB, MiB), 7 * MiB],
  ];
  for (const [payload, want] of cases) assert.equal(secretTmpfsSize(payload), BigInt(want));
});
