import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allocate, allocateUpdate, usedBy } from './service-allocator';

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

test('a requested node port is reserved before any is picked', () => {
  const s = svc({ type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, nodePort: 30000 }] });
  assert.deepEqual(allocate(s, usedBy([])), []);
  assert.deepEqual((s.spec as { ports: { nodePort: number }[] }).ports.map((p) => p.nodePort), [30001, 30000]);
});

test('a LoadBalancer without node-port allocation only keeps requested ports', () => {
  const s = svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, nodePort: 30005 }] });
  assert.deepEqual(allocate(s, usedBy([])), []);
  assert.deepEqual((s.spec as { ports: { nodePort?: number }[] }).ports.map((p) => p.nodePort), [undefined, 30005]);
});

type Port = { name?: string; port: number; nodePort?: number };
const ports = (s: { spec: unknown }) => (s.spec as { ports: Port[] }).ports.map((p) => p.nodePort);

describe('allocateUpdate (the service REST update)', () => {
  // `others` are the other services; `old` is the stored version, never counted as used.
  const cases: { name: string; old: Record<string, unknown>; next: Record<string, unknown>; others?: Record<string, unknown>[]; nodePorts?: (number | undefined)[]; clusterIP?: string; errs?: string[] }[] = [
    {
      name: 'ClusterIP to NodePort gives every port a node port',
      old: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] },
      next: { type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] },
      others: [{ type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30000 }] }],
      nodePorts: [30001, 30002],
      clusterIP: '10.96.0.10',
    },
    {
      name: 'a port added to a NodePort service gets one; the existing ones are kept',
      old: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'a', port: 80, nodePort: 30000 }] },
      next: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'a', port: 80, nodePort: 30000 }, { name: 'b', port: 81 }] },
      nodePorts: [30000, 30001],
    },
    {
      name: 'a node port the service gives up is not reused for its new port in the same write',
      old: { type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ name: 'a', port: 80, nodePort: 30000 }] },
      next: { type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ name: 'b', port: 81 }] },
      nodePorts: [30001],
    },
    {
      name: 'a requested node port held by another service is refused',
      old: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30000 }] },
      next: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30100 }] },
      others: [{ type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30100 }] }],
      errs: ['spec.ports[0].nodePort: provided port is already allocated'],
    },
    {
      name: 'a requested node port out of range is refused',
      old: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80 }] },
      next: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 80 }] },
      errs: ['spec.ports[0].nodePort: provided port is not in the valid range. The range of valid ports is 30000-32767'],
    },
    {
      name: 'ExternalName to ClusterIP gets a ClusterIP',
      old: { type: 'ExternalName', externalName: 'example.com' },
      next: { type: 'ClusterIP', ports: [{ port: 80 }] },
      others: [{ type: 'ClusterIP', clusterIP: '10.96.0.10' }],
      clusterIP: '10.96.0.11',
    },
    {
      name: 'ExternalName to ClusterIP with a taken address is refused',
      old: { type: 'ExternalName', externalName: 'example.com' },
      next: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80 }] },
      others: [{ type: 'ClusterIP', clusterIP: '10.96.0.10' }],
      errs: ['spec.clusterIPs: failed to allocate IP 10.96.0.10: provided IP is already allocated'],
    },
    {
      name: 'the service keeps its own address without a collision with itself',
      old: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80 }] },
      next: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 81 }] },
      clusterIP: '10.96.0.10',
      nodePorts: [undefined],
    },
    {
      name: 'NodePort to ClusterIP allocates nothing (the strategy has cleared the node ports)',
      old: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30000 }] },
      next: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80 }] },
      nodePorts: [undefined],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const next = svc(structuredClone(c.next));
      const errs = allocateUpdate(next, svc(c.old), usedBy((c.others ?? []).map(svc)));
      assert.deepEqual(errs.map((e) => `${e.field}: ${e.detail}`), c.errs ?? []);
      if (c.nodePorts) assert.deepEqual(ports(next), c.nodePorts);
      if (c.clusterIP) {
        assert.equal((next.spec as { clusterIP: string }).clusterIP, c.clusterIP);
        assert.deepEqual((next.spec as { clusterIPs: string[] }).clusterIPs, [c.clusterIP]);
      }
    });
  }
});
