import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
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

/** A "host" directory outside the tree, with files that must survive. */
async function hostDir(name: string): Promise<string> {
  const host = join(base, name);
  await mkdir(join(host, 'sub'), { recursive: true });
  await writeFile(join(host, 'precious'), 'keep');
  await writeFile(join(host, 'sub/also'), 'keep');
  return host;
}

async function assertHostIntact(host: string): Promise<void> {
  assert.deepEqual((await readdir(host)).sort(), ['precious', 'sub']);
  assert.equal(await readFile(join(host, 'precious'), 'utf8'), 'keep');
  assert.equal(await readFile(join(host, 'sub/also'), 'utf8'), 'keep');
}

test('removeTree does not follow a directory swapped for a symlink after it was examined', async () => {
  for (const target of ['absolute', 'relative']) {
    const host = await hostDir(`host-swap-${target}`);
    const t = join(base, `tree-swap-${target}`);
    const victim = join(t, 'a/victim');
    await mkdir(join(victim, 'deeper'), { recursive: true });
    await writeFile(join(victim, 'precious'), 'container file');
    let swapped = false;
    const failed = await removeTree(t, {
      // The container's move: once removal has decided "directory", put a symlink to the host there.
      beforeOpen: async (p) => {
        if (p !== victim || swapped) return;
        swapped = true;
        await rename(victim, join(t, 'a/moved-away'));
        await symlink(target === 'absolute' ? host : `../../host-swap-${target}`, victim);
      },
    }).catch((e: unknown) => e);
    assert.ok(swapped, 'the hook ran at the victim directory');
    await assertHostIntact(host);
    assert.equal(failed, undefined);
    await assert.rejects(lstat(t), /ENOENT/, target);
  }
});

test('removeTree does not follow a parent directory swapped for a symlink while its entries are removed', async () => {
  const host = await hostDir('host-swap-parent');
  const t = join(base, 'tree-swap-parent');
  const parent = join(t, 'p');
  // The same names as in the host directory: a path-based walk would reach the host's files.
  await mkdir(join(parent, 'sub'), { recursive: true });
  await writeFile(join(parent, 'sub/also'), 'container file');
  await writeFile(join(parent, 'precious'), 'container file');
  let swapped = false;
  const failed = await removeTree(t, {
    // p was opened and listed; swap it while its child directory is being handled.
    beforeOpen: async (p) => {
      if (!p.startsWith(`${parent}/`) || swapped) return;
      swapped = true;
      await rename(parent, join(t, 'p-moved'));
      await symlink(host, parent);
    },
  }).catch((e: unknown) => e);
  assert.ok(swapped);
  await assertHostIntact(host);
  assert.equal(failed, undefined);
  await assert.rejects(lstat(t), /ENOENT/);
});
