import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocate, usedBy } from './service-allocator';

const svc = (spec: Record<string, unknown>) => ({ metadata: { name: 's' }, spec });

test('a ClusterIP service gets the first free address after the reserved ones', () => {
  const used = usedBy([svc({ clusterIP: '10.96.0.10' })]);
  const s = svc({ type: 'ClusterIP', ports: [{ port: 80 }] });
  assert.deepEqual(allocate(s, used), []);
  assert.equal((s.spec as { clusterIP: string }).clusterIP, '10.96.0.11');
  assert.deepEqual((s.spec as { clusterIPs: string[] }).clusterIPs, ['10.96.0.11']);
});

test('headless and ExternalName services get no address', () => {
  const h = svc({ clusterIP: 'None' });
  assert.deepEqual(allocate(h, usedBy([])), []);
  assert.deepEqual((h.spec as { clusterIPs: string[] }).clusterIPs, ['None']);
  const e = svc({ type: 'ExternalName', externalName: 'example.com' });
  assert.deepEqual(allocate(e, usedBy([])), []);
  assert.equal((e.spec as { clusterIP?: string }).clusterIP, undefined);
});

test('a requested address must be free and in range', () => {
  const taken = allocate(svc({ clusterIP: '10.96.0.10' }), usedBy([svc({ clusterIP: '10.96.0.10' })]));
  assert.equal(taken[0]?.detail, 'failed to allocate IP 10.96.0.10: provided IP is already allocated');
  const outside = allocate(svc({ clusterIP: '192.168.1.1' }), usedBy([]));
  assert.match(outside[0]?.detail ?? '', /not in the valid range/);
});

test('node ports come from 30000-32767 and are not reused', () => {
  const used = usedBy([svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] })]);
  const s = svc({ type: 'NodePort', ports: [{ port: 80 }, { port: 81, nodePort: 30000 }] });
  const errs = allocate(s, used);
  assert.equal((s.spec as { ports: { nodePort: number }[] }).ports[0]?.nodePort, 30001);
  assert.equal(errs[0]?.field, 'spec.ports[1].nodePort');
  assert.equal(errs[0]?.detail, 'provided port is already allocated');
});
