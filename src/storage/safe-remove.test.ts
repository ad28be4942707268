import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bindMount, mountPointsUnder, mountTmpfs, unmount } from './mounts';
import { removeTree } from './safe-remove';

let base: string;
before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-rm-')));
});
after(async () => {
  for (const p of await mountPointsUnder(base)) await unmount(p);
  await rm(base, { recursive: true, force: true });
});

test('removeTree deletes symlinks, never what they point to', async () => {
  const outside = join(base, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'precious'), 'keep');
  const t = join(base, 'tree');
  await mkdir(join(t, 'a/b'), { recursive: true });
  await writeFile(join(t, 'a/b/f'), 'x');
  await symlink(outside, join(t, 'a/link'));
  await symlink('../../outside', join(t, 'rel'));
  await removeTree(t);
  await assert.rejects(stat(t), /ENOENT/);
  assert.equal(await readFile(join(outside, 'precious'), 'utf8'), 'keep');
  await removeTree(t); // missing is fine
});

test('removeTree refuses to empty a mounted tmpfs or a same-filesystem bind mount', async () => {
  const src = join(base, 'bind-src');
  await mkdir(src);
  await writeFile(join(src, 'precious'), 'keep');
  for (const kind of ['tmpfs', 'bind']) {
    const t = join(base, `tree-${kind}`);
    const m = join(t, 'mnt');
    await mkdir(m, { recursive: true });
    if (kind === 'tmpfs') await mountTmpfs(m);
    else await bindMount(src, m);
    await writeFile(join(m, 'in-mount'), 'x');
    await assert.rejects(removeTree(t), /still a mount point/, kind);
    assert.equal(await readFile(join(m, 'in-mount'), 'utf8'), 'x', kind);
    await unmount(m);
    await removeTree(t);
  }
  assert.equal(await readFile(join(src, 'precious'), 'utf8'), 'keep');
});
