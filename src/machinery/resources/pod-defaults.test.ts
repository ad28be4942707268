import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types';
import type { ResourceDef } from '../resource';
import { deploymentDef } from './deployment';
import { podDef } from './pod';
import { replicaSetDef } from './replicaset';
import { statefulSetDef } from './statefulset';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- loose JSON fixtures

/** hostNetwork, a port without hostPort and only a CPU limit: what SetDefaults_Pod acts on. */
const podSpec = (): Obj => ({
  hostNetwork: true,
  containers: [{ name: 'c', image: 'nginx:1.25', ports: [{ containerPort: 8080 }], resources: { limits: { cpu: '500m' } } }],
  initContainers: [{ name: 'i', image: 'busybox:1.36', ports: [{ containerPort: 9090, hostPort: 0 }], resources: { limits: { memory: '64Mi' }, requests: { cpu: '10m' } } }],
});

const workload = (def: ResourceDef): KObject => {
  const o: KObject = {
    metadata: { name: 'w', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: podSpec() } },
  };
  def.default?.(o);
  return o;
};

describe('pod-only defaults (SetDefaults_Pod)', () => {
  test('a Pod gets requests from limits, hostPort from containerPort and enableServiceLinks', () => {
    const o: KObject = { metadata: { name: 'p', namespace: 'default' }, spec: podSpec() };
    podDef.default?.(o);
    const spec = o.spec as Obj;
    assert.equal(spec.enableServiceLinks, true);
    assert.deepEqual(spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '500m' } });
    assert.deepEqual(spec.initContainers[0].resources, { limits: { memory: '64Mi' }, requests: { cpu: '10m', memory: '64Mi' } });
    assert.equal(spec.containers[0].ports[0].hostPort, 8080);
    assert.equal(spec.initContainers[0].ports[0].hostPort, 9090);
    // The shared PodSpec defaults still apply.
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.containers[0].ports[0].protocol, 'TCP');
  });

  test('a Pod keeps an explicit enableServiceLinks and hostPort; no hostPort without hostNetwork', () => {
    const o: KObject = { metadata: { name: 'p' }, spec: { enableServiceLinks: false, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] } };
    podDef.default?.(o);
    const spec = o.spec as Obj;
    assert.equal(spec.enableServiceLinks, false);
    assert.equal(spec.containers[0].ports[0].hostPort, undefined);
    const h: KObject = { metadata: { name: 'h' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] } };
    podDef.default?.(h);
    assert.equal((h.spec as Obj).containers[0].ports[0].hostPort, 80);
  });

  test('ephemeral containers get no requests from limits (upstream walks containers and initContainers only)', () => {
    const o: KObject = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], ephemeralContainers: [{ name: 'e', image: 'x', resources: { limits: { cpu: '1' } } }] } };
    podDef.default?.(o);
    assert.deepEqual((o.spec as Obj).ephemeralContainers[0].resources, { limits: { cpu: '1' } });
  });

  for (const [kind, def] of [['Deployment', deploymentDef], ['ReplicaSet', replicaSetDef], ['StatefulSet', statefulSetDef]] as const) {
    test(`a ${kind} template gets the PodSpec defaults only`, () => {
      const spec = (workload(def).spec as Obj).template.spec as Obj;
      assert.equal('enableServiceLinks' in spec, false);
      assert.deepEqual(spec.containers[0].resources, { limits: { cpu: '500m' } });
      assert.deepEqual(spec.initContainers[0].resources, { limits: { memory: '64Mi' }, requests: { cpu: '10m' } });
      assert.equal('hostPort' in spec.containers[0].ports[0], false);
      assert.equal(spec.initContainers[0].ports[0].hostPort, 0);
      assert.equal(spec.restartPolicy, 'Always');
      assert.equal(spec.containers[0].ports[0].protocol, 'TCP');
      assert.equal(spec.containers[0].imagePullPolicy, 'IfNotPresent');
    });
  }
});
