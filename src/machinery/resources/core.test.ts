/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures poke into loose JSON objects */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../field-errors';
import type { ResourceDef } from '../resource';
import type { KObject } from '../types';
import { coreResources } from './core';
import { configMapDef } from './configmap';
import { endpointsDef } from './endpoints';
import { eventDef } from './event';
import { namespaceDef } from './namespace';
import { nodeDef } from './node';
import { secretDef } from './secret';
import { serviceDef } from './service';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:00:00Z';
const msgs = (def: ResourceDef, o: KObject) => (def.validate?.(o) ?? []).map((e) => fieldErrorMessage(e));
const prepared = (def: ResourceDef, o: KObject): KObject => {
  def.default?.(o);
  def.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  return o;
};

test('discovery names', () => {
  const byPlural = Object.fromEntries(coreResources.map((d) => [d.plural, d]));
  assert.deepEqual(byPlural.pods?.shortNames, ['po']);
  assert.deepEqual(byPlural.pods?.categories, ['all']);
  assert.deepEqual(byPlural.services?.shortNames, ['svc']);
  assert.deepEqual(byPlural.services?.categories, ['all']);
  for (const [p, s] of [['configmaps', 'cm'], ['namespaces', 'ns'], ['nodes', 'no'], ['events', 'ev'], ['serviceaccounts', 'sa'], ['endpoints', 'ep']]) {
    assert.deepEqual(byPlural[p!]?.shortNames, [s]);
  }
  for (const d of coreResources) assert.equal(d.table.columns.length, d.table.row({ metadata: { name: 'x' } }, now).length, d.kind);
});

describe('namespace', () => {
  test('defaults and row', () => {
    const o = prepared(namespaceDef, { metadata: { name: 'dev', creationTimestamp: created } });
    assert.deepEqual(o.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(o.status, { phase: 'Active' });
    assert.deepEqual(namespaceDef.table.row(o, now), ['dev', 'Active', '60m']);
    assert.ok(msgs(namespaceDef, { metadata: { name: 'a.b' }, spec: {} })[0]?.startsWith('metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label'));
  });
});

describe('configmap and secret', () => {
  test('configmap keys, Data column, immutability', () => {
    const o: KObject = { metadata: { name: 'c', namespace: 'd', creationTimestamp: created }, data: { a: '1', '..b': '2' }, binaryData: { c: 'AA==' } };
    assert.deepEqual(msgs(configMapDef, o), ['data[..b]: Invalid value: "..b": must not start with \'..\'']);
    assert.deepEqual(configMapDef.table.row(o, now), ['c', 3, '60m']);
    const old: KObject = { metadata: { name: 'c', namespace: 'd', resourceVersion: '1' }, data: { a: '1' }, immutable: true };
    const upd: KObject = { ...structuredClone(old), data: { a: '2' } };
    assert.deepEqual((configMapDef.validateUpdate?.(upd, old) ?? []).map((e) => fieldErrorMessage(e)), ['data: Forbidden: field is immutable when `immutable` is set']);
  });
  test('secret defaults, stringData, typed keys', () => {
    const o = prepared(secretDef, { metadata: { name: 's', namespace: 'd', creationTimestamp: created }, stringData: { user: 'bob' } });
    assert.equal(o.type, 'Opaque');
    assert.deepEqual(o.data, { user: 'Ym9i' });
    assert.equal(o.stringData, undefined);
    assert.deepEqual(secretDef.table.row(o, now), ['s', 'Opaque', 1, '60m']);
    const tls = prepared(secretDef, { metadata: { name: 't', namespace: 'd' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==' } });
    assert.deepEqual(msgs(secretDef, tls), ['data[tls.key]: Required value']);
  });
});

describe('node', () => {
  test('status, roles, wide', () => {
    const o: KObject = {
      metadata: { name: 'n1', creationTimestamp: created, labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.0' }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
    };
    assert.deepEqual(nodeDef.table.row(o, now), ['n1', 'Ready,SchedulingDisabled', 'control-plane,worker', '60m', 'v1.32.0', '10.0.0.1', '<none>', '<unknown>', '<unknown>', '<unknown>']);
    assert.equal(nodeDef.table.row({ metadata: { name: 'x' } }, now)[1], 'Unknown');
    assert.equal(nodeDef.table.row({ metadata: { name: 'x' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, now)[1], 'NotReady');
  });
});

describe('event', () => {
  test('row and fields', () => {
    const o: KObject = {
      metadata: { name: 'p.1', namespace: 'd' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'd', fieldPath: 'spec.containers{c}' },
      reason: 'Pulled',
      type: 'Normal',
      message: 'done \n',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: '2024-05-01T11:00:00Z',
      lastTimestamp: '2024-05-01T11:58:00Z',
      count: 2,
    };
    assert.deepEqual(eventDef.table.row(o, now), ['2m', 'Normal', 'Pulled', 'pod/p', 'spec.containers{c}', 'kubelet, n1', 'done', '60m', 2, 'p.1']);
    assert.equal(eventDef.fields?.(o).source, 'kubelet');
    assert.equal(eventDef.fields?.(o)['involvedObject.name'], 'p');
  });
});

describe('service and endpoints', () => {
  test('defaults and row', () => {
    const o = prepared(serviceDef, { metadata: { name: 'web', namespace: 'd', creationTimestamp: created }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const spec = o.spec as Record<string, any>;
    assert.equal(spec.type, 'ClusterIP');
    assert.equal(spec.sessionAffinity, 'None');
    assert.deepEqual(spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    spec.clusterIP = '10.96.0.10';
    spec.clusterIPs = ['10.96.0.10'];
    assert.deepEqual(serviceDef.table.row(o, now), ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '60m', 'app=web']);
    assert.deepEqual(msgs(serviceDef, o), []);
    const lb = prepared(serviceDef, { metadata: { name: 'lb', namespace: 'd' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30080 }] } });
    assert.deepEqual(serviceDef.table.row(lb, now).slice(1, 5), ['LoadBalancer', '<none>', '<pending>', '80:30080/TCP']);
    assert.deepEqual(msgs(serviceDef, prepared(serviceDef, { metadata: { name: 's', namespace: 'd' }, spec: {} })), ['spec.ports: Required value']);
  });
  test('endpoints column', () => {
    const o: KObject = { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '1.1.1.1' }, { ip: '2.2.2.2' }], ports: [{ port: 80 }, { port: 443 }] }] };
    assert.equal(endpointsDef.table.row(o, now)[1], '1.1.1.1:80,2.2.2.2:80,1.1.1.1:443 + 1 more...');
    assert.equal(endpointsDef.table.row({ metadata: { name: 'e' } }, now)[1], '<none>');
  });
});
