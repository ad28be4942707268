// The agent with the real pod network (CNI bridge) and volume manager; images still faked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { eventually } from '../controllers/testing/fake-timer';
import { CniNetwork } from './network/cni-network';
import { networkName } from './network/conflist';
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

test('a finished pod gives back its IP, veth, netns and rootfs mounts; its status and logs stay', { timeout: 120_000 }, async () => {
  let net: CniNetwork | undefined;
  const h = await nodeHarness({
    network: (config) => (net = new CniNetwork({ stateDir: join(config.dataDir, 'cni'), bridge: config.bridge, podCIDR: config.podCIDR })),
  });
  try {
    await h.startAgent();
    const pod = await h.createPod({ restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox', command: ['sh', '-c', 'sleep 0.5; echo job done'] }] }, 'job');
    const uid = pod.metadata.uid ?? '';
    const ipamDir = join(h.config.dataDir, 'cni', 'ipam', networkName(h.config.bridge));
    let ip = '';
    await eventually(async () => {
      ip = String(((await h.getPod('job'))?.status as Obj | undefined)?.['podIP'] ?? '');
      return ip !== '' && existsSync(join(ipamDir, ip));
    }, 30_000, 'pod IP allocated');
    assert.notEqual(execFileSync('ip', ['-o', 'link', 'show', 'master', h.config.bridge]).toString().trim(), '', 'a veth on the bridge while it runs');
    await eventually(async () => ((await h.getPod('job'))?.status as Obj | undefined)?.['phase'] === 'Succeeded', 30_000, 'Succeeded');
    await eventually(() => !existsSync(join(ipamDir, ip)), 10_000, 'IP released');
    await eventually(async () => (await net?.listSandboxes(join(h.config.dataDir, 'pods')))?.length === 0, 10_000, 'netns gone');
    assert.equal(execFileSync('ip', ['-o', 'link', 'show', 'master', h.config.bridge]).toString().trim(), '', 'veth gone');
    const podDir = join(h.config.dataDir, 'pods', uid);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(podDir), false, 'no rootfs or netns mount left');
    assert.deepEqual(await h.agent.runtime.runc.list(), []);
    // The API object and the logs stay for kubectl get/logs.
    const done = await h.getPod('job');
    assert.equal(cs(done, 'job')['state']['terminated']['reason'], 'Completed');
    assert.equal((done?.status as Obj)['podIP'], ip);
    assert.match(readFileSync(await h.agent.logFile({ namespace: 'default', name: 'job' }, 'job', false), 'utf8'), / stdout F job done$/m);
    await h.stack.client.delete(podsRef, 'default', 'job', {});
    await eventually(async () => (await h.getPod('job')) === undefined, 30_000, 'deleted');
    // A terminal pod's object goes at once; the node's teardown follows.
    await eventually(() => !existsSync(podDir), 10_000, 'pod dir removed');
  } finally {
    await h.close();
    await net?.removeUnused();
  }
});
