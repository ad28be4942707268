import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeConfigFrom } from './node';

const flags = (o: Record<string, string>) => new Map(Object.entries({ node: 'true', 'pod-cidr': '10.244.0.0/24', bridge: 'berth0', 'cgroup-parent': 'berth', 'kubelet-port': '10250', ...o }));

describe('nodeConfigFrom', () => {
  test('defaults and lists', () => {
    const c = nodeConfigFrom(flags({ 'node-name': 'Box-1', 'registry-mirror': 'docker.io=http://127.0.0.1:5000/,quay.io=https://m.example', 'insecure-registry': '127.0.0.1:5000, other:5000' }), '/d');
    assert.deepEqual(c, {
      nodeName: 'box-1',
      dataDir: '/d/node',
      podCIDR: '10.244.0.0/24',
      bridge: 'berth0',
      cgroupParent: 'berth',
      address: '',
      kubeletPort: 10250,
      mirrors: { 'docker.io': ['http://127.0.0.1:5000'], 'quay.io': ['https://m.example'] },
      insecureRegistries: ['127.0.0.1:5000', 'other:5000'],
    });
  });
  test('--node=false means no node', () => {
    assert.equal(nodeConfigFrom(flags({ node: 'false' }), '/d'), undefined);
  });
  const bad: [string, string, RegExp][] = [
    ['pod-cidr', '10.244.0.0', /--pod-cidr "10.244.0.0" is not an IPv4 CIDR/],
    ['pod-cidr', '300.1.0.0/24', /is not an IPv4 CIDR/],
    ['bridge', 'a-very-long-bridge-name', /--bridge .* is not a Linux interface name/],
    ['cgroup-parent', '../escape', /--cgroup-parent .* must be a relative cgroup path/],
    ['cgroup-parent', '/abs', /must be a relative cgroup path/],
    ['kubelet-port', '70000', /--kubelet-port "70000" is not a port number/],
    ['registry-mirror', 'docker.io', /--registry-mirror "docker.io" must be REGISTRY=URL/],
    ['node-name', 'Bad_Name!', /--node-name "bad_name!" is not a valid node name/],
  ];
  for (const [flag, value, msg] of bad) {
    test(`--${flag} ${value} is refused with the fix`, () => {
      assert.throws(() => nodeConfigFrom(flags({ [flag]: value }), '/d'), msg);
    });
  }
});
