import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMounts } from '../../storage/mountinfo';
import { isMounted, mountOverlay, unmount } from './overlay';
import { unmountUnder } from './testing/fakes';

test('an overlay under a data dir with a space, reached through a symlink, is seen as mounted and unmounted', async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-ovl-'));
  try {
    const real = join(base, 'data dir');
    mkdirSync(join(real, 'layer'), { recursive: true });
    writeFileSync(join(real, 'layer', 'hello'), 'hi\n');
    symlinkSync(real, join(base, 'link'));
    const via = join(base, 'link');
    const target = join(via, 'rootfs');
    await mountOverlay([join(via, 'layer')], join(via, 'upper'), join(via, 'work'), target);
    assert.equal(readFileSync(join(target, 'hello'), 'utf8'), 'hi\n');
    assert.equal(await isMounted(target), true);
    // A second prepare does not stack another overlay.
    await mountOverlay([join(via, 'layer')], join(via, 'upper'), join(via, 'work'), target);
    assert.equal((await readMounts()).filter((m) => m.mountPoint === join(real, 'rootfs')).length, 1);
    await unmount(target);
    assert.equal(await isMounted(target), false);
    assert.equal((await readMounts()).some((m) => m.mountPoint.startsWith(base)), false);
  } finally {
    unmountUnder(base);
    rmSync(base, { recursive: true, force: true });
  }
});
