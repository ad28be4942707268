// The agent with the real pod network (CNI bridge) and volume manager; images still faked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { eventually } from '../controllers/testing/fake-timer';
import { CniNetwork } from './network/cni-network';
import { nodeHarness, podsRef } from './runtime/testing/node-harness';
import type { Pod } from './types';
import { VolumeManager } from './volumes/volume-manager';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- status JSON is read loosely
type Obj = Record<string, any>;
const cs = (p: Pod | undefined, name: string): Obj => ((p?.status as Obj | undefined)?.['containerStatuses'] as Obj[] | undefined)?.find((c) => c['name'] === name) ?? {};

test('real CNI network and volume manager: seed pod 2/2, pod IP reachable, httpGet probe, port-forward, clean delete', { timeout: 120_000 }, async () => {
  let net: CniNetwork | undefined;
  const ac = new AbortController();
  const h = await nodeHarness({
    network: (config) => (net = new CniNetwork({ stateDir: join(config.dataDir, 'cni'), bridge: config.bridge, podCIDR: config.podCIDR })),
    volumes: (config, client, onEvict) => {
      const vm = new VolumeManager({ podsDir: join(config.dataDir, 'pods'), client, clock: { now: () => new Date() }, onEvict });
      void vm.start(ac.signal);
      return vm;
    },
  });
  try {
    await h.startAgent();
    await h.createPod({
      terminationGracePeriodSeconds: 0,
      containers: [
        { name: 'writer', image: 'busybox', command: ['/bin/sh', '-c', "echo 'Hello from Writer Pod' > /data/hello.txt; mkdir -p /data/www; echo hi > /data/www/index.html; sleep 3600"], volumeMounts: [{ name: 'shared-data', mountPath: '/data' }] },
        {
          name: 'reader', image: 'busybox', command: ['/bin/sh', '-c', 'cat /data/hello.txt; httpd -f -p 8080 -h /data/www'], volumeMounts: [{ name: 'shared-data', mountPath: '/data' }],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/index.html', port: 'http' }, periodSeconds: 1 },
          livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, initialDelaySeconds: 1 },
        },
      ],
      volumes: [{ name: 'shared-data', emptyDir: {} }],
    }, 'real');
    await eventually(async () => cs(await h.getPod('real'), 'reader')['ready'] === true && cs(await h.getPod('real'), 'writer')['ready'] === true, 30_000, 'Running 2/2');
    const pod = await h.getPod('real');
    const ip = String((pod?.status as Obj)['podIP']);
    assert.ok(ip.startsWith(h.config.podCIDR.split('.').slice(0, 3).join('.')), `pod IP ${ip} in ${h.config.podCIDR}`);
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    assert.equal(await h.agent.exec({ namespace: 'default', name: 'real' }, 'writer', ['wget', '-qO-', 'http://localhost:8080/index.html'], { tty: false, stdout: out, stderr: out }), 0);
    assert.equal(text, 'hi\n', 'containers share the network namespace');
    const sock = await h.agent.portForward({ namespace: 'default', name: 'real' }, 8080);
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ createConnection: () => sock, path: '/index.html', headers: { Connection: 'close' } }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'hi\n');
    await h.stack.client.delete(podsRef, 'default', 'real', {});
    await eventually(async () => (await h.getPod('real')) === undefined, 30_000, 'deleted');
    await eventually(async () => (await net?.listSandboxes(join(h.config.dataDir, 'pods')))?.length === 0, 10_000, 'sandbox gone');
  } finally {
    await h.close();
    ac.abort();
    await net?.removeUnused();
  }
});
