import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { access, mkdir, readFile, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, test } from 'node:test';
import { promisify } from 'node:util';
import { isPoolError } from './errors';
import { devicesOf } from './loop';
import { VolumePool } from './pool';
import { MiB } from './sizes';
import { loopsUnder, Scratch } from './test-fixture';

const clock = { now: () => new Date('2026-11-28T09:00:00.000Z') };
let s: Scratch;
let root: string;
before(async () => {
  s = await Scratch.make('berth-pool-block-');
  root = join(s.dir, 'volumes');
});
// Every test must release its loop devices; the check runs even when the test failed.
afterEach(async () => {
  const left = await loopsUnder(s.dir);
  assert.deepEqual(left, [], `loop devices left attached: ${left.join(', ')}`);
});
after(async () => s.cleanup());

const fsBytes = async (p: string): Promise<bigint> => {
  const f = await statfs(p, { bigint: true });
  return f.blocks * f.bsize;
};

/** Runs `fn`, then unstages whatever it staged, so no test leaves a device attached. */
async function withStaged<T>(pool: VolumePool, name: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await pool.unstage(name, path);
  }
}

test('block: capacity is enforced, stage is idempotent, remove refuses while attached', async () => {
  const pool = new VolumePool({ root, clock });
  const rec = await pool.create('cap', { driver: 'block', sizeBytes: 32n * MiB, labels: { app: 'x' }, options: { size: '32M' } });
  assert.equal(rec.capacityEnforced, true);
  assert.equal(rec.createdAt, '2026-11-28T09:00:00.000Z');
  const stage = join(s.dir, 'stage-cap');
  await withStaged(pool, 'cap', stage, async () => {
    const a = await pool.stage('cap', stage);
    const b = await pool.stage('cap', stage);
    assert.equal(a.device, b.device);
    assert.equal((await devicesOf(join(root, 'block', 'cap.img'))).length, 1);
    const dd = await promisify(execFile)('dd', ['if=/dev/zero', `of=${stage}/big`, 'bs=1M', 'count=64']).then(() => '', (e: { stderr: string }) => e.stderr);
    assert.match(dd, /No space left on device/);
    await assert.rejects(pool.remove('cap'), (e) => isPoolError(e, 'InUse') && /attached as \/dev\/loop/.test((e as Error).message));
  });
  await pool.remove('cap');
  await assert.rejects(access(join(root, 'block', 'cap.img')));
  assert.equal(await pool.get('cap'), undefined);
});

test('block: create is idempotent for the same request, conflicting otherwise; sizes are checked', async () => {
  const pool = new VolumePool({ root, clock });
  const a = await pool.create('idem', { driver: 'block', sizeBytes: 20n * MiB - 5n });
  assert.equal(a.sizeBytes, 20n * MiB);
  assert.deepEqual(await pool.create('idem', { driver: 'block', sizeBytes: 20n * MiB }), a);
  await assert.rejects(pool.create('idem', { driver: 'block', sizeBytes: 24n * MiB }), (e) => isPoolError(e, 'AlreadyExists') && /size 20Mi \(asked: 24Mi\)/.test((e as Error).message));
  await assert.rejects(pool.create('small', { driver: 'block', sizeBytes: 8n * MiB }), (e) => isPoolError(e, 'OutOfRange'));
  await assert.rejects(pool.create('../x', { driver: 'block', sizeBytes: 32n * MiB }), (e) => isPoolError(e, 'InvalidArgument'));
  await assert.rejects(pool.create('fromnothing', { driver: 'block', sizeBytes: 32n * MiB, from: { snapshot: 'nope' } }), (e) => isPoolError(e, 'NotFound'));
  await pool.remove('idem');
  // Two racing creates of one name make one volume; a crash's leftover image is replaced.
  await writeFile(join(root, 'block', 'race.img'), 'garbage left by a crash');
  const [x, y] = await Promise.all([pool.create('race', { driver: 'block', sizeBytes: 16n * MiB }), pool.create('race', { driver: 'block', sizeBytes: 16n * MiB })]);
  assert.deepEqual(x, y);
  const stage = join(s.dir, 'stage-race');
  await withStaged(pool, 'race', stage, async () => {
    await pool.stage('race', stage);
    assert.ok((await fsBytes(stage)) > 8n * MiB);
  });
  await pool.remove('race');
});

test('block: expand 32 -> 64 MiB while staged; the filesystem grows online or at the next stage', async () => {
  const pool = new VolumePool({ root, clock });
  await pool.create('grow', { driver: 'block', sizeBytes: 32n * MiB });
  const stage = join(s.dir, 'stage-grow');
  await withStaged(pool, 'grow', stage, async () => {
    await pool.stage('grow', stage);
    const before = await fsBytes(stage);
    assert.ok(before <= 32n * MiB);
    assert.deepEqual(await pool.expand('grow', 64n * MiB), { sizeBytes: 64n * MiB, filesystemResizeRequired: true });
    const r = await pool.growFilesystem('grow');
    if (r.status === 'grown') {
      assert.ok((await fsBytes(stage)) > 48n * MiB); // a host with CAP_SYS_RESOURCE grows it online
    } else {
      assert.match(r.message, /cannot grow a mounted ext4 filesystem/);
      assert.equal(await fsBytes(stage), before);
      await pool.unstage('grow', stage);
      const again = await pool.stage('grow', stage);
      assert.equal(again.grown, true);
      assert.ok((await fsBytes(stage)) > 48n * MiB, 'restaged filesystem is bigger');
    }
    assert.deepEqual(await pool.expand('grow', 64n * MiB), { sizeBytes: 64n * MiB, filesystemResizeRequired: false });
    await assert.rejects(pool.expand('grow', 32n * MiB), (e) => isPoolError(e, 'OutOfRange'));
  });
  await pool.remove('grow');
});

test('block: a snapshot taken while mounted restores that moment; clones copy the live volume', async () => {
  const pool = new VolumePool({ root, clock });
  await pool.create('src', { driver: 'block', sizeBytes: 32n * MiB });
  const stage = join(s.dir, 'stage-src');
  await withStaged(pool, 'src', stage, async () => {
    await pool.stage('src', stage);
    await writeFile(join(stage, 'a'), 'A');
    const snap = await pool.snapshot('src', 'snap1');
    assert.deepEqual(await pool.snapshot('src', 'snap1'), snap);
    await writeFile(join(stage, 'b'), 'B');
    await pool.create('clone', { driver: 'block', sizeBytes: 0n, from: { volume: 'src' } });
  });
  await assert.rejects(pool.snapshot('clone', 'snap1'), (e) => isPoolError(e, 'AlreadyExists'));
  await assert.rejects(pool.create('tiny', { driver: 'block', sizeBytes: 16n * MiB, from: { snapshot: 'snap1' } }), (e) => isPoolError(e, 'OutOfRange'));
  const restored = await pool.create('restored', { driver: 'block', sizeBytes: 48n * MiB, from: { snapshot: 'snap1' } });
  assert.deepEqual(restored.source, { snapshot: 'snap1' });
  const rs = join(s.dir, 'stage-restored');
  await withStaged(pool, 'restored', rs, async () => {
    assert.equal((await pool.stage('restored', rs)).grown, true);
    assert.equal(await readFile(join(rs, 'a'), 'utf8'), 'A');
    await assert.rejects(access(join(rs, 'b')));
    assert.ok((await fsBytes(rs)) > 32n * MiB, "the restored filesystem grew to the requested size");
  });
  const cs = join(s.dir, 'stage-clone');
  await withStaged(pool, 'clone', cs, async () => {
    await pool.stage('clone', cs);
    assert.equal(await readFile(join(cs, 'b'), 'utf8'), 'B');
  });
  assert.deepEqual((await pool.listSnapshots('src')).map((x) => x.name), ['snap1']);
  await pool.deleteSnapshot('snap1');
  await assert.rejects(access(join(root, 'block', '.snapshots', 'snap1.img')));
  for (const n of ['src', 'clone', 'restored']) await pool.remove(n);
});

test('block: records and attachments are found again by a new pool over the same root', async () => {
  const first = new VolumePool({ root, clock });
  const made = await first.create('restart', { driver: 'block', sizeBytes: 32n * MiB, labels: { a: 'b' } });
  const stage = join(s.dir, 'stage-restart');
  const { device } = await first.stage('restart', stage);
  const second = new VolumePool({ root, clock: { now: () => new Date(0) } });
  await withStaged(second, 'restart', stage, async () => {
    assert.deepEqual(await second.get('restart'), made);
    assert.deepEqual((await second.list()).map((v) => v.name), ['restart']);
    assert.equal(await second.device('restart'), device);
    assert.equal((await second.stage('restart', stage)).device, device);
    await second.unstage('restart', stage);
    await second.unstage('restart', stage); // idempotent
    assert.equal(await second.device('restart'), undefined);
    const raw = await second.attach('restart');
    assert.equal(await second.attach('restart'), raw);
  });
  assert.equal(await second.device('restart'), undefined);
  await second.remove('restart');
});

/** Whether a write to `dir` completes within `ms`; a blocked one is released (thaw) before answering. */
async function writable(dir: string, ms = 3000): Promise<boolean> {
  const write = writeFile(join(dir, 'probe'), 'x');
  const timedOut = await Promise.race([write.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms))]);
  if (!timedOut) return true;
  await promisify(execFile)('fsfreeze', ['-u', dir]).catch(() => undefined);
  await write;
  return false;
}

test('block: a filesystem left frozen (a crash mid-snapshot) is thawed by a snapshot and by the next stage', async () => {
  const pool = new VolumePool({ root, clock });
  await pool.create('frz', { driver: 'block', sizeBytes: 16n * MiB });
  const stage = join(s.dir, 'stage-frz');
  const freeze = () => promisify(execFile)('fsfreeze', ['-f', stage]);
  await withStaged(pool, 'frz', stage, async () => {
    await pool.stage('frz', stage);
    await freeze();
    await pool.snapshot('frz', 'frz-snap');
    assert.equal(await writable(stage), true, 'the snapshot thawed it after copying');
    await freeze();
    await pool.stage('frz', stage);
    assert.equal(await writable(stage), true, 'stage thawed the frozen filesystem');
  });
  await pool.deleteSnapshot('frz-snap');
  await pool.remove('frz');
});

test('block: Berth killed (SIGKILL) while a snapshot copies: the filesystem is still thawed', async () => {
  const pool = new VolumePool({ root, clock });
  await pool.create('kil', { driver: 'block', sizeBytes: 16n * MiB });
  const stage = join(s.dir, 'stage-kil');
  // A cp that says it started, then takes a second: time to kill the process taking the snapshot.
  const bin = join(s.dir, 'slow-bin');
  const mark = join(s.dir, 'cp-started');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'cp'), `#!/bin/sh\ntouch '${mark}'\nsleep 1\nexec /bin/cp "$@"\n`, { mode: 0o755 });
  const poolTs = join(dirname(fileURLToPath(import.meta.url)), 'pool.ts');
  const script = `import('${poolTs}').then(({ VolumePool }) => new VolumePool({ root: '${root}', clock: { now: () => new Date() } }).snapshot('kil', 'kil-snap'))`;
  await withStaged(pool, 'kil', stage, async () => {
    await pool.stage('kil', stage);
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 200 && !(await access(mark).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await exited;
    await access(mark);
    assert.equal(await writable(stage, 5000), true, 'the copy thawed the filesystem after its parent died');
  });
  await pool.deleteSnapshot('kil-snap').catch(() => undefined);
  await pool.remove('kil');
});

test('block: source names of a create are checked like volume names', async () => {
  const pool = new VolumePool({ root, clock });
  await assert.rejects(pool.create('bad-src', { driver: 'block', sizeBytes: 16n * MiB, from: { snapshot: '../../etc' } }), (e) => isPoolError(e, 'InvalidArgument') && /Invalid snapshot name/.test((e as Error).message));
  await assert.rejects(pool.create('bad-src', { driver: 'block', sizeBytes: 16n * MiB, from: { volume: 'a/b' } }), (e) => isPoolError(e, 'InvalidArgument') && /Invalid volume name/.test((e as Error).message));
});

test('block: unstage thaws a frozen filesystem, so the loop device is released', async () => {
  const pool = new VolumePool({ root, clock });
  await pool.create('frzu', { driver: 'block', sizeBytes: 16n * MiB });
  const stage = join(s.dir, 'stage-frzu');
  await pool.stage('frzu', stage);
  await promisify(execFile)('fsfreeze', ['-f', stage]);
  await pool.unstage('frzu', stage);
  assert.deepEqual(await loopsUnder(join(root, 'block')), []);
  await pool.remove('frzu');
});
