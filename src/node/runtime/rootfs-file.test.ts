import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRootfsFile, resolveInRootfs } from './rootfs-file';

// A crafted image rootfs: /etc/passwd and friends point wherever an attacker likes.
function craftedRootfs(): { base: string; rootfs: string } {
  const base = mkdtempSync(join(tmpdir(), 'berth-rootfs-'));
  const rootfs = join(base, 'rootfs');
  for (const d of ['etc', 'run', 'dev', 'data', 'lib']) mkdirSync(join(rootfs, d), { recursive: true });
  writeFileSync(join(base, 'outside'), 'host-secret\n');
  writeFileSync(join(rootfs, 'etc', 'real-passwd'), 'app:x:1000:1000::/:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'shadow'), 'image-shadow\n');
  execFileSync('mkfifo', [join(rootfs, 'run', 'initctl')]);
  execFileSync('mknod', [join(rootfs, 'dev', 'zero'), 'c', '1', '5']);
  writeFileSync(join(rootfs, 'data', 'big'), Buffer.alloc(3 << 20, 'a'));
  const links: [string, string][] = [
    ['fifo', '/run/initctl'],
    ['zero', '/dev/zero'],
    ['climb', '../../../../../../etc/shadow'],
    ['abs', '/etc/real-passwd'],
    ['rel', 'real-passwd'],
    ['outside', '../../outside'],
    ['loop1', 'loop2'],
    ['loop2', 'loop1'],
    ['dir', '/data'],
    ['big', '/data/big'],
    ['hostdir', '/'],
  ];
  for (const [name, target] of links) symlinkSync(target, join(rootfs, 'etc', name));
  // A directory symlink on the way: lib/etc -> ../../../etc (must land in the rootfs' /etc).
  symlinkSync('../../../etc', join(rootfs, 'lib', 'etc'));
  return { base, rootfs };
}

test('files of an untrusted rootfs: symlinks stay inside it, FIFOs and devices are refused, reads are capped', { timeout: 20_000 }, async () => {
  const { base, rootfs } = craftedRootfs();
  try {
    const table: { path: string; want: string | undefined; why: string }[] = [
      { path: '/etc/fifo', want: undefined, why: 'a FIFO is not read (and opening it does not wait for a writer)' },
      { path: '/etc/zero', want: undefined, why: 'a device is not read' },
      { path: '/etc/climb', want: 'image-shadow\n', why: '.. is clamped at the rootfs: the image\'s own /etc/shadow, not the host\'s' },
      { path: '/etc/abs', want: 'app:x:1000:1000::/:/bin/sh\n', why: 'an absolute target is taken inside the rootfs' },
      { path: '/etc/rel', want: 'app:x:1000:1000::/:/bin/sh\n', why: 'a relative target' },
      { path: '/etc/outside', want: undefined, why: 'climbing out to a file next to the rootfs ends at the rootfs root, where it is missing' },
      { path: '/etc/loop1', want: undefined, why: 'a loop is an error, not a hang' },
      { path: '/etc/dir', want: undefined, why: 'a directory is not read' },
      { path: '/etc/missing', want: undefined, why: 'missing' },
      { path: '/lib/etc/abs', want: 'app:x:1000:1000::/:/bin/sh\n', why: 'a directory symlink on the way is resolved inside' },
      { path: '/etc/hostdir/etc/shadow', want: 'image-shadow\n', why: 'a link to / is the rootfs' },
      { path: '/../../../etc/shadow', want: 'image-shadow\n', why: '.. in the path itself is clamped' },
    ];
    for (const row of table) {
      const got = await readRootfsFile(rootfs, row.path).catch((err: unknown) => (/loop/.test((err as Error).message) ? undefined : Promise.reject(err)));
      assert.equal(got, row.want, `${row.path}: ${row.why}`);
    }
    await assert.rejects(resolveInRootfs(rootfs, '/etc/loop1'), /more than 40 symlinks/);
    assert.equal(await resolveInRootfs(rootfs, '/etc/climb'), join(rootfs, 'etc', 'shadow'));
    assert.equal(await resolveInRootfs(rootfs, '/etc/outside'), join(rootfs, 'outside'));
    const big = await readRootfsFile(rootfs, '/etc/big');
    assert.equal(big?.length, 1 << 20, 'capped at 1 MiB');
    assert.equal((await readRootfsFile(rootfs, '/etc/big', 10))?.length, 10);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
