import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { RegistryAuth } from '../types';
import { buildImage, type FakeRegistry, startFakeRegistry } from './fake-registry';
import { parseReference } from './reference';
import { endpointsFor, RegistryClient } from './registry-client';

const img = buildImage([[{ name: 'bin', type: 'dir' }, { name: 'bin/sh', type: 'file', data: 'shell', mode: 0o755 }]]);
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('RegistryClient credentials and mirrors', () => {
  let dir: string;
  const registries: FakeRegistry[] = [];
  const start = async (opts: Parameters<typeof startFakeRegistry>[0] = {}): Promise<FakeRegistry> => {
    const r = await startFakeRegistry(opts);
    registries.push(r);
    return r;
  };
  /** Fetches the manifest and the layer blob of `image`, with `mirrors` for its registry. */
  const pull = async (image: string, mirrors: Record<string, string[]>, auths: RegistryAuth[]): Promise<void> => {
    const ref = parseReference(image);
    const client = new RegistryClient({ ref, endpoints: endpointsFor(ref.domain, mirrors, []), auths, headerTimeoutMs: 5000 });
    const m = await client.getManifest(ref.tag ?? 'latest');
    assert.equal(m.digest, img.manifestDigest);
    const layer = img.layerDigests[0] ?? '';
    const dest = join(dir, layer.slice(7));
    await client.downloadBlob({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: img.blobs.get(layer)?.length ?? -1 }, dest);
    assert.deepEqual(await readFile(dest), img.blobs.get(layer));
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-regclient-'));
  });
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never sends the origin’s credentials to a mirror asking for Basic auth; falls back to the origin with them', async () => {
    const origin = await start({ auth: { kind: 'basic', user: 'alice', password: 'origin-secret' } });
    const mirror = await start({ auth: { kind: 'basic', user: 'mirror-user', password: 'mirror-pw' } });
    origin.putImage('team/app', 'v1', img);
    mirror.putImage('team/app', 'v1', img);
    await pull(`${origin.host}/team/app:v1`, { [origin.host]: [mirror.url] }, [{ server: origin.host, username: 'alice', password: 'origin-secret' }]);
    assert.deepEqual(mirror.authorizations, [], 'the mirror saw an Authorization header');
    assert.ok(mirror.requests.some((r) => r.includes('/manifests/')), 'the mirror was tried first');
    assert.ok(origin.authorizations.length > 0 && origin.authorizations.every((a) => a === basic('alice', 'origin-secret')));
  });

  it('asks a mirror’s token realm anonymously when the pull secret is for docker.io', async () => {
    const mirror = await start({ auth: { kind: 'bearer' } });
    mirror.putImage('library/busybox', 'latest', img);
    const hub = { server: 'https://index.docker.io/v1/', auth: Buffer.from('hubuser:hub-secret').toString('base64') };
    // The mirror has the image, so docker.io itself is never reached.
    await pull('busybox', { 'docker.io': [mirror.url] }, [hub]);
    assert.ok(mirror.tokenRequests.length > 0);
    assert.deepEqual(mirror.tokenRequests.map((t) => t.authorization), mirror.tokenRequests.map(() => ''));
    assert.ok(!mirror.authorizations.some((a) => a.startsWith('Basic ')), mirror.authorizations.join());
  });

  it('gives a mirror the credentials configured for the mirror’s own host', async () => {
    const origin = await start({ auth: { kind: 'basic', user: 'alice', password: 'origin-secret' } });
    const mirror = await start({ auth: { kind: 'basic', user: 'mirror-user', password: 'mirror-pw' } });
    mirror.putImage('team/app', 'v1', img);
    const auths = [
      { server: origin.host, username: 'alice', password: 'origin-secret' },
      { server: `http://${mirror.host}`, username: 'mirror-user', password: 'mirror-pw' },
    ];
    await pull(`${origin.host}/team/app:v1`, { [origin.host]: [mirror.url] }, auths);
    assert.ok(mirror.authorizations.length > 0 && mirror.authorizations.every((a) => a === basic('mirror-user', 'mirror-pw')));
    assert.deepEqual(origin.requests, []);
  });
});
