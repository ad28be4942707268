import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allResources } from '../../machinery/resources';
import type { KObject } from '../../machinery/types';
import { Registry } from '../registry';
import { inspectObject } from './field-validation';

const registry = new Registry(allResources);
const deploy = registry.lookup('apps', 'v1', 'deployments');
const pod = registry.lookup('', 'v1', 'pods');

test('type errors read like encoding/json: struct, path without indices, Go type', () => {
  assert.ok(deploy && pod);
  const d = { metadata: { name: 'd' }, spec: { replicas: 'three' } } as KObject;
  assert.equal(inspectObject(deploy, 'v1', d).typeError, 'cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  const p = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: true }] } } as KObject;
  assert.equal(inspectObject(pod, 'v1', p).typeError, 'cannot unmarshal bool into Go struct field Container.spec.containers.image of type string');
});

test('unknown fields are reported with their full path, indices included', () => {
  assert.ok(pod);
  const p = { metadata: { name: 'p', bogus: 1 }, spec: { containers: [{ name: 'c', image: 'i', colour: 'red' }] }, extra: {} } as KObject;
  assert.deepEqual(inspectObject(pod, 'v1', p).unknown.sort(), ['extra', 'metadata.bogus', 'spec.containers[0].colour']);
});

test('quantities and int-or-string accept numbers and strings; maps accept any key', () => {
  assert.ok(pod);
  const p = {
    metadata: { name: 'p', labels: { any: 'x' } },
    spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: 1, memory: '1Gi' } }, livenessProbe: { httpGet: { port: 'http' } } }] },
  } as KObject;
  assert.deepEqual(inspectObject(pod, 'v1', p), { unknown: [] });
});

test('nulls are decoded as Go would: absent fields, zero map values and list items', () => {
  assert.ok(deploy);
  const d = {
    metadata: { name: 'd', labels: { a: null } },
    spec: { replicas: null, selector: { matchLabels: { app: null } }, template: { spec: { containers: [null] } } },
    status: null,
  } as unknown as KObject;
  assert.deepEqual(inspectObject(deploy, 'v1', d), { unknown: [] });
  assert.deepEqual(d, { metadata: { name: 'd', labels: { a: '' } }, spec: { selector: { matchLabels: { app: '' } }, template: { spec: { containers: [{}] } } } });
});
