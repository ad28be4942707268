import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from './fake-registry';
import { ImageService } from './image-service';
import { type TarEntry, writeTar } from './tar-writer';

const layer = writeTar([{ name: 'hello', type: 'file', data: 'hi' }]);
const config = (cmd: string): string =>
  JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: [cmd] }, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } });

describe('importArchive (docker save)', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'berth-import-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });
  const svc = (): ImageService => new ImageService({ root: join(work, 'store'), mirrors: {}, insecureRegistries: [] });

  it('loads several images sharing one layer file, with their tags', async () => {
    const entries: TarEntry[] = [
      { name: 'manifest.json', type: 'file', data: JSON.stringify([
        { Config: 'a.json', RepoTags: ['app:a', 'app:also-a'], Layers: ['l/layer.tar'] },
        { Config: 'b.json', RepoTags: ['example.com/x/app:b'], Layers: ['l/layer.tar'] },
      ]) },
      { name: 'a.json', type: 'file', data: config('a') },
      { name: 'b.json', type: 'file', data: config('b') },
      { name: 'l', type: 'dir' },
      { name: 'l/layer.tar', type: 'file', data: layer },
    ];
    const file = join(work, 'save.tar');
    await writeFile(file, writeTar(entries));
    const images = await svc().importArchive(file);
    assert.deepEqual(images.map((i) => i.repoTags), [['docker.io/library/app:a', 'docker.io/library/app:also-a'], ['example.com/x/app:b']]);
    const paths = await svc().layerPaths(images[1]?.id ?? '');
    assert.equal(await readFile(join(paths[0] ?? '', 'hello'), 'utf8'), 'hi');
  });

  it('refuses names that lead out of the archive and leaves host files alone', async () => {
    const victim = join(work, 'victim.json');
    await writeFile(victim, config('victim'));
    for (const [name, entries] of [
      ['symlink', [{ name: 'c.json', type: 'symlink', linkname: victim }]],
      ['dotdot', []],
    ] as [string, TarEntry[]][]) {
      const cfg = name === 'dotdot' ? '../victim.json' : 'c.json';
      const file = join(work, `${name}.tar`);
      await writeFile(file, writeTar([{ name: 'manifest.json', type: 'file', data: JSON.stringify([{ Config: cfg, RepoTags: ['evil:1'], Layers: [] }]) }, ...entries]));
      await assert.rejects(svc().importArchive(file), /not a regular file inside the archive/);
      assert.equal(await readFile(victim, 'utf8'), config('victim'));
    }
  });

  it('names the problem when the archive is neither format', async () => {
    const file = join(work, 'other.tar');
    await writeFile(file, writeTar([{ name: 'x', type: 'file', data: '' }]));
    await assert.rejects(svc().importArchive(file), /neither manifest.json \(docker save\) nor index.json \(OCI image layout\)/);
  });
});
