import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { isDefaultSnapshotClass, volumeSnapshotClassDef as def } from './volumesnapshotclass';

const now = new Date('2026-01-02T00:00:00Z');
const msgs = (errs: ReturnType<NonNullable<typeof def.validate>>): string[] => errs.map((e) => fieldErrorMessage(e));
const cls = (extra: Record<string, unknown>): KObject => ({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'snaps', creationTimestamp: '2026-01-01T00:00:00Z' }, ...extra });

describe('VolumeSnapshotClass', () => {
  const cases: { name: string; o: KObject; want: string[] }[] = [
    { name: 'valid', o: cls({ driver: 'berth.dev/local-dir', deletionPolicy: 'Retain', parameters: { a: 'b' } }), want: [] },
    { name: 'driver and policy are required', o: cls({}), want: ['driver: Required value', 'deletionPolicy: Required value'] },
    { name: 'an unknown policy', o: cls({ driver: 'd', deletionPolicy: 'Keep' }), want: ['deletionPolicy: Unsupported value: "Keep": supported values: "Delete", "Retain"'] },
    { name: 'parameters are strings', o: cls({ driver: 'd', deletionPolicy: 'Delete', parameters: { n: 1 } }), want: ['parameters[n]: Invalid value: "number": parameters[n] in body must be of type string: "number"'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(msgs(def.validate?.(c.o) ?? []), c.want));

  test('table and names', () => {
    assert.deepEqual(def.table.columns.map((c) => c.name), ['Name', 'Driver', 'DeletionPolicy', 'Age']);
    assert.deepEqual(def.table.row(cls({ driver: 'd', deletionPolicy: 'Delete' }), now), ['snaps', 'd', 'Delete', '24h']);
    assert.deepEqual([def.shortNames, def.namespaced, def.subresources], [['vsclass', 'vsclasses'], false, []]);
  });

  test('the default-class annotation', () => {
    const o = cls({ driver: 'd', deletionPolicy: 'Delete' });
    assert.equal(isDefaultSnapshotClass(o), false);
    o.metadata.annotations = { 'snapshot.storage.kubernetes.io/is-default-class': 'true' };
    assert.equal(isDefaultSnapshotClass(o), true);
  });
});
