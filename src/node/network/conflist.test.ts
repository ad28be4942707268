import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfList, cidrContains, cniArgs, gatewayOf, parseCidr, pluginStdin, portMappingsArg, resultIpv4 } from './conflist';

describe('pod CIDR arithmetic', () => {
  it('finds the gateway and membership', () => {
    const cases: [string, string][] = [
      ['10.244.0.0/24', '10.244.0.1'],
      ['10.200.16.0/20', '10.200.16.1'],
      ['192.168.255.252/30', '192.168.255.253'],
    ];
    for (const [cidr, gw] of cases) assert.equal(gatewayOf(cidr), gw, cidr);
    assert.equal(cidrContains('10.244.0.0/24', '10.244.0.77'), true);
    assert.equal(cidrContains('10.244.0.0/24', '10.244.1.2'), false);
    assert.equal(cidrContains('10.244.0.0/24', 'nonsense'), false);
  });

  it('rejects what a bridge network cannot use, naming the fix', () => {
    const bad: [string, RegExp][] = [
      ['10.244.0.0', /prefix from \/8 to \/30/],
      ['10.244.0.0/31', /prefix from \/8 to \/30/],
      ['10.244.0.300/24', /IPv4 network/],
      ['fd00::/64', /IPv4 network/],
      ['10.244.0.5/24', /host bits are set; use 10\.244\.0\.0\/24/],
    ];
    for (const [cidr, re] of bad) assert.throws(() => parseCidr(cidr), re, cidr);
  });
});

describe('CNI configuration', () => {
  it('chains bridge with host-local, portmap and loopback', () => {
    const list = buildConfList({ bridge: 'bt1', podCIDR: '10.9.8.0/24', ipamDataDir: '/s/ipam' });
    assert.deepEqual(list.plugins.map((p) => p.type), ['bridge', 'portmap', 'loopback']);
    const bridge = list.plugins[0]!;
    assert.equal(bridge.bridge, 'bt1');
    assert.equal(bridge.isGateway, true);
    assert.equal(bridge.ipMasq, false, 'one node-wide masquerade rule instead of a chain per pod');
    assert.equal(bridge.hairpinMode, true);
    assert.deepEqual(bridge.ipam, {
      type: 'host-local',
      ranges: [[{ subnet: '10.9.8.0/24', gateway: '10.9.8.1' }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: '/s/ipam',
    });
    assert.equal(list.name, 'berth-bt1');
  });

  it('leaves portmap out for pods without hostPorts', () => {
    const list = buildConfList({ bridge: 'bt1', podCIDR: '10.9.8.0/24', ipamDataDir: '/s/ipam', hostPorts: false });
    assert.deepEqual(list.plugins.map((p) => p.type), ['bridge', 'loopback']);
  });

  it('gives runtime arguments only to plugins with the capability', () => {
    const list = buildConfList({ bridge: 'bt1', podCIDR: '10.9.8.0/24', ipamDataDir: '/s' });
    const args = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] };
    const prev = { cniVersion: '1.0.0', ips: [] };
    const bridge = pluginStdin(list, list.plugins[0]!, args, undefined);
    assert.equal(bridge.runtimeConfig, undefined);
    assert.equal(bridge.prevResult, undefined);
    assert.equal(bridge.name, 'berth-bt1');
    assert.equal(bridge.cniVersion, '1.0.0');
    const portmap = pluginStdin(list, list.plugins[1]!, args, prev);
    assert.deepEqual(portmap.runtimeConfig, args);
    assert.deepEqual(portmap.prevResult, prev);
    assert.equal(pluginStdin(list, list.plugins[1]!, {}, prev).runtimeConfig, undefined);
  });

  it('maps pod ports to portmap entries', () => {
    assert.deepEqual(
      portMappingsArg([
        { containerPort: 80, hostPort: 8080, protocol: 'TCP' },
        { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' },
        { containerPort: 81, hostPort: 0, protocol: 'TCP' },
        { containerPort: 82, hostPort: 8082, protocol: 'SCTP', hostIP: '0.0.0.0' },
      ]),
      [
        { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' },
        { hostPort: 8082, containerPort: 82, protocol: 'sctp' },
      ],
    );
  });

  it('reads the pod IPv4 from 1.0.0 and 0.4.0 results', () => {
    const cases: [unknown, string | undefined][] = [
      [{ ips: [{ address: '10.1.2.3/24', gateway: '10.1.2.1', interface: 1 }] }, '10.1.2.3'],
      [{ ips: [{ version: '6', address: 'fd00::3/64' }, { version: '4', address: '10.1.2.4/24' }] }, '10.1.2.4'],
      [{ ips: [] }, undefined],
      [{}, undefined],
      [null, undefined],
    ];
    for (const [result, ip] of cases) assert.equal(resultIpv4(result), ip, JSON.stringify(result));
  });

  it('passes pod identity in CNI_ARGS as the kubelet does', () => {
    assert.equal(
      cniArgs({ uid: 'u-1', namespace: 'ns', name: 'web' }),
      'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=u-1;K8S_POD_UID=u-1',
    );
  });
});
