// Service type changes through kubectl: the update path allocates node ports and a ClusterIP
// and releases them as kube-apiserver's service REST storage does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { create, getJson, type Kubectl, kubectlFor, namespaceObj } from './util';

let b: Berth;
let k: Kubectl;
const ns = 'svcs';

interface Svc {
  spec: { type: string; clusterIP?: string; externalTrafficPolicy?: string; ports: { port: number; nodePort?: number }[] };
}

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
});
after(() => b?.destroy());

const svc = async (name: string): Promise<Svc> => {
  const s = await getJson<Svc>(k, ['svc', name, '-n', ns]);
  assert.ok(s, `service ${name} exists`);
  return s;
};
const patch = (name: string, body: unknown) => k(['patch', 'svc', name, '-n', ns, '-p', JSON.stringify(body)]);
const inRange = (n: number | undefined) => n !== undefined && n >= 30000 && n <= 32767;

describe('service type changes', () => {
  test('ClusterIP → NodePort gets node ports, and back to ClusterIP drops them', async () => {
    await k(['create', 'service', 'clusterip', 's', '--tcp=80:8080', '-n', ns]);
    const created = await svc('s');
    assert.equal(created.spec.ports[0]?.nodePort, undefined);
    const ip = created.spec.clusterIP;

    await patch('s', { spec: { type: 'NodePort' } });
    const np = await svc('s');
    assert.equal(np.spec.type, 'NodePort');
    assert.ok(inRange(np.spec.ports[0]?.nodePort), JSON.stringify(np.spec.ports));
    assert.equal(np.spec.clusterIP, ip);
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');

    await patch('s', { spec: { type: 'ClusterIP' } });
    const back = await svc('s');
    assert.equal(back.spec.type, 'ClusterIP');
    assert.equal(back.spec.ports[0]?.nodePort, undefined);
    assert.equal(back.spec.externalTrafficPolicy, undefined);
    assert.equal(back.spec.clusterIP, ip);
  });

  test('a port added to a NodePort service gets its own node port; a taken one is refused', async () => {
    await k(['create', 'service', 'nodeport', 'n', '--tcp=80:8080', '-n', ns]);
    const first = (await svc('n')).spec.ports[0]?.nodePort;
    assert.ok(inRange(first));
    await k(['patch', 'svc', 'n', '-n', ns, '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/ports/-', value: { name: 'extra', port: 81 } }, { op: 'add', path: '/spec/ports/0/name', value: 'main' }])]);
    const ports = (await svc('n')).spec.ports;
    assert.equal(ports[0]?.nodePort, first);
    assert.ok(inRange(ports[1]?.nodePort) && ports[1]?.nodePort !== first, JSON.stringify(ports));

    await k(['create', 'service', 'clusterip', 'other', '--tcp=80:8080', '-n', ns]);
    const r = await k(['patch', 'svc', 'other', '-n', ns, '-p', JSON.stringify({ spec: { type: 'NodePort', ports: [{ port: 80, nodePort: first }] } })], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: \d+: provided port is already allocated/);
  });

  test('ExternalName → ClusterIP gets an address', async () => {
    await k(['create', 'service', 'externalname', 'ext', '--external-name=example.com', '-n', ns]);
    assert.equal((await svc('ext')).spec.clusterIP, undefined);
    await patch('ext', { spec: { type: 'ClusterIP', externalName: null, ports: [{ port: 80 }] } });
    const s = await svc('ext');
    assert.match(s.spec.clusterIP ?? '', /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  });
});
