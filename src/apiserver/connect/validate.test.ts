import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../machinery/types';
import { checkPhase, nodeEndpoint, nodePath, nodeQuery, pickContainer } from './validate';

function pod(containers: string[], init: string[] = [], phase = 'Running'): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
    spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
    status: { phase },
  };
}

describe('pickContainer', () => {
  const cases: [string, KObject, string | null, 'log' | 'exec', string | RegExp][] = [
    ['the only container is the default', pod(['a']), null, 'exec', 'a'],
    ['a named container', pod(['a', 'b']), 'b', 'exec', 'b'],
    ['an init container may be named', pod(['a'], ['i']), 'i', 'log', 'i'],
    ['two containers need a name (exec)', pod(['a', 'b'], ['i']), null, 'exec', /a container name must be specified for pod p, choose one of: \[a b\] or one of the init containers: \[i\]$/],
    ['two containers need a name (log)', pod(['a', 'b']), null, 'log', /a container name must be specified for pod p, choose one of: \[a b\]$/],
    ['an unknown container', pod(['a']), 'x', 'exec', /container x is not valid for pod p$/],
    ['no containers', pod([]), null, 'exec', /a container name must be specified for pod p$/],
  ];
  for (const [name, p, req, sub, want] of cases) {
    it(name, () => {
      if (typeof want === 'string') assert.equal(pickContainer(p, req, sub), want);
      else assert.throws(() => pickContainer(p, req, sub), want);
    });
  }
});

describe('checkPhase', () => {
  it('refuses exec and attach in completed pods and port-forward in pods not running', () => {
    assert.throws(() => checkPhase(pod(['a'], [], 'Succeeded'), 'exec'), /cannot exec into a container in a completed pod; current phase is Succeeded/);
    assert.throws(() => checkPhase(pod(['a'], [], 'Failed'), 'attach'), /cannot attach a container in a completed pod; current phase is Failed/);
    assert.throws(() => checkPhase(pod(['a'], [], 'Pending'), 'portforward'), /pod is not running. Current status=Pending/);
    checkPhase(pod(['a'], [], 'Pending'), 'exec');
    checkPhase(pod(['a'], [], 'Succeeded'), 'log');
  });
});

describe('nodeEndpoint', () => {
  const node = (status: unknown): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status });
  it('prefers the InternalIP', () => {
    assert.deepEqual(nodeEndpoint(node({ addresses: [{ type: 'Hostname', address: 'h' }, { type: 'InternalIP', address: '10.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } })), { host: '10.0.0.1', port: 10250 });
  });
  it('names what the node agent must report', () => {
    assert.throws(() => nodeEndpoint(node({ daemonEndpoints: { kubeletEndpoint: { Port: 1 } } })), /reports no address/);
    assert.throws(() => nodeEndpoint(node({ addresses: [{ type: 'InternalIP', address: 'x' }] })), /reports no kubelet port/);
  });
});

describe('node requests', () => {
  it('exec options become the kubelet parameters', () => {
    const q = nodeQuery('exec', new URLSearchParams('command=sh&command=-c&command=echo hi&stdin=true&stdout=true&stderr=false&tty=true&container=c'));
    assert.equal(q.toString(), 'command=sh&command=-c&command=echo+hi&input=1&output=1&tty=1');
  });
  it('log options pass through; others do not', () => {
    assert.equal(nodeQuery('log', new URLSearchParams('follow=true&tailLines=3&container=c&pretty=1')).toString(), 'follow=true&tailLines=3');
  });
  it('paths', () => {
    assert.equal(nodePath('exec', 'ns', 'p', 'c'), '/exec/ns/p/c');
    assert.equal(nodePath('portforward', 'ns', 'p', ''), '/portForward/ns/p');
    assert.equal(nodePath('log', 'ns', 'p', 'c'), '/containerLogs/ns/p/c');
  });
});
