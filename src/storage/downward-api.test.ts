import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../node/types';
import { downwardPayload, fieldValue, formatMap, resourceValue } from './downward-api';
import { goQuote } from './go-quote';

const node = { cpuMillis: 4000n, memoryBytes: 8n << 30n, ephemeralStorageBytes: 100n << 30n };
const pod: Pod = {
  metadata: { name: 'web', namespace: 'team', uid: 'u-1', labels: { b: '2', a: '1' }, annotations: { 'x.io/k': 'v' } },
  spec: { containers: [{ name: 'c', resources: { limits: { memory: '1Gi' }, requests: { cpu: '100m', memory: '100M' } } }] },
};

test('goQuote matches Go %q', () => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\tnl\n', '"tab\\tnl\\n"'],
    ['\x00\x7f', '"\\x00\\x7f"'],
    ['日本', '"日本"'],
    ['\u200b', '"\\u200b"'],
  ];
  for (const [s, want] of cases) assert.equal(goQuote(s), want, JSON.stringify(s));
});

test('fieldValue and formatMap', () => {
  assert.equal(formatMap({ b: '2', a: '1' }), 'a="1"\nb="2"');
  assert.equal(formatMap(undefined), '');
  const cases: [string, string][] = [
    ['metadata.name', 'web'],
    ['metadata.namespace', 'team'],
    ['metadata.uid', 'u-1'],
    ['metadata.labels', 'a="1"\nb="2"'],
    ["metadata.labels['b']", '2'],
    ["metadata.annotations['x.io/k']", 'v'],
    ["metadata.labels['none']", ''],
  ];
  for (const [f, want] of cases) assert.equal(fieldValue(pod, f), want, f);
  assert.throws(() => fieldValue(pod, 'spec.nodeName'), /unsupported fieldPath/);
});

test('resourceValue: divisors round up; unset limits are the node allocatable, unset requests 0', () => {
  const r = (resource: string, divisor?: string) => resourceValue(pod, { containerName: 'c', resource, ...(divisor ? { divisor } : {}) }, node);
  const cases: [string, string | undefined, string][] = [
    ['limits.cpu', undefined, '4'],
    ['limits.cpu', '1m', '4000'],
    ['requests.cpu', undefined, '1'], // 100m rounds up to 1 core
    ['requests.cpu', '1m', '100'],
    ['limits.memory', undefined, String(1 << 30)],
    ['limits.memory', '1Mi', '1024'],
    ['requests.memory', '1Mi', '96'], // 100M = 95.37Mi, rounded up
    ['requests.ephemeral-storage', undefined, '0'],
    ['limits.ephemeral-storage', '1Gi', '100'],
  ];
  for (const [res, div, want] of cases) assert.equal(r(res, div), want, `${res} / ${div}`);
  assert.throws(() => resourceValue(pod, { containerName: 'nope', resource: 'limits.cpu' }, node), /container "nope" not found/);
  assert.throws(() => r('limits.gpu'), /unsupported container resource/);
});

test('downwardPayload: modes and path checks', () => {
  const p = downwardPayload(pod, [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'd/ns', mode: 0o400, fieldRef: { fieldPath: 'metadata.namespace' } }], 0o440, node);
  assert.deepEqual([...p].map(([k, v]) => [k, v.data.toString(), v.mode]), [['n', 'web', 0o440], ['d/ns', 'team', 0o400]]);
  assert.throws(() => downwardPayload(pod, [{ path: '../x', fieldRef: { fieldPath: 'metadata.name' } }], undefined, node), /invalid path/);
});
