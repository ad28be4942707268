import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allResources } from '../machinery/resources';
import { MemoryBackend } from '../store/memory';
import { admissionPlugins } from './admission/plugins';
import { bootstrap } from './bootstrap';
import { ObjectStore } from './object-store';
import { Registry } from './registry';

const registry = new Registry(allResources);
const sc = registry.lookup('storage.k8s.io', 'v1', 'storageclasses');
const vsc = registry.lookup('snapshot.storage.k8s.io', 'v1', 'volumesnapshotclasses');
let n = 0;
const store = () => new ObjectStore(new MemoryBackend(), { now: () => new Date('2026-11-28T09:00:00Z') }, { uid: () => `uid-${++n}`, suffix: (k) => 'x'.repeat(k) }, admissionPlugins(registry));

test('bootstrap: the local-dir (default) and block classes, a default snapshot class per built-in driver', async () => {
  assert.ok(sc && vsc);
  const s = store();
  await bootstrap(s, registry, { ip: '127.0.0.1', port: 6443 });
  const classes = (await s.list(sc, undefined, {})).items;
  assert.deepEqual(classes.map((c) => [c.metadata.name, c['provisioner'], c['allowVolumeExpansion']]), [['block', 'block.csi.berth.dev', true], ['local-dir', 'local-dir.csi.berth.dev', true]]);
  const snaps = (await s.list(vsc, undefined, {})).items;
  assert.deepEqual(snaps.map((c) => [c.metadata.name, c['driver'], c.metadata.annotations?.['snapshot.storage.kubernetes.io/is-default-class']]), [['block', 'block.csi.berth.dev', 'true'], ['local-dir', 'local-dir.csi.berth.dev', 'true']]);
});

test('bootstrap: a default class left by an older Berth (provisioner berth.dev/local-dir) is replaced; a user class is kept', async () => {
  assert.ok(sc);
  const s = store();
  await s.create(sc, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-dir', annotations: { 'berth.dev/capacity-enforced': 'false' } }, provisioner: 'berth.dev/local-dir', volumeBindingMode: 'Immediate' });
  await s.create(sc, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'mine' }, provisioner: 'berth.dev/local-dir', volumeBindingMode: 'Immediate' });
  await bootstrap(s, registry, { ip: '127.0.0.1', port: 6443 });
  assert.equal((await s.get(sc, undefined, 'local-dir'))['provisioner'], 'local-dir.csi.berth.dev');
  assert.equal((await s.get(sc, undefined, 'mine'))['provisioner'], 'berth.dev/local-dir');
});

test('bootstrap: the replaced class keeps the user\'s choice of default (and labels)', async () => {
  assert.ok(sc);
  const s = store();
  await s.create(sc, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-dir', labels: { team: 'a' }, annotations: { 'berth.dev/capacity-enforced': 'false', 'storageclass.kubernetes.io/is-default-class': 'false' } }, provisioner: 'berth.dev/local-dir', volumeBindingMode: 'Immediate' });
  await bootstrap(s, registry, { ip: '127.0.0.1', port: 6443 });
  const c = await s.get(sc, undefined, 'local-dir');
  assert.equal(c['provisioner'], 'local-dir.csi.berth.dev');
  assert.equal(c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'false');
  assert.deepEqual(c.metadata.labels, { team: 'a' });
});
