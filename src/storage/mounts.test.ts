import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseMountInfo } from './mountinfo';
import { mountPointsUnder, mountsAt, mountTmpfs, resizeTmpfs, tmpfsSize, unmount } from './mounts';

let base: string;
before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-mounts-')));
});
after(async () => {
  for (const p of await mountPointsUnder(base)) await unmount(p);
  await rm(base, { recursive: true, force: true });
});

test('parseMountInfo decodes escapes and finds the fields after the separator', () => {
  const text = [
    '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
    '40 27 0:50 / /p/tmp rw,relatime shared:3 - tmpfs tmpfs rw,size=4096k,mode=755',
    '',
  ].join('\n');
  const m = parseMountInfo(text);
  assert.deepEqual(m[0], { id: 36, parent: 35, root: '/mnt1', mountPoint: '/mnt/with space', optional: ['master:1'], fsType: 'ext3', source: '/dev/root', superOptions: 'rw,errors=continue' });
  assert.equal(tmpfsSize(m[1]!), 4096n * 1024n);
  assert.equal(tmpfsSize(m[0]), undefined);
});

test('tmpfs: mounted with a size, grown in place, listed deepest first, unmounted', async () => {
  const a = join(base, 'a');
  const b = join(a, 'b');
  await mkdir(a);
  await mountTmpfs(a, { sizeBytes: 4n << 20n, mode: 0o755 });
  await mkdir(b);
  await mountTmpfs(b);
  assert.equal(tmpfsSize((await mountsAt(a))[0]!), 4n << 20n);
  await resizeTmpfs(a, 6n << 20n);
  assert.equal(tmpfsSize((await mountsAt(a)).at(-1)!), 6n << 20n);
  assert.deepEqual(await mountPointsUnder(base), [b, a]);
  await unmount(b);
  await unmount(a);
  await unmount(a); // not mounted any more: fine
  assert.deepEqual(await mountPointsUnder(base), []);
});
