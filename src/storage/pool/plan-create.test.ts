import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PoolErrorKind } from './errors';
import { type CreateVolumeOptions, createDifference, resolveCreate } from './plan-create';
import { decodeRecord, encodeRecord, type SnapshotRecord, type VolumeRecord } from './records';
import { MiB } from './sizes';

const snap: SnapshotRecord = { name: 'sn', volume: 'v', driver: 'block', sizeBytes: 32n * MiB, fsType: 'ext4', createdAt: 't', fsSizedFor: 32n * MiB };

test('resolveCreate: sizes, filesystems and sources', () => {
  const ok: [CreateVolumeOptions, SnapshotRecord | undefined, Partial<VolumeRecord>][] = [
    [{ driver: 'dir', sizeBytes: 0n }, undefined, { sizeBytes: 0n, fsType: '' }],
    [{ driver: 'dir', sizeBytes: 1n }, undefined, { sizeBytes: MiB }],
    [{ driver: 'block', sizeBytes: 20n * MiB - 1n }, undefined, { sizeBytes: 20n * MiB, fsType: 'ext4', fsSizedFor: 20n * MiB }],
    [{ driver: 'block', sizeBytes: 16n * MiB, fsType: 'none' }, undefined, { fsType: 'none' }],
    [{ driver: 'block', sizeBytes: 0n, from: { snapshot: 'sn' } }, snap, { sizeBytes: 32n * MiB, fsSizedFor: 32n * MiB, source: { snapshot: 'sn' } }],
    [{ driver: 'block', sizeBytes: 64n * MiB, from: { snapshot: 'sn' } }, snap, { sizeBytes: 64n * MiB, fsSizedFor: 32n * MiB }],
  ];
  for (const [opts, src, want] of ok) {
    const plan = resolveCreate('v1', opts, src);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(plan[k as keyof typeof plan], v, `${JSON.stringify(opts, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))} ${k}`);
  }
  const bad: [CreateVolumeOptions, SnapshotRecord | undefined, PoolErrorKind, RegExp][] = [
    [{ driver: 'block', sizeBytes: 0n }, undefined, 'InvalidArgument', /without a size/],
    [{ driver: 'block', sizeBytes: 8n * MiB }, undefined, 'OutOfRange', /minimum is 16Mi/],
    [{ driver: 'block', sizeBytes: 32n * MiB, fsType: 'xfs' }, undefined, 'InvalidArgument', /ext4, or none/],
    [{ driver: 'dir', sizeBytes: MiB, fsType: 'ext4' }, undefined, 'InvalidArgument', /no filesystem of its own/],
    [{ driver: 'block', sizeBytes: 16n * MiB, from: { snapshot: 'sn' } }, snap, 'OutOfRange', /at least 32Mi/],
    [{ driver: 'dir', sizeBytes: 0n, from: { snapshot: 'sn' } }, snap, 'InvalidArgument', /is a block volume/],
    [{ driver: 'block', sizeBytes: 0n, from: { snapshot: 'gone' } }, undefined, 'NotFound', /does not exist/],
  ];
  for (const [opts, src, kind, msg] of bad) assert.throws(() => resolveCreate('v1', opts, src), (e: Error & { kind: string }) => e.kind === kind && msg.test(e.message));
});

test('createDifference and records: the same request matches, any change is named; bigints survive JSON', () => {
  const plan = resolveCreate('v1', { driver: 'block', sizeBytes: 32n * MiB, labels: { a: '1', b: '2' } }, undefined);
  const rec: VolumeRecord = { ...plan, name: 'v1', createdAt: 't', capacityEnforced: true, capacityNote: 'n' };
  assert.equal(createDifference(rec, resolveCreate('v1', { driver: 'block', sizeBytes: 32n * MiB, labels: { b: '2', a: '1' } }, undefined)), undefined);
  assert.equal(createDifference(rec, resolveCreate('v1', { driver: 'block', sizeBytes: 32n * MiB }, undefined)), 'other labels');
  assert.equal(createDifference(rec, resolveCreate('v1', { driver: 'block', sizeBytes: 32n * MiB, labels: { a: '1', b: '2' }, options: { size: '32M' } }, undefined)), 'other options');
  assert.equal(createDifference(rec, resolveCreate('v1', { driver: 'dir', sizeBytes: 32n * MiB }, undefined)), 'driver block');
  assert.deepEqual(decodeRecord(encodeRecord(rec)), rec);
  assert.match(encodeRecord(rec), /"sizeBytes": "33554432"/);
});
