import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { persistentVolumeClaimDef as def } from './persistentvolumeclaim';
import { admitPVCResize } from './pvc-validation';

type Obj = Record<string, unknown>;
const now = new Date('2025-01-01T01:00:00Z');
const msgs = (o: KObject): string[] => (def.validate?.(o) ?? []).map((e) => fieldErrorMessage(e));
const updateMsgs = (o: KObject, old: KObject): string[] => (def.validateUpdate?.(o, old) ?? []).map((e) => fieldErrorMessage(e));

function claim(name: string, mode: string, size: string, cls: string): KObject {
  const o: KObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { accessModes: [mode], resources: { requests: { storage: size } }, storageClassName: cls },
  };
  def.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  def.default?.(o);
  return o;
}
const nfsPVC = (): KObject => claim('nfs-pvc', 'ReadWriteMany', '10Gi', 'nfs');
const csiPVC = (): KObject => claim('csi-pvc', 'ReadWriteOnce', '40Gi', 'vultr-block-storage-hdd');

function bind(o: KObject): KObject {
  (o['spec'] as Obj)['volumeName'] = 'pv-1';
  o['status'] = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '40Gi' } };
  return o;
}

describe('PersistentVolumeClaim defaults and validation', () => {
  test('defaults: volumeMode and a Pending phase', () => {
    const o = csiPVC();
    assert.equal((o['spec'] as Obj)['volumeMode'], 'Filesystem');
    assert.deepEqual(o['status'], { phase: 'Pending' });
  });
  test('the seed nfs-pvc and csi-pvc are valid', () => {
    assert.deepEqual(msgs(nfsPVC()), []);
    assert.deepEqual(msgs(csiPVC()), []);
  });
  test('dataSource is mirrored into dataSourceRef', () => {
    const o: KObject = { metadata: { name: 'c', namespace: 'd' }, spec: { dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } } };
    def.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual((o['spec'] as Obj)['dataSourceRef'], { kind: 'PersistentVolumeClaim', name: 'src' });
  });
  const cases: Array<[string, (s: Obj) => void, string[]]> = [
    ['no access modes', (s) => delete s['accessModes'], ['spec.accessModes: Required value: at least 1 access mode is required']],
    ['bad access mode', (s) => (s['accessModes'] = ['RWO']), [
      'spec.accessModes: Unsupported value: "RWO": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ]],
    ['no storage request', (s) => (s['resources'] = {}), ['spec.resources[storage]: Required value']],
    ['zero storage', (s) => (s['resources'] = { requests: { storage: '0' } }), ['spec.resources[storage]: Invalid value: "0": must be greater than zero']],
    ['bad class name', (s) => (s['storageClassName'] = 'Fast_SSD'), [
      `spec.storageClassName: Invalid value: "Fast_SSD": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]],
    ['bad data source kind', (s) => (s['dataSource'] = { kind: 'Pod', name: 'x' }), [
      `spec.dataSource: Invalid value: "Pod": must be 'PersistentVolumeClaim' when referencing the default apiGroup`,
    ]],
  ];
  for (const [name, mutate, want] of cases) {
    test(name, () => {
      const o = csiPVC();
      mutate(o['spec'] as Obj);
      assert.deepEqual(msgs(o), want);
    });
  }
});

describe('PersistentVolumeClaim updates', () => {
  test('spec is immutable', () => {
    const old = nfsPVC();
    const o = structuredClone(old);
    (o['spec'] as Obj)['accessModes'] = ['ReadWriteOnce'];
    const got = updateMsgs(o, old);
    assert.equal(got.length, 1);
    assert.ok(got[0]?.startsWith('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n  core.PersistentVolumeClaimSpec{\n'));
    assert.match(got[0] ?? '', /- \tAccessModes: \{"ReadWriteMany"\},\n\+ \tAccessModes: \{"ReadWriteOnce"\},\n/);
  });
  test('an unbound claim cannot change its request', () => {
    const old = csiPVC();
    const o = structuredClone(old);
    (o['spec'] as Obj)['resources'] = { requests: { storage: '50Gi' } };
    assert.equal(updateMsgs(o, old).length, 1);
  });
  test('a bound claim may grow but not shrink below its capacity', () => {
    const old = bind(csiPVC());
    const grow = structuredClone(old);
    (grow['spec'] as Obj)['resources'] = { requests: { storage: '50Gi' } };
    assert.deepEqual(updateMsgs(grow, old), []);
    const shrink = structuredClone(old);
    (shrink['spec'] as Obj)['resources'] = { requests: { storage: '20Gi' } };
    assert.deepEqual(updateMsgs(shrink, old), ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity']);
  });
  test('the binder may set volumeName once', () => {
    const old = csiPVC();
    const o = structuredClone(old);
    (o['spec'] as Obj)['volumeName'] = 'pv-1';
    assert.deepEqual(updateMsgs(o, old), []);
  });
  test('resize admission', () => {
    const classes: Record<string, KObject> = {
      'vultr-block-storage-hdd': { metadata: { name: 'vultr-block-storage-hdd' }, allowVolumeExpansion: true },
      nfs: { metadata: { name: 'nfs' } },
    };
    const get = (n: string): KObject | undefined => classes[n];
    const grow = (o: KObject): KObject => {
      const n = structuredClone(o);
      (n['spec'] as Obj)['resources'] = { requests: { storage: '100Gi' } };
      return n;
    };
    const pending = csiPVC();
    assert.equal(admitPVCResize(grow(pending), pending, get)?.message, 'persistentvolumeclaims "csi-pvc" is forbidden: Only bound persistent volume claims can be expanded');
    const bound = bind(csiPVC());
    assert.equal(admitPVCResize(grow(bound), bound, get), undefined);
    const nfs = bind(nfsPVC());
    const err = admitPVCResize(grow(nfs), nfs, get);
    assert.equal(err?.code, 403);
    assert.equal(err?.message, 'persistentvolumeclaims "nfs-pvc" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    assert.equal(admitPVCResize(bound, bound, get), undefined);
  });
});

describe('PersistentVolumeClaim table', () => {
  test('columns', () => {
    assert.deepEqual(
      def.table.columns.map((c) => `${c.name}${c.priority ? '*' : ''}`),
      ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode*'],
    );
  });
  test('capacity and modes only once bound', () => {
    assert.deepEqual(def.table.row(csiPVC(), now), ['csi-pvc', 'Pending', '', '', '', 'vultr-block-storage-hdd', '<unset>', '60m', 'Filesystem']);
    assert.deepEqual(def.table.row(bind(csiPVC()), now).slice(0, 5), ['csi-pvc', 'Bound', 'pv-1', '40Gi', 'RWO']);
  });
  test('VolumeAttributesClass: <unset> only when the field is absent, as printPersistentVolumeClaim does', () => {
    const vac = (v: string) => {
      const o = csiPVC();
      (o['spec'] as Record<string, unknown>)['volumeAttributesClassName'] = v;
      return def.table.row(o, now)[6];
    };
    assert.equal(def.table.row(csiPVC(), now)[6], '<unset>');
    assert.equal(vac('gold'), 'gold');
    assert.equal(vac(''), '');
  });
});
