// The image service against Debian's real docker-registry (set up by registry.ts) as the docker.io
// mirror, and `berth images` import of archives written by skopeo and by hand.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { runImagesCommand } from '../../src/cli/images';
import { ImageService } from '../../src/node/images/image-service';
import { ImagePullError } from '../../src/node/types';
import { buildBusyboxLayout, startTestRegistry, type TestRegistry } from './registry';

/** Mounts an overlay of `lower` (top-most first) and runs a shell command chrooted into it. */
function runIn(work: string, lower: string[], script: string): string {
  const [merged, upper, wd] = ['merged', 'upper', 'work'].map((d) => join(work, d));
  execFileSync('sh', ['-c', `mkdir -p "$1" "$2" "$3"`, 'sh', merged ?? '', upper ?? '', wd ?? '']);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower.join(':')},upperdir=${upper},workdir=${wd}`, merged ?? '']);
  try {
    return execFileSync('chroot', [merged ?? '', '/bin/sh', '-c', script], { encoding: 'utf8', env: { PATH: '/bin:/usr/bin:/sbin:/usr/sbin' } });
  } finally {
    execFileSync('umount', [merged ?? '']);
  }
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The busybox layout with its layer recompressed as zstd (skopeo 1.9 keeps existing gzip blobs). */
async function zstdLayout(dir: string): Promise<string> {
  const src = await buildBusyboxLayout();
  await cp(src, dir, { recursive: true });
  const blob = (d: string): string => join(dir, 'blobs', 'sha256', d.slice(7));
  type Desc = { mediaType: string; digest: string; size: number };
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Desc[] };
  const top = index.manifests[0] as Desc;
  const manifest = JSON.parse(await readFile(blob(top.digest), 'utf8')) as { layers: Desc[] };
  const layer = manifest.layers[0] as Desc;
  const zst = execFileSync('zstd', ['-q', '-c'], { input: gunzipSync(await readFile(blob(layer.digest))), maxBuffer: 64 << 20 });
  Object.assign(layer, { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha(zst), size: zst.length });
  await writeFile(blob(layer.digest), zst);
  const mbuf = Buffer.from(JSON.stringify(manifest));
  await writeFile(blob(sha(mbuf)), mbuf);
  Object.assign(top, { digest: sha(mbuf), size: mbuf.length });
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  return dir;
}

function capture(): { write(s: string): boolean; text: () => string } {
  let buf = '';
  return { write: (s: string) => ((buf += s), true), text: () => buf };
}

describe('images e2e (docker-registry as the docker.io mirror)', () => {
  let registry: TestRegistry;
  let work: string;
  before(async () => {
    registry = await startTestRegistry();
    work = await mkdtemp(join(tmpdir(), 'berth-images-e2e-'));
  });
  after(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pulls `busybox` through the mirror and the unpacked rootfs runs', async () => {
    const svc = new ImageService({ root: join(work, 'pull', 'images'), mirrors: { 'docker.io': [registry.mirrorUrl] }, insecureRegistries: [] });
    const img = await svc.ensureImage('busybox', 'IfNotPresent');
    assert.deepEqual(img.repoTags, ['docker.io/library/busybox:latest']);
    assert.match(img.repoDigests[0] ?? '', /^docker\.io\/library\/busybox@sha256:[a-f0-9]{64}$/);
    assert.deepEqual(img.config.Cmd, ['sh']);
    const out = runIn(join(work, 'pull'), await svc.layerPaths(img.id), 'echo ok; id -un; grep nobody /etc/passwd; test -d /tmp && echo tmp');
    assert.equal(out, 'ok\nroot\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\ntmp\n');
  });

  it('pulls a zstd-compressed image', async () => {
    await registry.push(await zstdLayout(join(work, 'zstd-layout')), 'latest', 'library/busybox:zstd');
    const svc = new ImageService({ root: join(work, 'zstd', 'images'), mirrors: { 'docker.io': [registry.mirrorUrl] }, insecureRegistries: [] });
    const img = await svc.ensureImage('busybox:zstd', 'IfNotPresent');
    assert.equal((await svc.get(img.id))?.layers[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    assert.equal(runIn(join(work, 'zstd'), await svc.layerPaths(img.id), 'echo ok'), 'ok\n');
  });

  it('ErrImagePull carries the mirror’s message for a missing tag; Never refuses an absent image', async () => {
    const svc = new ImageService({ root: join(work, 'errors', 'images'), mirrors: { 'docker.io': [registry.mirrorUrl] }, insecureRegistries: [] });
    await assert.rejects(svc.ensureImage('busybox:nope', 'IfNotPresent'), (e: unknown) => {
      assert.ok(e instanceof ImagePullError);
      assert.equal(e.reason, 'ErrImagePull');
      assert.match(e.message, /^failed to pull and unpack image "docker\.io\/library\/busybox:nope": .*404 Not Found: MANIFEST_UNKNOWN: manifest unknown/);
      assert.ok(e.message.includes(registry.mirrorUrl), e.message);
      return true;
    });
    await assert.rejects(svc.ensureImage('busybox', 'Never'), { reason: 'ErrImageNeverPull', message: 'Container image "busybox" is not present with pull policy of Never' });
  });

  it('berth images pull | ls | rm', async () => {
    const dataDir = join(work, 'cli');
    const out = capture();
    const err = capture();
    const code = await runImagesCommand(['pull', 'busybox', '--mirror', `docker.io=${registry.mirrorUrl}`], { dataDir, stdout: out, stderr: err });
    assert.equal(code, 0, err.text());
    assert.match(out.text(), /^Using default tag: latest\nlatest: Pulling from library\/busybox\n[a-f0-9]{12}: Waiting\n[a-f0-9]{12}: Downloading\n/);
    assert.match(out.text(), /[a-f0-9]{12}: Pull complete\nDigest: sha256:[a-f0-9]{64}\nStatus: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/);

    const again = capture();
    await runImagesCommand(['pull', 'busybox:latest', `--mirror=docker.io=${registry.mirrorUrl}`], { dataDir, stdout: again });
    assert.match(again.text(), /: Already exists\n[^]*Status: Image is up to date for busybox:latest\n/);

    const ls = capture();
    assert.equal(await runImagesCommand(['ls'], { dataDir, stdout: ls }), 0);
    const lines = ls.text().trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.match(lines[1] ?? '', /^busybox\s+latest\s+[a-f0-9]{12}\s+\d+ (years|months) ago\s+[\d.]+MB$/);

    // While a container rootfs of it is mounted, rm refuses.
    const svc = new ImageService({ root: join(dataDir, 'images'), mirrors: {}, insecureRegistries: [] });
    const lower = await svc.layerPaths((await svc.get('busybox'))?.id ?? '');
    const mnt = join(dataDir, 'ctr');
    for (const d of ['rootfs', 'upper', 'work']) await mkdir(join(mnt, d), { recursive: true });
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower.join(':')},upperdir=${mnt}/upper,workdir=${mnt}/work`, `${mnt}/rootfs`]);
    const refused = capture();
    try {
      assert.equal(await runImagesCommand(['rm', 'busybox'], { dataDir, stdout: capture(), stderr: refused }), 1);
    } finally {
      execFileSync('umount', [`${mnt}/rootfs`]);
    }
    assert.match(refused.text(), /a container is using it/);

    const rmOut = capture();
    assert.equal(await runImagesCommand(['rm', 'busybox'], { dataDir, stdout: rmOut }), 0);
    assert.match(rmOut.text(), /^Untagged: busybox:latest\nUntagged: busybox@sha256:[a-f0-9]{64}\nDeleted: sha256:[a-f0-9]{64}\n$/);
    const empty = capture();
    await runImagesCommand(['ls'], { dataDir, stdout: empty });
    assert.equal(empty.text().trimEnd().split('\n').length, 1);

    const missing = capture();
    assert.equal(await runImagesCommand(['rm', 'busybox'], { dataDir, stdout: capture(), stderr: missing }), 1);
    assert.match(missing.text(), /no such image/);
  });

  it('imports a docker save tar (written by skopeo) with two tags', async () => {
    const layout = await buildBusyboxLayout();
    const file = join(work, 'busybox-save.tar');
    execFileSync('skopeo', ['--insecure-policy', 'copy', '--quiet', '--additional-tag', 'busybox:1.36', `oci:${layout}:latest`, `docker-archive:${file}:busybox:latest`]);
    const dataDir = join(work, 'import-save');
    const out = capture();
    assert.equal(await runImagesCommand(['import', file], { dataDir, stdout: out, stderr: out }), 0, out.text());
    assert.equal(out.text(), 'Loaded image: busybox:latest\nLoaded image: busybox:1.36\n');
    const svc = new ImageService({ root: join(dataDir, 'images'), mirrors: {}, insecureRegistries: [] });
    const img = await svc.ensureImage('busybox:1.36', 'Never');
    assert.equal(runIn(dataDir, await svc.layerPaths(img.id), 'echo ok'), 'ok\n');
  });

  it('imports OCI layout tars: named by annotation, or untagged with a bare ref.name', async () => {
    const layout = await buildBusyboxLayout();
    const named = join(work, 'oci-named');
    await cp(layout, named, { recursive: true });
    const index = JSON.parse(await readFile(join(named, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
    const first = index.manifests[0];
    if (first) first.annotations['io.containerd.image.name'] = 'docker.io/library/busybox:oci';
    await writeFile(join(named, 'index.json'), JSON.stringify(index));
    for (const [dir, name] of [[layout, 'plain'], [named, 'named']] as const) execFileSync('tar', ['-C', dir, '-cf', join(work, `${name}.tar`), '.']);

    const svc = new ImageService({ root: join(work, 'import-oci', 'images'), mirrors: {}, insecureRegistries: [] });
    const [plain] = await svc.importArchive(join(work, 'plain.tar'));
    assert.deepEqual(plain?.repoTags, []);
    const [withName] = await svc.importArchive(join(work, 'named.tar'));
    assert.equal(withName?.id, plain?.id);
    assert.deepEqual(withName?.repoTags, ['docker.io/library/busybox:oci']);
    const img = await svc.ensureImage('busybox:oci', 'Never');
    await mkdir(join(work, 'import-oci', 'run'), { recursive: true });
    assert.equal(runIn(join(work, 'import-oci', 'run'), await svc.layerPaths(img.id), 'echo ok'), 'ok\n');
    const res = await svc.remove('busybox:oci');
    assert.deepEqual(res.deleted, [img.id]);
    assert.deepEqual(await svc.list(), []);
  });
});
