import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeProblems } from './preflight';

const all = new Set(['/usr/sbin/runc', '/usr/bin/conmon', '/usr/bin/mount', '/usr/bin/unshare', '/usr/bin/nsenter', '/usr/sbin/ip', '/usr/sbin/iptables', '/usr/bin/tar', '/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/portmap', '/usr/lib/cni/loopback']);
const env = (files: Set<string>, uid = 0) => ({ uid, path: '/usr/sbin:/usr/bin', exists: (f: string) => Promise.resolve(files.has(f)) });

describe('nodeProblems', () => {
  test('a complete root host has none', async () => {
    assert.deepEqual(await nodeProblems(env(all)), []);
  });
  test('missing runtime pieces are named with the packages that provide them', async () => {
    const files = new Set([...all].filter((f) => !f.endsWith('/runc') && !f.endsWith('/conmon') && !f.endsWith('/portmap')));
    const [p] = await nodeProblems(env(files));
    assert.equal(p, 'container runtime is not ready: runc is not in PATH; conmon is not in PATH; CNI plugins portmap are not in /usr/lib/cni or /opt/cni/bin; install them: apt-get install conmon containernetworking-plugins runc');
  });
  test('plugins found in /opt/cni/bin count', async () => {
    const files = new Set([...[...all].filter((f) => !f.startsWith('/usr/lib/cni')), '/opt/cni/bin/bridge', '/opt/cni/bin/host-local', '/opt/cni/bin/portmap', '/opt/cni/bin/loopback']);
    assert.deepEqual(await nodeProblems(env(files)), []);
  });
  test('not root is a problem that names --node=false', async () => {
    const [p] = await nodeProblems(env(all, 1000));
    assert.match(p ?? '', /need root: run berth as root, or pass --node=false/);
  });
});
