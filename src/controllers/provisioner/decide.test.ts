import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import type { ControllerCapability, PluginCapability } from '../../storage/csi/types';
import { type DriverCaps, decideClaim, prepareRequest } from './decide';

const DRIVER = 'berth.dev/block';
const claim = (over: { ann?: Record<string, string>; spec?: Record<string, unknown>; deleting?: boolean } = {}): KObject => ({
  metadata: {
    name: 'data', namespace: 'ns', uid: 'u1',
    annotations: { 'volume.kubernetes.io/storage-provisioner': DRIVER, ...over.ann },
    ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', resources: { requests: { storage: '1Gi' } }, ...over.spec },
});
const cls = (over: Record<string, unknown> = {}): KObject => ({ metadata: { name: 'fast' }, provisioner: DRIVER, ...over });
const registered = (n: string) => n === DRIVER || n === 'other.csi';

test('decideClaim: whether a claim is ours to provision now (shouldProvision)', () => {
  const rows: [string, KObject | undefined, KObject | undefined, boolean, string][] = [
    ['claim gone', undefined, cls(), false, 'none'],
    ['already has a volume', claim({ spec: { volumeName: 'pv1' } }), cls(), false, 'none'],
    ['no annotation', { ...claim(), metadata: { name: 'data', namespace: 'ns', uid: 'u1' } }, cls(), false, 'none'],
    ['unregistered driver', claim({ ann: { 'volume.kubernetes.io/storage-provisioner': 'nfs.example' } }), cls(), false, 'none'],
    ['beta annotation only', { ...claim(), metadata: { name: 'data', namespace: 'ns', uid: 'u1', annotations: { 'volume.beta.kubernetes.io/storage-provisioner': DRIVER } } }, cls(), false, 'provision'],
    ['being deleted', claim({ deleting: true }), cls(), false, 'none'],
    ['class missing: wait for it', claim(), undefined, false, 'wait'],
    ['WaitForFirstConsumer without a node', claim(), cls({ volumeBindingMode: 'WaitForFirstConsumer' }), false, 'none'],
    ['WaitForFirstConsumer with a node', claim({ ann: { 'volume.kubernetes.io/selected-node': 'n1' } }), cls({ volumeBindingMode: 'WaitForFirstConsumer' }), false, 'provision'],
    ['PV already exists', claim(), cls(), true, 'none'],
    ['class now names another provisioner', claim(), cls({ provisioner: 'other.csi' }), false, 'none'],
    ['immediate', claim(), cls(), false, 'provision'],
  ];
  for (const [what, c, k, exists, want] of rows) assert.equal(decideClaim(c, k, exists, registered).action, want, what);
  assert.deepEqual(decideClaim(claim({ ann: { 'volume.kubernetes.io/selected-node': 'n1' } }), cls(), false, registered), { action: 'provision', driver: DRIVER, pvName: 'pvc-u1', selectedNode: 'n1' });
});

const caps = (plugin: PluginCapability[] = ['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS'], controller: ControllerCapability[] = ['CREATE_DELETE_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CLONE_VOLUME']): DriverCaps => ({
  plugin: new Set(plugin),
  controller: new Set(controller),
});

test('prepareRequest: the CreateVolume request of a filesystem claim', () => {
  const c = claim({ spec: { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], resources: { requests: { storage: '1Gi' }, limits: { storage: '2Gi' } } } });
  const k = cls({ parameters: { 'csi.storage.k8s.io/fstype': 'ext4', 'csi.storage.k8s.io/provisioner-secret-name': 's', pool: 'a' }, mountOptions: ['noatime'] });
  const r = prepareRequest(c, k, DRIVER, caps(), 'pvc-u1', { name: 'n1', node: { metadata: { name: 'n1', labels: { 'topology.berth.dev/node': 'host-1' } } } });
  assert.ok(r.ok && !r.value.populator);
  assert.deepEqual(r.value.request, {
    name: 'pvc-u1',
    requiredBytes: 1n << 30n,
    limitBytes: 2n << 30n,
    capabilities: [
      { accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER', fsType: 'ext4', mountFlags: ['noatime'] },
      { accessType: 'mount', accessMode: 'MULTI_NODE_READER_ONLY', fsType: 'ext4', mountFlags: ['noatime'] },
    ],
    parameters: { pool: 'a' },
    preferredTopology: [{ 'topology.berth.dev/node': 'host-1' }],
  });
  assert.equal(r.value.fsType, 'ext4');
  assert.equal(r.value.topologyAware, true);
});

test('prepareRequest: block claims, unknown nodes, drivers without topology', () => {
  const block = prepareRequest(claim({ spec: { volumeMode: 'Block', accessModes: ['ReadWriteOncePod'] } }), cls({ parameters: { fsType: 'xfs' } }), DRIVER, caps(['CONTROLLER_SERVICE']), 'pvc-u1', { name: 'n1', node: undefined });
  assert.ok(block.ok && !block.value.populator);
  assert.deepEqual(block.value.request.capabilities, [{ accessType: 'block', accessMode: 'SINGLE_NODE_WRITER' }]);
  assert.equal(block.value.request.preferredTopology, undefined, 'no accessibility requirements for a driver without topology');
  const noLabel = prepareRequest(claim(), cls(), DRIVER, caps(), 'pvc-u1', { name: 'n1', node: undefined });
  assert.ok(noLabel.ok && !noLabel.value.populator);
  assert.deepEqual(noLabel.value.request.preferredTopology, [{ 'topology.berth.dev/node': 'n1' }], "the node's name without its label");
});

test('prepareRequest: refusals carry upstream messages', () => {
  const snap = { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 's1' } };
  const clone = { dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } };
  const rows: [string, KObject, KObject, DriverCaps, RegExp][] = [
    ['no controller service', claim(), cls(), caps([], []), /^CSI driver berth.dev\/block does not support dynamic provisioning: plugin CONTROLLER_SERVICE capability is not reported/],
    ['no create', claim(), cls(), caps(undefined, []), /controller CREATE_DELETE_VOLUME capability is not reported/],
    ['restore without snapshots', claim({ spec: snap }), cls(), caps(undefined, ['CREATE_DELETE_VOLUME']), /does not support snapshot restore: controller CREATE_DELETE_SNAPSHOT capability is not reported/],
    ['clone without cloning', claim({ spec: clone }), cls(), caps(undefined, ['CREATE_DELETE_VOLUME']), /does not support clone operations: controller CLONE_VOLUME capability is not reported/],
    ['snapshot of another group', claim({ spec: { dataSource: { apiGroup: 'example.com', kind: 'VolumeSnapshot', name: 's1' } } }), cls(), caps(), /^the PVC source does not belong to the right APIGroup. Expected snapshot.storage.k8s.io, Got example.com$/],
    ['cross-namespace ref', claim({ spec: { dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'x', namespace: 'other' } } }), cls(), caps(), /CrossNamespaceVolumeDataSource feature is disabled/],
    ['selector', claim({ spec: { selector: { matchLabels: { a: 'b' } } } }), cls(), caps(), /^claim Selector is not supported$/],
    ['two fstypes', claim(), cls({ parameters: { fstype: 'ext4', 'csi.storage.k8s.io/fstype': 'xfs' } }), caps(), /fstype specified in parameters with both "fstype" and "csi.storage.k8s.io\/fstype" keys/],
    ['unknown reserved key', claim(), cls({ parameters: { 'csi.storage.k8s.io/bogus': 'x' } }), caps(), /found unknown parameter key "csi.storage.k8s.io\/bogus" with reserved namespace csi.storage.k8s.io\//],
    ['RWOP with another mode is fine per mode, bad combos are not', claim({ spec: { accessModes: ['Bogus'] } }), cls(), caps(), /unsupported AccessMode combination/],
  ];
  for (const [what, c, k, cp, want] of rows) {
    const r = prepareRequest(c, k, DRIVER, cp, 'pvc-u1');
    assert.ok(!r.ok, what);
    assert.match(r.error, want, what);
  }
});

test('prepareRequest: sources', () => {
  const populated = prepareRequest(claim({ spec: { dataSourceRef: { apiGroup: 'example.com', kind: 'Bucket', name: 'b' } } }), cls(), DRIVER, caps(), 'pvc-u1');
  assert.deepEqual(populated, { ok: true, value: { populator: true, kind: 'Bucket' } });
  const restore = prepareRequest(claim({ spec: { dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 's1' } } }), cls(), DRIVER, caps(), 'pvc-u1');
  assert.ok(restore.ok && !restore.value.populator);
  assert.deepEqual(restore.value.source, { kind: 'snapshot', ds: { kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io', name: 's1', namespace: 'ns' } });
});
