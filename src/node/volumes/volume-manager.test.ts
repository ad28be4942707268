import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readlink, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { ResourceRef } from '../../machinery/client';
import { eventually } from '../../controllers/testing/fake-timer';
import { type Stack, testStack } from '../../controllers/testing/stack';
import { mountPointsUnder, mountsAt, unmount } from '../../storage/mounts';
import type { ContainerSpec, Pod, VolumeSpec } from '../types';
import { VolumeMountError } from './mount-error';
import { VolumeManager } from './volume-manager';

const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const cmRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps' };
const secretRef: ResourceRef = { group: '', version: 'v1', plural: 'secrets' };
const NS = 'vol-test';
const MiB = 1024 * 1024;

let base: string;
let pods: string;
let stack: Stack;
let vm: VolumeManager;
const evictions: [string, string][] = [];
const ac = new AbortController();
let loops: Promise<void>;
let seq = 0;

function pod(volumes: VolumeSpec[], containers: ContainerSpec[] = [], extra: Partial<Pod['metadata']> = {}): Pod {
  const uid = `uid-${process.pid}-${seq++}`;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${seq}`, namespace: NS, uid, ...extra }, spec: { containers, volumes } };
}
const volDir = (p: Pod, plugin: string, name: string) => join(pods, p.metadata.uid ?? '', 'volumes', `kubernetes.io~${plugin}`, name);

before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-volmgr-')));
  pods = join(base, 'pods');
  stack = await testStack();
  await stack.client.create(nsRef, undefined, { metadata: { name: NS } });
  vm = new VolumeManager({ podsDir: pods, client: stack.client, clock: { now: () => new Date() }, resyncMs: 100, usageMs: 100, onEvict: (uid, m) => evictions.push([uid, m]) });
  loops = vm.start(ac.signal);
});
after(async () => {
  ac.abort();
  await loops;
  for (const p of await mountPointsUnder(base)) await unmount(p);
  await rm(base, { recursive: true, force: true });
});

test("the seed's kube.yml: one emptyDir shared by writer and reader, kept across restarts, removed with the pod", async () => {
  const mount = { name: 'shared-data', mountPath: '/data' };
  const p = pod([{ name: 'shared-data', emptyDir: {} }], [{ name: 'writer', volumeMounts: [mount] }, { name: 'reader', volumeMounts: [mount] }]);
  await vm.setUp(p);
  await vm.setUp(p); // idempotent
  const dir = volDir(p, 'empty-dir', 'shared-data');
  const w = await vm.containerMounts(p, p.spec.containers[0]!, {});
  const r = await vm.containerMounts(p, p.spec.containers[1]!, {});
  assert.deepEqual(w, [{ destination: '/data', source: dir, type: 'bind', options: ['rbind', 'rprivate', 'rw'] }]);
  assert.deepEqual(r, w);
  await writeFile(join(dir, 'hello.txt'), 'Hello from Writer Pod\n');
  // A container restart asks for its mounts again: same directory, the file is still there.
  const again = await vm.containerMounts(p, p.spec.containers[0]!, {});
  assert.equal(await readFile(join(again[0]!.source, 'hello.txt'), 'utf8'), 'Hello from Writer Pod\n');
  await vm.tearDown(p.metadata.uid!);
  await assert.rejects(stat(dir), /ENOENT/);
  await vm.tearDown(p.metadata.uid!); // safe to repeat
  // A new pod (new uid) starts empty.
  const p2 = pod([{ name: 'shared-data', emptyDir: {} }]);
  await vm.setUp(p2);
  await assert.rejects(stat(join(volDir(p2, 'empty-dir', 'shared-data'), 'hello.txt')), /ENOENT/);
  await vm.tearDown(p2.metadata.uid!);
});

test('Memory emptyDir is a tmpfs; readOnly mounts; tearDown leaves nothing mounted', async () => {
  const p = pod([{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '4Mi' } }], [{ name: 'c', volumeMounts: [{ name: 'mem', mountPath: '/m', readOnly: true }] }]);
  await vm.setUp(p);
  const dir = volDir(p, 'empty-dir', 'mem');
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  assert.match(info.split('\n').find((l) => l.split(' ')[4] === dir) ?? '', / - tmpfs tmpfs .*size=4096k/);
  assert.deepEqual((await vm.containerMounts(p, p.spec.containers[0]!, {}))[0]?.options, ['rbind', 'rprivate', 'ro']);
  await vm.tearDown(p.metadata.uid!);
  assert.deepEqual(await mountPointsUnder(join(pods, p.metadata.uid!)), []);
  await assert.rejects(stat(join(pods, p.metadata.uid!)), /ENOENT/);
});

test('sizeLimit: usage over the limit calls onEvict once with the upstream message', async () => {
  const p = pod([{ name: 'cache', emptyDir: { sizeLimit: '1Mi' } }]);
  await vm.setUp(p);
  await writeFile(join(volDir(p, 'empty-dir', 'cache'), 'small'), Buffer.alloc(MiB / 2, 1));
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(evictions.filter(([u]) => u === p.metadata.uid), [], 'under the limit: no eviction');
  await writeFile(join(volDir(p, 'empty-dir', 'cache'), 'big'), Buffer.alloc(2 * MiB, 1));
  await eventually(async () => evictions.some(([u]) => u === p.metadata.uid), 5000, 'eviction');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(evictions.filter(([u]) => u === p.metadata.uid), [[p.metadata.uid, 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi".']]);
  await vm.tearDown(p.metadata.uid!);
});

test('configMap and secret: items, modes, binaryData, decoded secrets on tmpfs, read-only, live updates', async () => {
  await stack.client.create(cmRef, NS, { metadata: { name: 'app-cfg' }, data: { 'app.conf': 'v=1', other: 'o' }, binaryData: { 'bin.dat': Buffer.from([0, 1, 2]).toString('base64') } });
  await stack.client.create(secretRef, NS, { metadata: { name: 'app-sec' }, type: 'Opaque', data: { password: Buffer.from('hunter2').toString('base64') } });
  const p = pod(
    [
      { name: 'cfg', configMap: { name: 'app-cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }, { key: 'bin.dat', path: 'bin.dat' }], defaultMode: 0o640 } },
      { name: 'sec', secret: { secretName: 'app-sec' } },
    ],
    [{ name: 'c', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'sec', mountPath: '/sec' }] }],
  );
  await vm.setUp(p);
  const cfg = volDir(p, 'configmap', 'cfg');
  const sec = volDir(p, 'secret', 'sec');
  assert.equal(await readFile(join(cfg, 'conf/app.conf'), 'utf8'), 'v=1');
  assert.equal((await stat(join(cfg, 'conf/app.conf'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(cfg, 'bin.dat'))).mode & 0o777, 0o640);
  assert.deepEqual([...(await readFile(join(cfg, 'bin.dat')))], [0, 1, 2]);
  await assert.rejects(stat(join(cfg, 'other')), /ENOENT/, 'only the listed items');
  assert.equal(await readFile(join(sec, 'password'), 'utf8'), 'hunter2');
  assert.equal((await stat(join(sec, 'password'))).mode & 0o777, 0o644);
  assert.equal((await mountsAt(sec))[0]?.fsType, 'tmpfs', 'secrets never touch the disk');
  assert.match((await mountsAt(sec))[0]?.superOptions ?? '', /size=4096k/, 'a small tmpfs');
  assert.deepEqual((await vm.containerMounts(p, p.spec.containers[0]!, {})).map((m) => m.options[2]), ['ro', 'ro'], 'API data is read-only');

  const v1 = await readlink(join(cfg, '..data'));
  await stack.client.patch(cmRef, NS, 'app-cfg', 'merge', { data: { 'app.conf': 'v=2' } });
  await stack.client.patch(secretRef, NS, 'app-sec', 'merge', { data: { password: Buffer.from('correct horse').toString('base64') } });
  await eventually(async () => (await readFile(join(cfg, 'conf/app.conf'), 'utf8')) === 'v=2', 5000, 'configmap update');
  await eventually(async () => (await readFile(join(sec, 'password'), 'utf8')) === 'correct horse', 5000, 'secret update');
  const v2 = await readlink(join(cfg, '..data'));
  // The largest secret the API allows fits its tmpfs (two versions exist during a swap).
  const big = Buffer.alloc(1000 * 1024, 7);
  await stack.client.patch(secretRef, NS, 'app-sec', 'merge', { data: { blob: big.toString('base64') } });
  await eventually(async () => (await readFile(join(sec, 'blob')).catch(() => Buffer.alloc(0))).equals(big), 5000, 'big secret');
  assert.notEqual(v2, v1);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await readlink(join(cfg, '..data')), v2, 'no rewrite while nothing changes');
  await vm.tearDown(p.metadata.uid!);
  assert.deepEqual(await mountPointsUnder(join(pods, p.metadata.uid!)), []);
});

test('missing objects and keys: FailedMount-style errors unless optional', async () => {
  const p = pod([
    { name: 'ok', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'nope' } },
    { name: 'opt', configMap: { name: 'nope', optional: true } },
    { name: 'sec', secret: { secretName: 'nope' } },
  ]);
  const err = await vm.setUp(p).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof VolumeMountError);
  assert.equal(err.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found');
  assert.deepEqual(err.all.map((e) => [e.volume, e.message]), [
    ['cfg', 'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found'],
    ['sec', 'MountVolume.SetUp failed for volume "sec" : secret "nope" not found'],
  ]);
  assert.ok((await stat(volDir(p, 'empty-dir', 'ok'))).isDirectory(), 'the other volumes are set up');
  assert.ok((await stat(volDir(p, 'configmap', 'opt'))).isDirectory(), 'optional and missing: an empty volume');

  await stack.client.create(cmRef, NS, { metadata: { name: 'keys' }, data: { a: '1' } });
  const q = pod([
    { name: 'k', configMap: { name: 'keys', items: [{ key: 'b', path: 'b' }] } },
    { name: 'ko', configMap: { name: 'keys', optional: true, items: [{ key: 'b', path: 'b' }, { key: 'a', path: 'a' }] } },
  ]);
  await assert.rejects(vm.setUp(q), { message: 'MountVolume.SetUp failed for volume "k" : configmap references non-existent config key: b' });
  assert.equal(await readFile(join(volDir(q, 'configmap', 'ko'), 'a'), 'utf8'), '1');
  await vm.tearDown(p.metadata.uid!);
  await vm.tearDown(q.metadata.uid!);
});

test('keys and item paths that would escape the volume are refused by the node', async () => {
  // Stored objects bypass nothing here: the node checks paths itself.
  await stack.client.create(cmRef, NS, { metadata: { name: 'evil' }, data: { x: 'x' } });
  for (const path of ['../../../../etc/evil', '/etc/evil', 'a/../../b', '..data']) {
    const p = pod([{ name: 'v', configMap: { name: 'evil', items: [{ key: 'x', path }] } }]);
    await assert.rejects(vm.setUp(p), /invalid path/, path);
    await vm.tearDown(p.metadata.uid!);
  }
  await assert.rejects(stat('/etc/evil'), /ENOENT/);
});

test('downwardAPI and projected volumes; serviceAccountToken failure is reported for its volume', async () => {
  await stack.client.create(cmRef, NS, { metadata: { name: 'proj-cm' }, data: { c: 'C' } });
  await stack.client.create(secretRef, NS, { metadata: { name: 'proj-sec' }, data: { s: Buffer.from('S').toString('base64') } });
  const c: ContainerSpec = { name: 'app', resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m', memory: '32Mi' } } };
  const items = [
    { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
    { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
    { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
    { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
    { path: 'cpu_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
    { path: 'mem_request', resourceFieldRef: { containerName: 'app', resource: 'requests.memory', divisor: '1Mi' } },
  ];
  const p = pod(
    [
      { name: 'info', downwardAPI: { items } },
      { name: 'all', projected: { sources: [{ secret: { name: 'proj-sec' } }, { configMap: { name: 'proj-cm', items: [{ key: 'c', path: 'cfg/c' }] } }, { downwardAPI: { items: [{ path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } }] } }] } },
      { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault' } }] } },
    ],
    [c],
    { labels: { tier: 'web', app: 'x' }, annotations: { note: 'say "hi"\n' } },
  );
  const err = await vm.setUp(p).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof VolumeMountError);
  assert.deepEqual(err.all.map((e) => e.volume), ['tok']);
  assert.match(err.message, /^MountVolume\.SetUp failed for volume "tok" : failed to fetch token: /);
  const info = volDir(p, 'downward-api', 'info');
  const read = (f: string) => readFile(join(info, f), 'utf8');
  assert.equal(await read('name'), p.metadata.name);
  assert.equal(await read('labels'), 'app="x"\ntier="web"');
  assert.equal(await read('tier'), 'web');
  assert.equal(await read('annotations'), 'note="say \\"hi\\"\\n"');
  assert.equal(await read('cpu_limit'), '500');
  assert.equal(await read('mem_request'), '32');
  const all = volDir(p, 'projected', 'all');
  assert.equal(await readFile(join(all, 's'), 'utf8'), 'S');
  assert.equal(await readFile(join(all, 'cfg/c'), 'utf8'), 'C');
  assert.equal(await readFile(join(all, 'uid'), 'utf8'), p.metadata.uid);
  assert.equal((await mountsAt(all))[0]?.fsType, 'tmpfs');
  await vm.tearDown(p.metadata.uid!);
  assert.deepEqual(await mountPointsUnder(join(pods, p.metadata.uid!)), []);
});

test('subPath and subPathExpr: safe bind mounts under volume-subpaths, unmounted by tearDown', async () => {
  const p = pod(
    [{ name: 'work', emptyDir: {} }],
    [{ name: 'c', volumeMounts: [{ name: 'work', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' }, { name: 'work', mountPath: '/x', subPath: 'escape' }] }],
  );
  await vm.setUp(p);
  const work = volDir(p, 'empty-dir', 'work');
  const { symlink } = await import('node:fs/promises');
  await symlink('/etc', join(work, 'escape'));
  await assert.rejects(vm.containerMounts(p, p.spec.containers[0]!, { POD_NAME: 'web-1' }), /failed to prepare subPath for volumeMount "work" of container "c": .*outside/);
  const ok = { ...p.spec.containers[0]!, volumeMounts: [p.spec.containers[0]!.volumeMounts![0]!] };
  const [m] = await vm.containerMounts(p, ok, { POD_NAME: 'web-1' });
  const target = join(pods, p.metadata.uid!, 'volume-subpaths', 'work', 'c', '0');
  assert.deepEqual(m, { destination: '/logs', source: target, type: 'bind', options: ['rbind', 'rprivate', 'rw'] });
  assert.ok((await stat(join(work, 'logs/web-1'))).isDirectory(), 'created in the writable volume');
  assert.equal((await mountsAt(target)).length, 1);
  await writeFile(join(target, 'out.log'), 'line');
  assert.equal(await readFile(join(work, 'logs/web-1/out.log'), 'utf8'), 'line');
  await assert.rejects(vm.containerMounts(p, ok, {}), /missing value for POD_NAME/);
  await vm.tearDown(p.metadata.uid!);
  assert.deepEqual(await mountPointsUnder(join(pods, p.metadata.uid!)), []);
  await assert.rejects(stat(join(pods, p.metadata.uid!)), /ENOENT/);
  assert.ok((await stat('/etc/passwd')).isFile(), 'tearDown did not follow the symlink to /etc');
});

test('restart: a new manager re-adopts volumes on disk (no second tmpfs, data kept) and lists them', async () => {
  const p = pod([{ name: 'mem', emptyDir: { medium: 'Memory' } }, { name: 'disk', emptyDir: {} }], [{ name: 'c', volumeMounts: [{ name: 'disk', mountPath: '/d', subPath: 'sub' }] }]);
  await vm.setUp(p);
  await vm.containerMounts(p, p.spec.containers[0]!, {});
  await writeFile(join(volDir(p, 'empty-dir', 'mem'), 'keep'), 'memory data');
  await writeFile(join(volDir(p, 'empty-dir', 'disk'), 'sub', 'keep'), 'disk data');
  const next = new VolumeManager({ podsDir: pods, client: stack.client, clock: { now: () => new Date() } });
  assert.ok((await next.podsOnDisk()).includes(p.metadata.uid!));
  await next.setUp(p);
  const mounts = await next.containerMounts(p, p.spec.containers[0]!, {});
  assert.equal((await mountsAt(volDir(p, 'empty-dir', 'mem'))).length, 1, 'tmpfs not mounted twice');
  assert.equal((await mountsAt(mounts[0]!.source)).length, 1, 'subPath bind reused');
  assert.equal(await readFile(join(volDir(p, 'empty-dir', 'mem'), 'keep'), 'utf8'), 'memory data');
  assert.equal(await readFile(join(mounts[0]!.source, 'keep'), 'utf8'), 'disk data');
  await next.tearDown(p.metadata.uid!);
  assert.ok(!(await next.podsOnDisk()).includes(p.metadata.uid!));
  assert.deepEqual(await mountPointsUnder(join(pods, p.metadata.uid!)), []);
});

test('start makes the pods directory 0700 even when it already exists as 0755, so local users cannot reach container files', async () => {
  // Its own temp dir, opened to others for the test: base holds the other tests' secrets.
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'berth-volmgr-mode-')));
  const podsDir = join(dir, 'pods');
  await mkdir(join(podsDir, 'uid-x'), { recursive: true });
  await writeFile(join(podsDir, 'uid-x', 'su'), 'setuid binary', { mode: 0o4755 });
  for (const d of [dir, podsDir, join(podsDir, 'uid-x')]) await chmod(d, 0o755);
  // As nobody (a local user without privileges): can the file be reached?
  const reachable = () =>
    promisify(execFile)('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'stat', join(podsDir, 'uid-x', 'su')]).then(
      () => true,
      () => false,
    );
  try {
    assert.equal(await reachable(), true, 'the setup lets nobody in before the manager starts');
    await new VolumeManager({ podsDir, client: stack.client, clock: { now: () => new Date() } }).start(AbortSignal.abort());
    assert.equal((await stat(podsDir)).mode & 0o7777, 0o700);
    assert.equal(await reachable(), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
