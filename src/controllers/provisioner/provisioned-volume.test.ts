import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { nodeAffinityOf, provisionedVolume } from './provisioned-volume';

const claim: KObject = {
  metadata: { name: 'data', namespace: 'ns', uid: 'u1', resourceVersion: '42' },
  spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', resources: { requests: { storage: '1G' } } },
};
const volume = { volumeId: 'pvc-u1', capacityBytes: 1n << 30n, volumeContext: { dev: 'loop' }, accessibleTopology: [{ 'topology.berth.dev/node': 'n1' }] };

test('provisionedVolume is shaped like the external-provisioner output', () => {
  const pv = provisionedVolume({ claim, cls: { metadata: { name: 'fast' }, mountOptions: ['noatime'] }, driver: 'berth.dev/block', pvName: 'pvc-u1', volume, capacityBytes: 1n << 30n, fsType: 'ext4', identity: '1-2-berth.dev/block', topologyAware: true });
  assert.deepEqual(pv, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: 'pvc-u1',
      annotations: { 'pv.kubernetes.io/provisioned-by': 'berth.dev/block', 'volume.kubernetes.io/provisioner-deletion-secret-name': '', 'volume.kubernetes.io/provisioner-deletion-secret-namespace': '' },
      finalizers: ['external-provisioner.volume.kubernetes.io/finalizer'],
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      mountOptions: ['noatime'],
      capacity: { storage: '1Gi' },
      csi: { driver: 'berth.dev/block', volumeHandle: 'pvc-u1', fsType: 'ext4', volumeAttributes: { 'storage.kubernetes.io/csiProvisionerIdentity': '1-2-berth.dev/block', dev: 'loop' } },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'fast',
      volumeMode: 'Filesystem',
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.berth.dev/node', operator: 'In', values: ['n1'] }] }] } },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data', uid: 'u1', apiVersion: 'v1', resourceVersion: '42' },
    },
  });
});

test('block volumes have no fsType; Retain volumes no finalizer; capacity is BinarySI', () => {
  const block = { ...claim, spec: { ...(claim.spec as object), volumeMode: 'Block' } };
  const pv = provisionedVolume({ claim: block, cls: { metadata: {}, reclaimPolicy: 'Retain' }, driver: 'd', pvName: 'p', volume, capacityBytes: 1536n << 20n, fsType: 'ext4', identity: 'i', topologyAware: false });
  const spec = pv.spec as { csi: Record<string, unknown>; volumeMode: string; capacity: { storage: string }; nodeAffinity?: unknown; persistentVolumeReclaimPolicy: string };
  assert.equal(spec.csi.fsType, undefined);
  assert.equal(spec.volumeMode, 'Block');
  assert.equal(spec.capacity.storage, '1536Mi');
  assert.equal(spec.nodeAffinity, undefined, 'no affinity for a driver without topology');
  assert.equal(spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.metadata.finalizers, undefined);
});

test('nodeAffinityOf: one term per topology, one expression per segment', () => {
  assert.equal(nodeAffinityOf(undefined), undefined);
  assert.equal(nodeAffinityOf([{}]), undefined);
  assert.deepEqual(nodeAffinityOf([{ a: '1', b: '2' }, { a: '3' }]), {
    required: { nodeSelectorTerms: [
      { matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }, { key: 'b', operator: 'In', values: ['2'] }] },
      { matchExpressions: [{ key: 'a', operator: 'In', values: ['3'] }] },
    ] },
  });
});
