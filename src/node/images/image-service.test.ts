import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ImagePullError, type PullProgress } from '../types';
import { buildImage, buildIndex, type FakeRegistry, startFakeRegistry } from './fake-registry';
import { ImageService } from './image-service';
import { MediaType } from './manifest';

const base = [
  { name: 'bin', type: 'dir' as const },
  { name: 'bin/sh', type: 'file' as const, data: 'shell', mode: 0o755 },
];
const app = buildImage([base, [{ name: 'app', type: 'file', data: 'v1' }]]);

describe('ImageService', () => {
  let root: string;
  const registries: FakeRegistry[] = [];
  const start = async (opts: Parameters<typeof startFakeRegistry>[0] = {}): Promise<FakeRegistry> => {
    const r = await startFakeRegistry(opts);
    registries.push(r);
    return r;
  };
  const service = (mirrors: Record<string, string[]> = {}): ImageService => new ImageService({ root, mirrors, insecureRegistries: [], headerTimeoutMs: 5000 });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-images-'));
  });
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
    await rm(root, { recursive: true, force: true });
  });

  it('pulls, names and unpacks an image; layerPaths lists layers top-most first', async () => {
    const reg = await start();
    reg.putImage('team/app', 'v1', app);
    const progress: PullProgress[] = [];
    const img = await service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent', { onProgress: (p) => progress.push(p) });
    assert.equal(img.id, app.configDigest);
    assert.deepEqual(img.repoTags, [`${reg.host}/team/app:v1`]);
    assert.deepEqual(img.repoDigests, [`${reg.host}/team/app@${app.manifestDigest}`]);
    assert.deepEqual(img.config.Cmd, ['sh']);
    const paths = await service().layerPaths(img.id);
    assert.equal(paths.length, 2);
    assert.deepEqual(await readdir(paths[0] ?? ''), ['app']);
    assert.deepEqual(await readdir(paths[1] ?? ''), ['bin']);
    for (const l of app.layerDigests) {
      const statuses = progress.filter((p) => p.layer === l.slice(7, 19)).map((p) => p.status);
      assert.ok(statuses.includes('Downloading') && statuses.at(-1) === 'Pull complete', statuses.join());
    }
  });

  it('applies pull policies as the kubelet does', async () => {
    const reg = await start();
    reg.putImage('team/app', 'v1', app);
    const ref = `${reg.host}/team/app:v1`;
    const svc = service();
    await assert.rejects(svc.ensureImage(ref, 'Never'), (e: unknown) => e instanceof ImagePullError && e.reason === 'ErrImageNeverPull' && e.message === `Container image "${ref}" is not present with pull policy of Never`);
    await svc.ensureImage(ref, 'IfNotPresent');
    const manifestGets = (): number => reg.requests.filter((r) => r.includes('/manifests/')).length;
    assert.equal(manifestGets(), 1);
    await svc.ensureImage(ref, 'IfNotPresent');
    await svc.ensureImage(ref, 'Never');
    assert.equal(manifestGets(), 1);
    await svc.ensureImage(ref, 'Always');
    assert.equal(manifestGets(), 2);
    // Layers already present are not fetched again.
    assert.equal(reg.requests.filter((r) => r.includes('/blobs/')).length, 3);
    await assert.rejects(svc.ensureImage('Bad:Name', 'IfNotPresent'), (e: unknown) => e instanceof ImagePullError && e.reason === 'InvalidImageName');
  });

  it('makes the store root 0700 at init, even when an older version left it 0755', async () => {
    const reg = await start();
    reg.putImage('team/app', 'v1', app);
    await service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent');
    for (const first of ['init', 'list'] as const) {
      await chmod(root, 0o755);
      const svc = service();
      await (first === 'init' ? svc.init() : svc.list());
      assert.equal((await stat(root)).mode & 0o7777, 0o700, first);
    }
  });

  it('concurrent ensureImage calls for one reference pull once', async () => {
    const reg = await start();
    reg.putImage('team/app', 'v1', app);
    const svc = service();
    const got = await Promise.all([1, 2, 3].map(() => svc.ensureImage(`${reg.host}/team/app:v1`, 'Always')));
    assert.ok(got.every((g) => g.id === app.configDigest));
    assert.equal(reg.requests.filter((r) => r.includes('/manifests/')).length, 1);
  });

  it('carries the registry’s error for a missing tag', async () => {
    const reg = await start();
    await assert.rejects(service().ensureImage(`${reg.host}/team/nope:v9`, 'IfNotPresent'), (e: unknown) => {
      assert.ok(e instanceof ImagePullError);
      assert.equal(e.reason, 'ErrImagePull');
      assert.match(e.message, new RegExp(`^failed to pull and unpack image "${reg.host}/team/nope:v9": failed to resolve reference .*: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown$`));
      return true;
    });
  });

  it('picks linux/amd64 from an index', async () => {
    const reg = await start();
    const arm = buildImage([[{ name: 'arch', type: 'file', data: 'arm64' }]], { architecture: 'arm64' });
    const amd = buildImage([[{ name: 'arch', type: 'file', data: 'amd64' }]], { architecture: 'amd64' });
    reg.putImage('multi', 'arm', arm);
    reg.putImage('multi', 'amd', amd);
    const index = buildIndex({ 'linux/arm64': arm, 'linux/amd64': amd }, MediaType.dockerList);
    reg.putManifest('multi', 'latest', index, MediaType.dockerList);
    const img = await service().ensureImage(`${reg.host}/multi`, 'IfNotPresent');
    assert.equal(img.id, amd.configDigest);
    assert.equal(img.architecture, 'amd64');
    assert.ok(img.repoDigests[0]?.endsWith(`@sha256:${(await import('./fake-registry')).sha256(index).slice(7)}`));
  });

  it('rejects a blob whose content does not match its digest and keeps nothing of it', async () => {
    const reg = await start();
    reg.putImage('team/app', 'v1', app);
    reg.corruptBlob(app.layerDigests[1] ?? '');
    await assert.rejects(service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent'), /failed to verify blob: digest mismatch: expected sha256:/);
    const blobs = await readdir(join(root, 'blobs/sha256'));
    assert.ok(!blobs.some((b) => b.includes((app.layerDigests[1] ?? '').slice(7))), blobs.join());
    assert.deepEqual(await service().list(), []);
  });

  it('follows the Bearer token flow anonymously', async () => {
    const reg = await start({ auth: { kind: 'bearer' } });
    reg.putImage('team/app', 'v1', app);
    await service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent');
    assert.equal(reg.tokenRequests.length, 1, 'one token serves the whole pull');
    assert.match(reg.tokenRequests[0]?.query ?? '', /service=fake-registry&scope=repository%3Ateam%2Fapp%3Apull/);
    assert.equal(reg.tokenRequests[0]?.authorization, '');
    assert.ok(reg.requests.some((r) => r.includes('/manifests/') && r.endsWith('[Bearer]')));
  });

  it('sends basic credentials from auths to the token realm, and fails with a fix without them', async () => {
    const reg = await start({ auth: { kind: 'bearer', user: 'alice', password: 's3cret' } });
    reg.putImage('team/app', 'v1', app);
    await assert.rejects(service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent'), /failed to fetch anonymous token: .*401.*imagePullSecrets/);
    const auths = [{ server: reg.host, auth: Buffer.from('alice:s3cret').toString('base64') }];
    const img = await service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent', { auths });
    assert.equal(img.id, app.configDigest);
    assert.equal(reg.tokenRequests.at(-1)?.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  });

  it('answers a Basic challenge with credentials', async () => {
    const reg = await start({ auth: { kind: 'basic', user: 'bob', password: 'pw' } });
    reg.putImage('team/app', 'v1', app);
    await assert.rejects(service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent'), /401 Unauthorized \(no credentials for this registry/);
    await service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent', { auths: [{ server: `http://${reg.host}`, username: 'bob', password: 'pw' }] });
  });

  it('follows blob redirects without sending credentials to the new host', async () => {
    const storage = await start();
    storage.putImage('team/app', 'v1', app);
    const reg = await start({ auth: { kind: 'bearer' }, redirectBlobsTo: storage.url });
    reg.putImage('team/app', 'v1', app);
    await service().ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent');
    // The storage host answers 400 to a request carrying Authorization, so success proves none leaked.
    assert.equal(storage.requests.filter((r) => r.startsWith('GET /_redirected/')).length, 3);
  });

  it('tries mirrors first and falls back to the registry itself', async () => {
    const upstream = await start();
    const mirror = await start();
    upstream.putImage('team/app', 'v1', app);
    const svc = service({ [upstream.host]: [mirror.url, 'http://127.0.0.1:1'] });
    const img = await svc.ensureImage(`${upstream.host}/team/app:v1`, 'IfNotPresent');
    assert.equal(img.id, app.configDigest);
    assert.equal(mirror.requests.filter((r) => r.includes('/manifests/')).length, 1);
    // Pulled from the mirror when it has the image: the upstream sees nothing new.
    mirror.putImage('team/app', 'v2', app);
    const before = upstream.requests.length;
    await svc.ensureImage(`${upstream.host}/team/app:v2`, 'IfNotPresent');
    assert.equal(upstream.requests.length, before);
  });

  it('reports the mirror’s answer when the upstream cannot be reached', async () => {
    const mirror = await start();
    const svc = service({ 'docker.io': [mirror.url] });
    await assert.rejects(svc.ensureImage('nope', 'IfNotPresent'), (e: unknown) => {
      assert.ok(e instanceof ImagePullError);
      assert.match(e.message, new RegExp(`^failed to pull and unpack image "docker.io/library/nope:latest": .*${mirror.url}/v2/library/nope/manifests/latest: 404 Not Found: MANIFEST_UNKNOWN`));
      return true;
    });
  });

  it('finds images by name, ID and ID prefix; rm untags, then deletes and collects unshared layers', async () => {
    const reg = await start();
    const other = buildImage([base, [{ name: 'app', type: 'file', data: 'v2' }]]);
    reg.putImage('team/app', 'v1', app);
    reg.putImage('team/app', 'v1b', app);
    reg.putImage('team/other', 'v1', other);
    const svc = service();
    await svc.ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent');
    await svc.ensureImage(`${reg.host}/team/app:v1b`, 'IfNotPresent');
    await svc.ensureImage(`${reg.host}/team/other:v1`, 'IfNotPresent');
    assert.equal((await readdir(join(root, 'layers'))).length, 3, 'the shared base layer is unpacked once');
    assert.equal((await svc.get(app.configDigest.slice(7, 12)))?.id, app.configDigest);
    assert.equal((await svc.get(app.configDigest))?.id, app.configDigest);
    assert.deepEqual((await svc.get(`${reg.host}/team/app:v1b`))?.repoTags.sort(), [`${reg.host}/team/app:v1`, `${reg.host}/team/app:v1b`]);
    assert.equal(await svc.get('nothing-here'), undefined);

    await assert.rejects(svc.remove(app.configDigest), /referenced by several names/);
    assert.deepEqual(await svc.remove(`${reg.host}/team/app:v1b`), { untagged: [`${reg.host}/team/app:v1b`], deleted: [] });
    await assert.rejects(svc.remove(`${reg.host}/team/app:v1`, { inUse: (id) => id === app.configDigest }), /a container is using it; delete the pods/);
    const res = await svc.remove(`${reg.host}/team/app:v1`);
    assert.deepEqual(res.deleted, [app.configDigest]);
    assert.equal((await readdir(join(root, 'layers'))).length, 2, 'the base layer stays for the other image');
    assert.deepEqual((await svc.list()).map((i) => i.id), [other.configDigest]);
    await assert.rejects(svc.remove('gone:v1'), /no such image/);
  });

  it('moves a tag to the newly pulled image, leaving the old one untagged', async () => {
    const reg = await start();
    const v2 = buildImage([base, [{ name: 'app', type: 'file', data: 'v2' }]]);
    reg.putImage('team/app', 'latest', app);
    const svc = service();
    await svc.ensureImage(`${reg.host}/team/app`, 'Always');
    reg.putImage('team/app', 'latest', v2);
    await svc.ensureImage(`${reg.host}/team/app`, 'Always');
    const byId = new Map((await svc.list()).map((i) => [i.id, i.repoTags]));
    assert.deepEqual(byId.get(app.configDigest), []);
    assert.deepEqual(byId.get(v2.configDigest), [`${reg.host}/team/app:latest`]);
  });
});
