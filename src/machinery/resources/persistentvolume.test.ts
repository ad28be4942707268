import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { persistentVolumeDef as def, preparePVCreate, preparePVStatusUpdate } from './persistentvolume';

const now = new Date('2025-01-01T00:10:00Z');
const msgs = (o: KObject): string[] => (def.validate?.(o) ?? []).map((e) => fieldErrorMessage(e));

/** The seed's nfs-pv, defaulted as the apiserver would. */
function nfsPV(): KObject {
  const o: KObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'nfs-pv', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany'], storageClassName: 'nfs', nfs: { path: '/exports', server: '52.66.197.168' } },
  };
  def.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  def.default?.(o);
  return o;
}

describe('PersistentVolume defaults', () => {
  test('reclaim policy, volume mode and a Pending phase', () => {
    const o = nfsPV();
    assert.equal((o['spec'] as Record<string, unknown>)['persistentVolumeReclaimPolicy'], 'Retain');
    assert.equal((o['spec'] as Record<string, unknown>)['volumeMode'], 'Filesystem');
    assert.equal((o['status'] as Record<string, unknown>)['phase'], 'Pending');
  });
  test('create stamps lastPhaseTransitionTime with the injected time', () => {
    const o: KObject = { metadata: { name: 'x' }, spec: {} };
    preparePVCreate(o, now);
    assert.deepEqual(o['status'], { phase: 'Pending', lastPhaseTransitionTime: '2025-01-01T00:10:00Z' });
  });
  test('an unparseable capacity fails like a decode error', () => {
    const o: KObject = { metadata: { name: 'x' }, spec: { capacity: { storage: '10GB' } } };
    assert.throws(
      () => def.default?.(o),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 400 &&
        e.message ===
          `PersistentVolume in version "v1" cannot be handled as a PersistentVolume: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  });
});

describe('PersistentVolume validation', () => {
  test('the seed nfs-pv is valid', () => assert.deepEqual(msgs(nfsPV()), []));
  const cases: Array<[string, (s: Record<string, unknown>) => void, string[]]> = [
    ['bad access mode', (s) => (s['accessModes'] = ['ReadWriteSometimes']), [
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ]],
    ['RWOP with others', (s) => (s['accessModes'] = ['ReadWriteOncePod', 'ReadWriteOnce']), ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes']],
    ['no access modes', (s) => delete s['accessModes'], ['spec.accessModes: Required value']],
    ['zero capacity', (s) => (s['capacity'] = { storage: '0' }), ['spec.capacity[storage]: Invalid value: "0": must be greater than zero']],
    ['no capacity', (s) => delete s['capacity'], ['spec.capacity: Required value', 'spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage"']],
    ['no source', (s) => delete s['nfs'], ['spec: Required value: must specify a volume type']],
    ['two sources', (s) => (s['hostPath'] = { path: '/data', type: '' }), ['spec.nfs: Forbidden: may not specify more than 1 volume type']],
    ['relative nfs path', (s) => (s['nfs'] = { server: 'x', path: 'exports' }), ['spec.nfs.path: Invalid value: "exports": must be an absolute path']],
    ['local needs affinity', (s) => { delete s['nfs']; s['local'] = { path: '/mnt/disk' }; }, ['spec.nodeAffinity: Required value: Local volume requires node affinity']],
    ['csi needs driver and handle', (s) => { delete s['nfs']; s['csi'] = { driver: '' }; }, [
      'spec.csi.driver: Required value',
      `spec.csi.driver: Invalid value: "": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      'spec.csi.volumeHandle: Required value',
    ]],
    ['Recycle of the host root, however written', (s) => { delete s['nfs']; s['hostPath'] = { path: '/./', type: '' }; s['persistentVolumeReclaimPolicy'] = 'Recycle'; }, [
      "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'",
    ]],
    ['bad reclaim policy', (s) => (s['persistentVolumeReclaimPolicy'] = 'Keep'), [
      'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
    ]],
  ];
  for (const [name, mutate, want] of cases) {
    test(name, () => {
      const o = nfsPV();
      mutate(o['spec'] as Record<string, unknown>);
      assert.deepEqual(msgs(o), want);
    });
  }
});

describe('PersistentVolume updates', () => {
  test('the volume source is immutable', () => {
    const old = nfsPV();
    const o = structuredClone(old);
    (o['spec'] as Record<string, Record<string, unknown>>)['nfs']!['path'] = '/other';
    const errs = def.validateUpdate?.(o, old) ?? [];
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.field, 'spec.persistentvolumesource');
    assert.match(fieldErrorMessage(errs[0]), /^spec\.persistentvolumesource: Forbidden: spec\.persistentvolumesource is immutable after creation\n {2}core\.PersistentVolumeSource\{\n/);
  });
  test('volumeMode is immutable (upstream path has no spec prefix)', () => {
    const old = nfsPV();
    const o = structuredClone(old);
    (o['spec'] as Record<string, unknown>)['volumeMode'] = 'Block';
    assert.deepEqual((def.validateUpdate?.(o, old) ?? []).map((e) => fieldErrorMessage(e)), ['volumeMode: Invalid value: "Block": field is immutable']);
  });
  test('main updates keep status; status updates keep spec and stamp phase changes', () => {
    const old = nfsPV();
    const o = structuredClone(old);
    o['status'] = { phase: 'Bound' };
    def.prepareForUpdate?.(o, old);
    assert.equal((o['status'] as Record<string, unknown>)['phase'], 'Pending');
    const s = structuredClone(old);
    s['spec'] = {};
    s['status'] = { phase: 'Available' };
    preparePVStatusUpdate(s, old, now);
    assert.deepEqual(s['spec'], old['spec']);
    assert.deepEqual(s['status'], { phase: 'Available', lastPhaseTransitionTime: '2025-01-01T00:10:00Z' });
  });
});

describe('PersistentVolume table', () => {
  test('columns', () => {
    assert.deepEqual(
      def.table.columns.map((c) => `${c.name}${c.priority ? '*' : ''}`),
      ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode*'],
    );
  });
  test('an available and a bound volume', () => {
    const o = nfsPV();
    assert.deepEqual(def.table.row(o, now), ['nfs-pv', '10Gi', 'RWX', 'Retain', 'Pending', '', 'nfs', '<unset>', '', '10m', 'Filesystem']);
    (o['spec'] as Record<string, unknown>)['claimRef'] = { namespace: 'default', name: 'nfs-pvc' };
    (o['spec'] as Record<string, unknown>)['accessModes'] = ['ReadWriteOncePod', 'ReadOnlyMany', 'ReadWriteOnce', 'ReadWriteMany'];
    o['status'] = { phase: 'Bound' };
    assert.deepEqual(def.table.row(o, now).slice(2, 7), ['RWO,ROX,RWX,RWOP', 'Retain', 'Bound', 'default/nfs-pvc', 'nfs']);
    o.metadata.deletionTimestamp = '2025-01-01T00:09:00Z';
    assert.equal(def.table.row(o, now)[4], 'Terminating');
  });
  test('VolumeAttributesClass: <unset> only when the field is absent, as printPersistentVolume does', () => {
    const o = nfsPV();
    (o['spec'] as Record<string, unknown>)['volumeAttributesClassName'] = 'gold';
    assert.equal(def.table.row(o, now)[7], 'gold');
    (o['spec'] as Record<string, unknown>)['volumeAttributesClassName'] = '';
    assert.equal(def.table.row(o, now)[7], '');
  });
  test('field selector set is only the legacy name', () => assert.deepEqual(def.fields?.(nfsPV()), { name: 'nfs-pv' }));
});
