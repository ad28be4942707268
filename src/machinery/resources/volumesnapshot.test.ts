import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { volumeSnapshotDef as def } from './volumesnapshot';

const now = new Date('2026-01-02T00:00:00Z');
const msgs = (errs: ReturnType<NonNullable<typeof def.validate>>): string[] => errs.map((e) => fieldErrorMessage(e));

function vs(spec: unknown, status?: unknown): KObject {
  return { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'snap', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' }, spec, ...(status === undefined ? {} : { status }) };
}

describe('VolumeSnapshot validation', () => {
  const cases: { name: string; spec: unknown; status?: unknown; want: string[] }[] = [
    { name: 'a claim source', spec: { source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'c' }, want: [] },
    { name: 'a content source', spec: { source: { volumeSnapshotContentName: 'vsc' } }, want: [] },
    { name: 'no spec', spec: undefined, want: ['spec: Required value'] },
    { name: 'no source', spec: {}, want: ['spec.source: Required value'] },
    { name: 'both sources', spec: { source: { persistentVolumeClaimName: 'a', volumeSnapshotContentName: 'b' } }, want: ['spec.source: Invalid value: "object": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set'] },
    { name: 'neither source', spec: { source: {} }, want: ['spec.source: Invalid value: "object": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set'] },
    { name: 'empty class name', spec: { source: { persistentVolumeClaimName: 'a' }, volumeSnapshotClassName: '' }, want: ['spec.volumeSnapshotClassName: Invalid value: "string": volumeSnapshotClassName must not be the empty string when set'] },
    { name: 'a bad restoreSize', spec: { source: { persistentVolumeClaimName: 'a' } }, status: { restoreSize: 'lots' }, want: ['status.restoreSize: Invalid value: "lots": status.restoreSize in body should match the quantity pattern (e.g. 1Gi, 500M, 1073741824)'] },
    { name: 'a bad error time', spec: { source: { persistentVolumeClaimName: 'a' } }, status: { error: { time: 'yesterday' } }, want: ['status.error.time: Invalid value: "yesterday": status.error.time in body must be of type date-time: "yesterday"'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(msgs(def.validate?.(vs(c.spec, c.status)) ?? []), c.want));

  test('metadata needs a namespace', () => {
    const o = vs({ source: { persistentVolumeClaimName: 'a' } });
    delete o.metadata.namespace;
    assert.deepEqual(msgs(def.validate?.(o) ?? []), ['metadata.namespace: Required value']);
  });
});

describe('VolumeSnapshot updates', () => {
  const cases: { name: string; old: unknown; cur: unknown; want: string[] }[] = [
    { name: 'the class may be set later', old: { source: { persistentVolumeClaimName: 'a' } }, cur: { source: { persistentVolumeClaimName: 'a' }, volumeSnapshotClassName: 'c' }, want: [] },
    { name: 'the claim is immutable', old: { source: { persistentVolumeClaimName: 'a' } }, cur: { source: { persistentVolumeClaimName: 'b' } }, want: ['spec.source.persistentVolumeClaimName: Invalid value: "string": persistentVolumeClaimName is immutable'] },
    { name: 'the claim stays set', old: { source: { persistentVolumeClaimName: 'a' } }, cur: { source: { volumeSnapshotContentName: 'b' } }, want: ['spec.source: Invalid value: "object": persistentVolumeClaimName is required once set'] },
    { name: 'the content is immutable', old: { source: { volumeSnapshotContentName: 'a' } }, cur: { source: { volumeSnapshotContentName: 'b' } }, want: ['spec.source.volumeSnapshotContentName: Invalid value: "string": volumeSnapshotContentName is immutable'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(msgs(def.validateUpdate?.(vs(c.cur), vs(c.old)) ?? []), c.want));
});

describe('VolumeSnapshot strategy', () => {
  test('status is dropped on create and kept on spec updates', () => {
    const o = vs({ source: { persistentVolumeClaimName: 'a' } }, { readyToUse: true });
    def.prepareForCreate?.(o, now);
    assert.equal(o.status, undefined);
    const old = vs({ source: { persistentVolumeClaimName: 'a' } }, { readyToUse: false });
    const upd = vs({ source: { persistentVolumeClaimName: 'a' } }, { readyToUse: true });
    def.prepareForUpdate?.(upd, old);
    assert.deepEqual(upd.status, { readyToUse: false });
  });
  test('names, scope, short names and the status subresource', () => {
    assert.deepEqual([def.group, def.plural, def.shortNames, def.namespaced, def.subresources], ['snapshot.storage.k8s.io', 'volumesnapshots', ['vs'], true, ['status']]);
  });
});

describe('VolumeSnapshot table', () => {
  test("the CRD's printer columns", () => {
    assert.deepEqual(def.table.columns.map((c) => `${c.name}:${c.type}:${c.priority}`), [
      'Name:string:0', 'ReadyToUse:boolean:0', 'SourcePVC:string:0', 'SourceSnapshotContent:string:0', 'RestoreSize:string:0',
      'SnapshotClass:string:0', 'SnapshotContent:string:0', 'CreationTime:date:0', 'Age:date:0',
    ]);
  });
  test('a bound, ready snapshot', () => {
    const o = vs({ source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'c' }, { readyToUse: true, restoreSize: '1Gi', boundVolumeSnapshotContentName: 'snapcontent-1', creationTime: '2026-01-01T23:00:00Z' });
    assert.deepEqual(def.table.row(o, now), ['snap', true, 'data', null, '1Gi', 'c', 'snapcontent-1', '60m', '24h']);
  });
  test('a new snapshot leaves the unknown cells empty', () => {
    assert.deepEqual(def.table.row(vs({ source: { volumeSnapshotContentName: 'pre' } }), now), ['snap', null, null, 'pre', null, null, null, null, '24h']);
  });
});
