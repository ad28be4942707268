import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { KObject } from '../types';
import { serviceDef as def } from './service';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- loose JSON fixtures

const defaulted = (spec: Obj, status?: Obj): Obj => {
  const o: KObject = { metadata: { name: 's', namespace: 'd' }, spec, ...(status ? { status } : {}) };
  def.default?.(o);
  return o;
};
const msgs = (spec: Obj): string[] => (def.validate?.(defaulted(spec) as KObject) ?? []).map((e) => fieldErrorMessage(e));

/** An update as the store runs it: defaults, then the strategy's update preparation. */
const updated = (next: Obj, old: Obj): Obj => {
  const o = defaulted(structuredClone(next)) as KObject;
  def.prepareForUpdate?.(o, defaulted(structuredClone(old)) as KObject);
  return o.spec as Obj;
};

describe('Service defaults (SetDefaults_Service)', () => {
  test('externalTrafficPolicy defaults for externally accessible services only', () => {
    assert.equal(defaulted({ type: 'ClusterIP', externalIPs: ['1.2.3.4'], ports: [{ port: 80 }] }).spec.externalTrafficPolicy, 'Cluster');
    assert.equal(defaulted({ externalIPs: ['1.2.3.4'], ports: [{ port: 80 }] }).spec.externalTrafficPolicy, 'Cluster');
    assert.equal(defaulted({ type: 'NodePort', ports: [{ port: 80 }] }).spec.externalTrafficPolicy, 'Cluster');
    assert.equal(defaulted({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }).spec.externalTrafficPolicy, 'Local');
    assert.equal('externalTrafficPolicy' in defaulted({ type: 'ClusterIP', ports: [{ port: 80 }] }).spec, false);
    assert.equal('externalTrafficPolicy' in defaulted({ type: 'ExternalName', externalName: 'x.io', externalIPs: ['1.2.3.4'] }).spec, false);
  });

  test('sessionAffinityConfig is dropped for None and defaulted for ClientIP', () => {
    const none = defaulted({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] }).spec;
    assert.equal(none.sessionAffinity, 'None');
    assert.equal('sessionAffinityConfig' in none, false);
    assert.equal(defaulted({ sessionAffinity: '', ports: [{ port: 80 }] }).spec.sessionAffinity, 'None');
    assert.deepEqual(defaulted({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.deepEqual(defaulted({ sessionAffinity: 'ClientIP', sessionAffinityConfig: {}, ports: [{ port: 80 }] }).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.deepEqual(defaulted({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] }).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 60 } });
  });

  test('internalTrafficPolicy, allocateLoadBalancerNodePorts and the ingress IP mode', () => {
    assert.equal(defaulted({ ports: [{ port: 80 }] }).spec.internalTrafficPolicy, 'Cluster');
    assert.equal('internalTrafficPolicy' in defaulted({ type: 'ExternalName', externalName: 'x.io' }).spec, false);
    const lb = defaulted({ type: 'LoadBalancer', ports: [{ port: 80 }] }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { hostname: 'lb.example.com' }, { ip: '5.6.7.8', ipMode: 'Proxy' }] } });
    assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
    assert.deepEqual(lb.status.loadBalancer.ingress, [{ ip: '1.2.3.4', ipMode: 'VIP' }, { hostname: 'lb.example.com' }, { ip: '5.6.7.8', ipMode: 'Proxy' }]);
  });
});

describe('Service validation', () => {
  test('ExternalName is validated and reported without its trailing dot', () => {
    assert.deepEqual(msgs({ type: 'ExternalName', externalName: 'example.com.' }), []);
    const bad = msgs({ type: 'ExternalName', externalName: 'Bad_Name.' });
    assert.equal(bad.length, 1);
    assert.match(bad[0] ?? '', /^spec\.externalName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.deepEqual(msgs({ type: 'ExternalName', externalName: '.' }), ['spec.externalName: Required value']);
  });

  test('a node port may repeat only across protocols', () => {
    const ports = [{ name: 'a', port: 53, nodePort: 30053 }, { name: 'b', port: 54, protocol: 'UDP', nodePort: 30053 }, { name: 'c', port: 55, nodePort: 30053 }];
    assert.deepEqual(msgs({ type: 'NodePort', ports }), ['spec.ports[2].nodePort: Duplicate value: 30053']);
  });
});

describe('Service update preparation', () => {
  const nodePort = { type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [{ name: 'http', port: 80, nodePort: 30080 }] };

  test('NodePort to ClusterIP drops the node ports and externalTrafficPolicy the server filled in', () => {
    const spec = updated({ ...structuredClone(nodePort), type: 'ClusterIP' }, nodePort);
    assert.deepEqual(spec.ports, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.equal('externalTrafficPolicy' in spec, false);
    assert.equal(spec.clusterIP, '10.96.0.10');
  });

  test('a net-new node port on a type change to ClusterIP is kept for validation to refuse', () => {
    const next = { ...structuredClone(nodePort), type: 'ClusterIP', ports: [{ name: 'http', port: 80, nodePort: 30081 }] };
    assert.equal(updated(next, nodePort).ports[0].nodePort, 30081);
  });

  test('to ExternalName: addresses and families are dropped', () => {
    const spec = updated({ ...structuredClone(nodePort), type: 'ExternalName', externalName: 'x.io' }, nodePort);
    for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) assert.equal(k in spec, false, k);
    assert.equal(spec.ports[0].nodePort, undefined);
  });

  test('allocated values a client left out are carried over, node ports by port name', () => {
    const spec = updated({ type: 'LoadBalancer', ports: [{ name: 'http', port: 8080 }, { name: 'new', port: 81 }] }, nodePort);
    assert.equal(spec.clusterIP, '10.96.0.10');
    assert.deepEqual(spec.clusterIPs, ['10.96.0.10']);
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.deepEqual(spec.ports.map((p: Obj) => p.nodePort), [30080, undefined]);
  });

  test('leaving LoadBalancer clears the load-balancer status', () => {
    // A merge patch of the type only: the rest is as stored.
    const o = defaulted({ type: 'ClusterIP', clusterIP: '10.96.0.10', allocateLoadBalancerNodePorts: true, ports: [{ port: 80, nodePort: 30080 }] }) as KObject;
    const old = defaulted({ type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }) as KObject;
    def.prepareForUpdate?.(o, old);
    assert.deepEqual((o.status as Obj).loadBalancer, {});
    assert.equal('allocateLoadBalancerNodePorts' in (o.spec as Obj), false);
    assert.equal((o.spec as Obj).ports[0].nodePort, undefined);
  });
});
