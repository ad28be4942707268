import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeCsiDriver, FakeRegistry } from '../controllers/provisioner/fake-driver';
import { testStack } from '../controllers/testing/stack';
import { csiNodeRef, nodeRef } from '../machinery/refs';
import { CsiNodePublisher, desiredCsiNode, driverEntry } from './csi-node';

test('driverEntry / desiredCsiNode: node ID, topology keys, volume limit; drivers sorted; owned by the Node', () => {
  assert.deepEqual(driverEntry('b.dev', { nodeId: 'n1', maxVolumesPerNode: 0, accessibleTopology: { 'topology.berth.dev/node': 'n1' } }), { name: 'b.dev', nodeID: 'n1', topologyKeys: ['topology.berth.dev/node'] });
  assert.deepEqual(driverEntry('a.dev', { nodeId: 'n1', maxVolumesPerNode: 8 }), { name: 'a.dev', nodeID: 'n1', topologyKeys: null, allocatable: { count: 8 } });
  const n = desiredCsiNode('n1', 'uid-1', [driverEntry('b.dev', { nodeId: 'n1', maxVolumesPerNode: 0 }), driverEntry('a.dev', { nodeId: 'n1', maxVolumesPerNode: 0 })]);
  assert.deepEqual((n.spec as { drivers: { name: string }[] }).drivers.map((d) => d.name), ['a.dev', 'b.dev']);
  assert.deepEqual(n.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-1' }]);
});

test('CsiNodePublisher: creates the CSINode, keeps a driver that failed to answer once, drops one that went away', async () => {
  const { client } = await testStack();
  await client.create(nodeRef, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
  const a = new FakeCsiDriver('a.csi.dev');
  const b = new FakeCsiDriver('b.csi.dev');
  const registry = new FakeRegistry(a, b);
  const pub = new CsiNodePublisher({ client, nodeName: 'node-a', drivers: registry, log: { warn: () => {} } });
  const names = async () => ((await client.get(csiNodeRef, undefined, 'node-a')).spec as { drivers: { name: string; nodeID: string }[] }).drivers.map((d) => `${d.name}=${d.nodeID}`);
  await pub.sync();
  assert.deepEqual(await names(), ['a.csi.dev=node-a', 'b.csi.dev=node-a']);
  b.nodeGetInfo = () => Promise.reject(new Error('unavailable'));
  await pub.sync();
  assert.deepEqual(await names(), ['a.csi.dev=node-a', 'b.csi.dev=node-a'], 'a flaky answer does not drop the driver');
  const gone = new FakeRegistry(a);
  await new CsiNodePublisher({ client, nodeName: 'node-a', drivers: gone, log: { warn: () => {} } }).sync();
  assert.deepEqual(await names(), ['a.csi.dev=node-a']);
});
