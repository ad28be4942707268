import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VolumeCapability } from '../types';
import { capabilityFromWire, capabilityToWire, codeName, codeNumber, int64, snapshotFromWire, timestampToWire, volumeFromWire } from './codec';

describe('capabilities', () => {
  const cases: [VolumeCapability, object][] = [
    [{ accessType: 'block', accessMode: 'SINGLE_NODE_WRITER' }, { block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }],
    [{ accessType: 'mount', accessMode: 'MULTI_NODE_READER_ONLY' }, { mount: {}, access_mode: { mode: 'MULTI_NODE_READER_ONLY' } }],
    [
      { accessType: 'mount', fsType: 'xfs', mountFlags: ['noatime'], accessMode: 'SINGLE_NODE_SINGLE_WRITER' },
      { mount: { fs_type: 'xfs', mount_flags: ['noatime'] }, access_mode: { mode: 'SINGLE_NODE_SINGLE_WRITER' } },
    ],
  ];
  for (const [cap, wire] of cases) {
    test(`${cap.accessType} ${cap.accessMode} both ways`, () => {
      assert.deepEqual(capabilityToWire(cap), wire);
      assert.deepEqual(capabilityFromWire(wire), cap);
    });
  }
  test('unknown access mode or no access type is rejected', () => {
    assert.equal(capabilityFromWire({ mount: {}, access_mode: { mode: 'UNKNOWN' } }), undefined);
    assert.equal(capabilityFromWire({ access_mode: { mode: 'SINGLE_NODE_WRITER' } }), undefined);
    assert.equal(capabilityFromWire(undefined), undefined);
  });
});

describe('scalars and status codes', () => {
  test('int64 strings to bigint', () => {
    assert.equal(int64('9223372036854775807'), 9223372036854775807n);
    assert.equal(int64(undefined), 0n);
    assert.equal(int64(''), 0n);
  });
  test('timestamps', () => {
    assert.deepEqual(timestampToWire(1_700_000_000_123), { seconds: '1700000000', nanos: 123_000_000 });
    const s = snapshotFromWire({ snapshot_id: 's', creation_time: { seconds: '1700000000', nanos: 123_999_999 } }, 'CreateSnapshot');
    assert.equal(s.creationTimeMs, 1_700_000_000_123);
  });
  const codes: [number, string][] = [[0, 'OK'], [4, 'DEADLINE_EXCEEDED'], [5, 'NOT_FOUND'], [6, 'ALREADY_EXISTS'], [9, 'FAILED_PRECONDITION'], [14, 'UNAVAILABLE'], [15, 'INTERNAL'], [16, 'PERMISSION_DENIED'], [99, 'UNKNOWN']];
  for (const [n, name] of codes) test(`status ${n} is ${name}`, () => assert.equal(codeName(n), name));
  test('names back to numbers', () => assert.equal(codeNumber('NOT_FOUND'), 5));
  test('answers without ids are INTERNAL errors naming the RPC', () => {
    assert.throws(() => volumeFromWire({ capacity_bytes: '1' }, 'CreateVolume'), { code: 'INTERNAL', message: /CreateVolume: the driver answered without a volume_id/ });
    assert.throws(() => snapshotFromWire(undefined, 'CreateSnapshot'), { code: 'INTERNAL' });
  });
});
