import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setUpHostPath } from './host-path';

let base: string;
let sock: string;
const server = createServer();
before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'berth-hostpath-')));
  await mkdir(join(base, 'dir'));
  await writeFile(join(base, 'file'), 'f');
  sock = join(base, 'sock');
  await new Promise<void>((r) => server.listen(sock, r));
});
after(async () => {
  await new Promise((r) => server.close(r));
  await rm(base, { recursive: true, force: true });
});

test('hostPath type checks as the kubelet does, with its messages', async () => {
  const b = (p: string) => join(base, p);
  const cases: [string, string, string | RegExp | null][] = [
    ['', b('missing'), null], // no type: no checks
    ['Directory', b('dir'), null],
    ['Directory', b('file'), `hostPath type check failed: ${b('file')} is not a directory`],
    ['Directory', b('missing'), `hostPath type check failed: ${b('missing')} is not a directory`],
    ['File', b('file'), null],
    ['File', b('dir'), `hostPath type check failed: ${b('dir')} is not a file`],
    ['Socket', sock, null],
    ['Socket', b('file'), `hostPath type check failed: ${b('file')} is not a socket file`],
    ['CharDevice', '/dev/null', null],
    ['CharDevice', b('file'), `hostPath type check failed: ${b('file')} is not a character device`],
    ['BlockDevice', '/dev/null', 'hostPath type check failed: /dev/null is not a block device'],
    ['DirectoryOrCreate', b('file'), `hostPath type check failed: ${b('file')} is not a directory`],
    ['FileOrCreate', b('dir'), `hostPath type check failed: ${b('dir')} is not a file`],
    ['FileOrCreate', b('no-parent/f'), `open ${b('no-parent/f')}: no such file or directory`],
    ['Bogus', b('dir'), 'Bogus is an invalid volume type'],
  ];
  for (const [type, path, want] of cases) {
    const r = setUpHostPath({ path, type });
    if (want === null) assert.equal(await r, path, `${type} ${path}`);
    else await assert.rejects(r, { message: want }, `${type} ${path}`);
  }
});

test('DirectoryOrCreate makes 0755 directories (parents too); FileOrCreate an empty 0644 file', async () => {
  const d = join(base, 'made/deep');
  await setUpHostPath({ path: d, type: 'DirectoryOrCreate' });
  assert.equal((await stat(d)).mode & 0o7777, 0o755);
  const f = join(base, 'dir/new-file');
  await setUpHostPath({ path: f, type: 'FileOrCreate' });
  const st = await stat(f);
  assert.ok(st.isFile() && st.size === 0);
  assert.equal(st.mode & 0o777, 0o644);
});

test('relative and backstepping host paths are refused', async () => {
  await assert.rejects(setUpHostPath({ path: 'rel', type: '' }), /must be absolute/);
  await assert.rejects(setUpHostPath({ path: '/a/../etc', type: '' }), /'\.\.'/);
});
