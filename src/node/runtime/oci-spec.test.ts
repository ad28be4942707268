import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSpec, Pod } from '../types';
import { buildOciSpec, capabilitiesFor, cgroupResources, defaultCapabilities, mergeEnv, type OciSpecInput } from './oci-spec';

const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [] } };
function input(c: Partial<ContainerSpec>, extra: Partial<OciSpecInput> = {}): OciSpecInput {
  return {
    pod,
    container: { name: 'c', ...c },
    image: { Entrypoint: ['/bin/sh'], Cmd: ['-c', 'true'], Env: ['PATH=/bin', 'A=image'], WorkingDir: '/w' },
    env: [['A', 'pod'], ['B', '$(A)']],
    volumeMounts: [{ destination: '/data', source: '/host/data', type: 'bind', options: ['rbind', 'rw'] }],
    files: { hosts: '/p/etc-hosts', resolvConf: '/p/resolv.conf', hostname: '/p/hostname', terminationLog: '/p/term' },
    namespaces: { net: '/ns/net', ipc: '/ns/ipc', uts: '/ns/uts' },
    cgroupsPath: '/berth/podu1/cid',
    user: { uid: 0, gid: 0 },
    ...extra,
  };
}

test('buildOciSpec: process, mounts, namespaces, cgroups', () => {
  const s = buildOciSpec(input({ command: ['/bin/echo', '$(A)'] }));
  assert.deepEqual(s.process.args, ['/bin/echo', 'pod']);
  assert.deepEqual(s.process.env, ['PATH=/bin', 'A=pod', 'HOSTNAME=p', 'B=$(A)']);
  assert.equal(s.process.cwd, '/w');
  assert.equal(s.process.terminal, false);
  assert.equal(s.root.readonly, false);
  const dests = s.mounts.map((m) => m.destination);
  assert.deepEqual(dests, ['/proc', '/dev', '/dev/pts', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/dev/shm', '/etc/hosts', '/etc/resolv.conf', '/etc/hostname', '/dev/termination-log', '/data']);
  assert.deepEqual(s.linux['namespaces'], [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: '/ns/net' }, { type: 'uts', path: '/ns/uts' }, { type: 'ipc', path: '/ns/ipc' }]);
  const hostNet = buildOciSpec({ ...input({}), pod: { ...pod, spec: { ...pod.spec, hostNetwork: true, hostIPC: true } } });
  assert.deepEqual(hostNet.linux['namespaces'], [{ type: 'pid' }, { type: 'mount' }]);
  assert.equal(hostNet.mounts.some((m) => m.destination === '/etc/hosts'), false);
  assert.equal(s.linux['cgroupsPath'], '/berth/podu1/cid');
  assert.deepEqual(s.linux['resources'], { devices: [{ allow: false, access: 'rwm' }], cpu: { shares: 2 } });
  assert.ok((s.linux['maskedPaths'] as string[]).includes('/proc/kcore'));
});

test('buildOciSpec: securityContext and tty', () => {
  const s = buildOciSpec(input({ tty: true, workingDir: '/x', securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } }));
  assert.equal(s.process.terminal, true);
  assert.ok(s.process.env.includes('TERM=xterm'));
  assert.equal(s.process.cwd, '/x');
  assert.equal(s.root.readonly, true);
  assert.equal(s.process['noNewPrivileges'], true);
  const p = buildOciSpec(input({ securityContext: { privileged: true } }));
  assert.equal(p.linux['maskedPaths'], undefined);
  assert.equal((p.process['capabilities'] as { bounding: string[] }).bounding.includes('CAP_SYS_ADMIN'), true);
  assert.deepEqual((p.linux['resources'] as { devices: unknown }).devices, [{ allow: true, access: 'rwm' }]);
  // A volume at /etc/hosts replaces the managed file.
  const v = buildOciSpec(input({}, { volumeMounts: [{ destination: '/etc/hosts', source: '/h', type: 'bind', options: [] }] }));
  assert.equal(v.mounts.filter((m) => m.destination === '/etc/hosts').length, 1);
  assert.equal(v.mounts.find((m) => m.destination === '/etc/hosts')?.source, '/h');
});

test('capabilitiesFor: add/drop over the default set', () => {
  const cases: [Record<string, unknown>, (c: string[]) => boolean][] = [
    [{}, (c) => c.length === defaultCapabilities.length],
    [{ capabilities: { add: ['NET_ADMIN'] } }, (c) => c.includes('CAP_NET_ADMIN')],
    [{ capabilities: { drop: ['KILL', 'chown'] } }, (c) => !c.includes('CAP_KILL') && !c.includes('CAP_CHOWN') && c.length === defaultCapabilities.length - 2],
    [{ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }, (c) => c.length === 1 && c[0] === 'CAP_NET_BIND_SERVICE'],
    [{ capabilities: { add: ['ALL'] } }, (c) => c.includes('CAP_SYS_ADMIN')],
  ];
  for (const [sc, ok] of cases) assert.ok(ok(capabilitiesFor(sc, false)), JSON.stringify(sc));
});

test('cgroupResources: shares, quota, memory', () => {
  const cases: [ContainerSpec['resources'], unknown][] = [
    [undefined, { cpu: { shares: 2 } }],
    [{ requests: { cpu: '250m' } }, { cpu: { shares: 256 } }],
    [{ requests: { cpu: '1m' } }, { cpu: { shares: 2 } }],
    [{ limits: { cpu: '500m', memory: '64Mi' } }, { cpu: { shares: 512, period: 100000, quota: 50000 }, memory: { limit: 67108864 } }],
    [{ requests: { cpu: '2' }, limits: { cpu: '4' } }, { cpu: { shares: 2048, period: 100000, quota: 400000 } }],
  ];
  for (const [r, want] of cases) assert.deepEqual(cgroupResources(r), want, JSON.stringify(r));
});

test('mergeEnv: container values replace the image values in place; PATH defaulted', () => {
  assert.deepEqual(mergeEnv({ Env: ['A=1', 'B=2'] }, [['A', '3'], ['C', '4']], []), [['A', '3'], ['B', '2'], ['C', '4'], ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']]);
});

test('buildOciSpec: volumeDevices become device nodes and cgroup allow rules ("r" when read-only)', () => {
  const s = buildOciSpec(input({}, { devices: [{ path: '/dev/xvda', type: 'b', major: 7, minor: 3, readOnly: false }, { path: '/dev/xvdb', type: 'b', major: 259, minor: 1, readOnly: true }] }));
  assert.deepEqual(s.linux['devices'], [
    { path: '/dev/xvda', type: 'b', major: 7, minor: 3, fileMode: 0o660, uid: 0, gid: 0 },
    { path: '/dev/xvdb', type: 'b', major: 259, minor: 1, fileMode: 0o660, uid: 0, gid: 0 },
  ]);
  assert.deepEqual((s.linux['resources'] as { devices: unknown }).devices, [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'b', major: 7, minor: 3, access: 'rwm' },
    { allow: true, type: 'b', major: 259, minor: 1, access: 'r' },
  ]);
  assert.equal(buildOciSpec(input({})).linux['devices'], undefined, 'no volumeDevices: no device list');
});
