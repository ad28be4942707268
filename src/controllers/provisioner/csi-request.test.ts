import assert from 'node:assert/strict';
import { test } from 'node:test';
import { driverParameters, fsTypeOf, toCsiAccessMode, volumeCapability } from './csi-request';

test('toCsiAccessMode follows csi-lib-utils (without SINGLE_NODE_MULTI_WRITER)', () => {
  const rows: [string[], string][] = [
    [['ReadWriteOnce'], 'SINGLE_NODE_WRITER'],
    [['ReadWriteOncePod'], 'SINGLE_NODE_WRITER'],
    [['ReadOnlyMany'], 'MULTI_NODE_READER_ONLY'],
    [['ReadWriteMany'], 'MULTI_NODE_MULTI_WRITER'],
    [['ReadWriteMany', 'ReadWriteOnce'], 'MULTI_NODE_MULTI_WRITER'],
    [['ReadOnlyMany', 'ReadWriteOnce'], 'error: CSI does not support ReadOnlyMany and ReadWriteOnce on the same PersistentVolume'],
    [['ReadWriteOncePod', 'ReadWriteOnce'], 'error: Kubernetes does not support use of ReadWriteOncePod with other access modes on the same PersistentVolume'],
    [[], 'error: unsupported AccessMode combination: []'],
  ];
  for (const [modes, want] of rows) {
    const r = toCsiAccessMode(modes);
    assert.equal(r.ok ? r.value : `error: ${r.error}`, want, modes.join(','));
  }
});

test('fsType and parameters of a class', () => {
  const cls = (parameters: Record<string, string>) => ({ metadata: {}, parameters });
  assert.deepEqual(fsTypeOf(cls({ 'csi.storage.k8s.io/fstype': 'xfs' })), { ok: true, value: 'xfs' });
  assert.deepEqual(fsTypeOf(cls({ fsType: 'ext4' })), { ok: true, value: 'ext4' }, 'the deprecated key still counts');
  assert.deepEqual(fsTypeOf(cls({})), { ok: true, value: '' });
  // The deprecated key is not reserved: the driver still sees it, as upstream passes it on.
  assert.deepEqual(driverParameters(cls({ fsType: 'ext4', 'csi.storage.k8s.io/fstype': 'x', 'csi.storage.k8s.io/node-stage-secret-name': 's', a: 'b' })), { ok: true, value: { fsType: 'ext4', a: 'b' } });
});

test('volumeCapability of a PV: all modes at once, fsType and mount options from the PV', () => {
  assert.deepEqual(volumeCapability({ metadata: {}, spec: { accessModes: ['ReadWriteOnce'], mountOptions: ['noatime'], csi: { fsType: 'ext4' } } }), {
    ok: true,
    value: { accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER', fsType: 'ext4', mountFlags: ['noatime'] },
  });
  assert.deepEqual(volumeCapability({ metadata: {}, spec: { accessModes: ['ReadWriteMany'], volumeMode: 'Block', csi: {} } }), { ok: true, value: { accessType: 'block', accessMode: 'MULTI_NODE_MULTI_WRITER' } });
});
