import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { bytesQuantity, clearedContentStatus, contentErrorStatus, contentStatusFrom, snapshotErrorStatus, snapshotStatusFrom, timeFromNanos } from './status';

const now = new Date('2026-03-04T05:06:07.890Z');
const snap = (status?: Record<string, unknown>): KObject => ({ metadata: { name: 's', namespace: 'ns' }, ...(status ? { status } : {}) });
const content = (status?: Record<string, unknown>): KObject => ({ metadata: { name: 'c' }, ...(status ? { status } : {}) });

test('quantities and times as upstream prints them', () => {
  assert.deepEqual([bytesQuantity(1073741824), bytesQuantity(1000), bytesQuantity(0), bytesQuantity(1536 * 1024)], ['1Gi', '1k', '0', '1536Ki']);
  assert.equal(timeFromNanos(1767225600123000000), '2026-01-01T00:00:00Z');
});

test('snapshot status from its content', () => {
  const cases: { name: string; s: KObject; c: KObject; want: unknown }[] = [
    { name: 'a new content: bound, not ready', s: snap(), c: content(), want: { status: { boundVolumeSnapshotContentName: 'c', readyToUse: false }, events: [] } },
    { name: 'nothing new', s: snap({ boundVolumeSnapshotContentName: 'c', readyToUse: false }), c: content(), want: undefined },
    { name: 'taken but not ready: SnapshotCreated only', s: snap({ boundVolumeSnapshotContentName: 'c', readyToUse: false }), c: content({ readyToUse: false, creationTime: 1767225600000000000, restoreSize: 10 }), want: { status: { boundVolumeSnapshotContentName: 'c', readyToUse: false, creationTime: '2026-01-01T00:00:00Z', restoreSize: '10' }, events: ['SnapshotCreated'] } },
    { name: 'ready: the error goes', s: snap({ boundVolumeSnapshotContentName: 'c', readyToUse: false, error: { message: 'x' }, creationTime: '2026-01-01T00:00:00Z' }), c: content({ readyToUse: true, creationTime: 1 }), want: { status: { boundVolumeSnapshotContentName: 'c', readyToUse: true, creationTime: '2026-01-01T00:00:00Z' }, events: ['SnapshotReady'] } },
    { name: "the content's error is copied", s: snap({ boundVolumeSnapshotContentName: 'c', readyToUse: false }), c: content({ readyToUse: false, error: { message: 'disk full', time: '2026-01-01T00:00:00Z' } }), want: { status: { boundVolumeSnapshotContentName: 'c', readyToUse: false, error: { message: 'disk full', time: '2026-01-01T00:00:00Z' } }, events: [] } },
    { name: 'a zero size is replaced by a real one', s: snap({ boundVolumeSnapshotContentName: 'c', readyToUse: true, restoreSize: '0' }), c: content({ readyToUse: true, restoreSize: 2048 }), want: { status: { boundVolumeSnapshotContentName: 'c', readyToUse: true, restoreSize: '2Ki' }, events: [] } },
  ];
  for (const c of cases) {
    const got = snapshotStatusFrom(c.s, c.c);
    assert.deepEqual(got && { status: got.status, events: got.events.map((e) => e.reason) }, c.want, c.name);
  }
});

test('content status from CreateSnapshot, errors and clearing', () => {
  const snapOk = { snapshotId: 'h', readyToUse: true, sizeBytes: 5n };
  assert.deepEqual(contentStatusFrom(undefined, snapOk, 7), { snapshotHandle: 'h', readyToUse: true, creationTime: 7, restoreSize: 5 });
  // The handle and time of the first answer stay; readiness follows the driver.
  assert.deepEqual(contentStatusFrom({ snapshotHandle: 'h', readyToUse: false, creationTime: 1, error: { message: 'x' } }, snapOk, 7), { snapshotHandle: 'h', readyToUse: true, creationTime: 1, restoreSize: 5 });
  assert.equal(contentStatusFrom({ snapshotHandle: 'h', readyToUse: true, creationTime: 1, restoreSize: 5 }, snapOk, 7), undefined);
  assert.deepEqual(contentStatusFrom(undefined, { snapshotId: 'h', readyToUse: false, sizeBytes: 0n }, 7), { snapshotHandle: 'h', readyToUse: false, creationTime: 7 });
  assert.deepEqual(contentErrorStatus({ snapshotHandle: 'h' }, 'boom', now), { snapshotHandle: 'h', error: { message: 'boom', time: '2026-03-04T05:06:07Z' }, readyToUse: false });
  assert.equal(contentErrorStatus({ error: { message: 'boom' } }, 'boom', now), undefined);
  assert.deepEqual(snapshotErrorStatus({ readyToUse: true }, 'no class', false, now), { readyToUse: true, error: { message: 'no class', time: '2026-03-04T05:06:07Z' } });
  assert.deepEqual(snapshotErrorStatus(undefined, 'missing', true, now), { error: { message: 'missing', time: '2026-03-04T05:06:07Z' }, readyToUse: false });
  assert.deepEqual(clearedContentStatus({ snapshotHandle: 'h', readyToUse: true, creationTime: 1, restoreSize: 5, error: { message: 'e' } }), { error: { message: 'e' } });
});
