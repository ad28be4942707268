import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { csiManagesOwnership, ownedMode, rootMatches, setVolumeOwnership } from './ownership';

test('ownedMode: group rw (ro for read-only volumes), dirs also x and setgid', () => {
  assert.equal(ownedMode(0o644, false, false), 0o664);
  assert.equal(ownedMode(0o600, false, true), 0o640);
  assert.equal(ownedMode(0o755, true, false), 0o2775);
  assert.equal(ownedMode(0o700, true, true), 0o2750);
  assert.equal(rootMatches(2000, 0o42775, 2000, false), true);
  assert.equal(rootMatches(2000, 0o40755, 2000, false), false);
  assert.equal(rootMatches(0, 0o42775, 2000, false), false);
});

test('csiManagesOwnership: File always, None never, default only with fsType and a single-node writer', () => {
  const mount = (fsType: string | undefined, accessMode: 'SINGLE_NODE_WRITER' | 'MULTI_NODE_MULTI_WRITER') => ({ accessType: 'mount' as const, accessMode, ...(fsType ? { fsType } : {}) });
  assert.equal(csiManagesOwnership('File', mount(undefined, 'MULTI_NODE_MULTI_WRITER')), true);
  assert.equal(csiManagesOwnership('None', mount('ext4', 'SINGLE_NODE_WRITER')), false);
  assert.equal(csiManagesOwnership('ReadWriteOnceWithFSType', mount('ext4', 'SINGLE_NODE_WRITER')), true);
  assert.equal(csiManagesOwnership(undefined, mount('ext4', 'MULTI_NODE_MULTI_WRITER')), false);
  assert.equal(csiManagesOwnership(undefined, mount(undefined, 'SINGLE_NODE_WRITER')), false);
  assert.equal(csiManagesOwnership('File', { accessType: 'block', accessMode: 'SINGLE_NODE_WRITER' }), false);
  assert.equal(csiManagesOwnership('File', mount('ext4', 'SINGLE_NODE_WRITER'), true), false, 'a read-only mount is never changed');
});

test('setVolumeOwnership: real files get the group and modes; symlinks are not followed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-own-'));
  const outside = await mkdtemp(join(tmpdir(), 'berth-own-out-'));
  try {
    await mkdir(join(dir, 'sub'), { mode: 0o755 });
    await writeFile(join(dir, 'sub', 'f'), 'x', { mode: 0o644 });
    await writeFile(join(outside, 'host'), 'h', { mode: 0o600 });
    await symlink(join(outside, 'host'), join(dir, 'link'));
    await symlink(outside, join(dir, 'dirlink'));
    await chmod(dir, 0o755);
    await setVolumeOwnership(dir, 2000, false, undefined);
    for (const [p, mode] of [[dir, 0o2775], [join(dir, 'sub'), 0o2775], [join(dir, 'sub', 'f'), 0o664]] as const) {
      const st = await lstat(p);
      assert.equal(st.gid, 2000, p);
      assert.equal(st.mode & 0o7777, mode, p);
    }
    const host = await lstat(join(outside, 'host'));
    assert.deepEqual([host.gid, host.mode & 0o7777], [0, 0o600], 'the symlink target outside is untouched');
    const out = await lstat(outside);
    assert.equal(out.gid, 0, 'a symlinked directory is not walked');
    // OnRootMismatch: a matching root skips the walk (a new file stays as it is).
    await writeFile(join(dir, 'later'), 'y', { mode: 0o600 });
    await setVolumeOwnership(dir, 2000, false, 'OnRootMismatch');
    assert.equal((await lstat(join(dir, 'later'))).mode & 0o7777, 0o600);
    await setVolumeOwnership(dir, 2000, false, 'Always');
    assert.equal((await lstat(join(dir, 'later'))).mode & 0o7777, 0o660);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  }
});
