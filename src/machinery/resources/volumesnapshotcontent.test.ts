import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { volumeSnapshotContentDef as def } from './volumesnapshotcontent';

const now = new Date('2026-01-02T00:00:00Z');
const msgs = (errs: ReturnType<NonNullable<typeof def.validate>>): string[] => errs.map((e) => fieldErrorMessage(e));
const ref = { name: 'snap', namespace: 'ns' };
const good = { deletionPolicy: 'Delete', driver: 'berth.dev/local-dir', source: { snapshotHandle: 'h1' }, volumeSnapshotRef: ref };

function vsc(spec: unknown, status?: unknown): KObject {
  return { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'vsc', creationTimestamp: '2026-01-01T00:00:00Z' }, spec, ...(status === undefined ? {} : { status }) };
}

describe('VolumeSnapshotContent validation', () => {
  const cases: { name: string; spec: unknown; status?: unknown; want: string[] }[] = [
    { name: 'a pre-provisioned snapshot', spec: good, want: [] },
    { name: 'a dynamic one', spec: { ...good, source: { volumeHandle: 'v1' }, volumeSnapshotClassName: 'c', sourceVolumeMode: 'Filesystem' }, want: [] },
    { name: 'no spec', spec: undefined, want: ['spec: Required value'] },
    { name: 'every required field missing, in the CRD order', spec: {}, want: ['spec.deletionPolicy: Required value', 'spec.driver: Required value', 'spec.source: Required value', 'spec.volumeSnapshotRef: Required value'] },
    { name: 'an unknown policy', spec: { ...good, deletionPolicy: 'Recycle' }, want: ['spec.deletionPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'] },
    { name: 'both handles', spec: { ...good, source: { snapshotHandle: 'a', volumeHandle: 'b' } }, want: ['spec.source: Invalid value: "object": exactly one of volumeHandle and snapshotHandle must be set'] },
    { name: 'a ref without namespace', spec: { ...good, volumeSnapshotRef: { name: 'snap' } }, want: ['spec.volumeSnapshotRef: Invalid value: "object": both spec.volumeSnapshotRef.name and spec.volumeSnapshotRef.namespace must be set'] },
    { name: 'a negative size', spec: good, status: { restoreSize: -1 }, want: ['status.restoreSize: Invalid value: -1: status.restoreSize in body should be greater than or equal to 0'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(msgs(def.validate?.(vsc(c.spec, c.status)) ?? []), c.want));
});

describe('VolumeSnapshotContent updates', () => {
  const cases: { name: string; old: unknown; cur: unknown; want: string[] }[] = [
    { name: 'binding sets the ref uid and class', old: good, cur: { ...good, volumeSnapshotRef: { ...ref, uid: 'u' }, volumeSnapshotClassName: 'c' }, want: [] },
    { name: 'the snapshot handle is immutable', old: good, cur: { ...good, source: { snapshotHandle: 'h2' } }, want: ['spec.source.snapshotHandle: Invalid value: "string": snapshotHandle is immutable'] },
    { name: 'a handle stays set', old: good, cur: { ...good, source: { volumeHandle: 'v' } }, want: ['spec.source: Invalid value: "object": snapshotHandle is required once set'] },
    { name: 'sourceVolumeMode is immutable', old: { ...good, sourceVolumeMode: 'Block' }, cur: { ...good, sourceVolumeMode: 'Filesystem' }, want: ['spec.sourceVolumeMode: Invalid value: "string": sourceVolumeMode is immutable'] },
    { name: 'sourceVolumeMode stays set', old: { ...good, sourceVolumeMode: 'Block' }, cur: good, want: ['spec: Invalid value: "object": sourceVolumeMode is required once set'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(msgs(def.validateUpdate?.(vsc(c.cur), vsc(c.old)) ?? []), c.want));
});

describe('VolumeSnapshotContent table', () => {
  test("the CRD's printer columns", () => {
    assert.deepEqual(def.table.columns.map((c) => `${c.name}:${c.type}`), [
      'Name:string', 'ReadyToUse:boolean', 'RestoreSize:integer', 'DeletionPolicy:string', 'Driver:string',
      'VolumeSnapshotClass:string', 'VolumeSnapshot:string', 'VolumeSnapshotNamespace:string', 'Age:date',
    ]);
    assert.deepEqual([def.shortNames, def.namespaced, def.subresources], [['vsc', 'vscs'], false, ['status']]);
  });
  test('a row', () => {
    const o = vsc({ ...good, volumeSnapshotClassName: 'c' }, { readyToUse: true, restoreSize: 1073741824, snapshotHandle: 'h1' });
    assert.deepEqual(def.table.row(o, now), ['vsc', true, 1073741824, 'Delete', 'berth.dev/local-dir', 'c', 'snap', 'ns', '24h']);
    assert.deepEqual(def.table.row(vsc(good), now), ['vsc', null, null, 'Delete', 'berth.dev/local-dir', null, 'snap', 'ns', '24h']);
  });
});
