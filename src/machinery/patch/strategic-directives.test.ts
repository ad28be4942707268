// Directives inside values the live object lacks (upstream's removeDirectives, apimachinery 0.32).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { strategicMergePatch } from './strategic';

const deploy = { group: 'apps', kind: 'Deployment' };
const pod = { group: '', kind: 'Pod' };
const withContainer = (container: Record<string, unknown>) => ({ spec: { template: { spec: { containers: [container] } } } });

describe('strategic merge: directives in values taken whole', () => {
  test('kubectl apply removing FOO from a container with no env does not re-add FOO', () => {
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'c' }],
            containers: [{ '$setElementOrder/env': [{ name: 'A' }], env: [{ name: 'A', value: '1' }, { $patch: 'delete', name: 'FOO' }], name: 'c' }],
          },
        },
      },
    };
    const out = strategicMergePatch(deploy, withContainer({ name: 'c', image: 'i' }), patch);
    assert.deepEqual(out, withContainer({ name: 'c', image: 'i', env: [{ name: 'A', value: '1' }] }));
  });

  test('a delete marker in a list the live item lacks is dropped (no $setElementOrder)', () => {
    const patch = { spec: { containers: [{ name: 'c', env: [{ $patch: 'delete', name: 'X' }, { name: 'B' }] }] } };
    assert.deepEqual(strategicMergePatch(pod, { spec: { containers: [{ name: 'c' }] } }, patch), { spec: { containers: [{ name: 'c', env: [{ name: 'B' }] }] } });
  });

  test('a map carrying $patch under a missing key removes the key, nested too', () => {
    assert.deepEqual(strategicMergePatch(pod, { spec: {} }, { spec: { securityContext: { $patch: 'delete' } } }), { spec: {} });
    const nested = { spec: { affinity: { nodeAffinity: { $patch: 'delete' }, podAffinity: { x: 1 } } } };
    assert.deepEqual(strategicMergePatch(pod, { spec: {} }, nested), { spec: { affinity: { podAffinity: { x: 1 } } } });
  });

  test('$patch: replace under a missing key is dropped too, as removeDirectives does in 1.32', () => {
    assert.deepEqual(strategicMergePatch(pod, { metadata: {} }, { metadata: { labels: { $patch: 'replace', a: '1' } } }), { metadata: {} });
  });

  test('a value of another type is taken whole, minus directives', () => {
    const out = strategicMergePatch(pod, { spec: { containers: 'x' } }, { spec: { containers: [{ name: 'a' }, { name: 'b', $patch: 'delete' }] } });
    assert.deepEqual(out, { spec: { containers: [{ name: 'a' }] } });
  });

  test('$deleteFromPrimitiveList applies to a list without the merge strategy', () => {
    const out = strategicMergePatch(pod, { spec: { containers: [{ name: 'c', args: ['a', 'b'] }] } }, { spec: { containers: [{ name: 'c', '$deleteFromPrimitiveList/args': ['a'] }] } });
    assert.deepEqual(out, { spec: { containers: [{ name: 'c', args: ['b'] }] } });
  });
});
