import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ImageIndex, MediaType, parseManifest, selectManifest, sniffCompression } from './manifest';

const dg = (c: string): string => `sha256:${c.repeat(64)}`;
const entry = (c: string, platform?: { os?: string; architecture?: string; variant?: string }, mediaType: string = MediaType.ociManifest) => ({
  mediaType,
  digest: dg(c),
  size: 1,
  ...(platform ? { platform } : {}),
});

describe('parseManifest', () => {
  const manifest = { schemaVersion: 2, config: { mediaType: MediaType.ociConfig, digest: dg('c'), size: 2 }, layers: [] };
  const cases: { name: string; body: object; header?: string; want: string }[] = [
    { name: 'OCI manifest by its own mediaType', body: { ...manifest, mediaType: MediaType.ociManifest }, want: 'manifest' },
    { name: 'Docker schema2 by header', body: manifest, header: MediaType.dockerManifest, want: 'manifest' },
    { name: 'Docker list', body: { schemaVersion: 2, mediaType: MediaType.dockerList, manifests: [] }, want: 'index' },
    { name: 'OCI index without mediaType, by shape', body: { schemaVersion: 2, manifests: [] }, header: 'application/json', want: 'index' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(parseManifest(JSON.stringify(c.body), c.header).kind, c.want));

  it('refuses schema 1 with a fix', () => {
    assert.throws(() => parseManifest(JSON.stringify({ schemaVersion: 1, fsLayers: [] }), MediaType.dockerSchema1), /schema 1.*push it again/);
  });
  it('refuses unknown media types and broken descriptors', () => {
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, mediaType: 'application/vnd.foo' })), /unsupported manifest media type/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, config: { digest: 'x' } }), MediaType.ociManifest), /config is not a descriptor/);
    assert.throws(() => parseManifest('not json'), /not JSON/);
  });
});

describe('selectManifest', () => {
  const index = (...m: ReturnType<typeof entry>[]): ImageIndex => ({ kind: 'index', mediaType: MediaType.ociIndex, manifests: m });
  const cases: { name: string; idx: ImageIndex; want: string }[] = [
    {
      name: 'linux/amd64 among others',
      idx: index(entry('1', { os: 'linux', architecture: 'arm64', variant: 'v8' }), entry('2', { os: 'linux', architecture: 'amd64' }), entry('3', { os: 'windows', architecture: 'amd64' })),
      want: dg('2'),
    },
    {
      name: 'skips attestations (unknown/unknown) and entries without platform',
      idx: index(entry('4', { os: 'unknown', architecture: 'unknown' }), entry('5'), entry('6', { os: 'linux', architecture: 'amd64' })),
      want: dg('6'),
    },
    {
      name: 'Docker manifest entries of a manifest list',
      idx: index(entry('7', { os: 'linux', architecture: 'amd64' }, MediaType.dockerManifest)),
      want: dg('7'),
    },
    {
      name: 'entry without variant preferred over a variant for amd64',
      idx: index(entry('8', { os: 'linux', architecture: 'amd64', variant: 'v3' }), entry('9', { os: 'linux', architecture: 'amd64' })),
      want: dg('9'),
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(selectManifest(c.idx, { os: 'linux', architecture: 'amd64' }).digest, c.want));

  it('arm64 picks its v8 variant', () => {
    const idx = index(entry('1', { os: 'linux', architecture: 'arm64', variant: 'v8' }), entry('2', { os: 'linux', architecture: 'amd64' }));
    assert.equal(selectManifest(idx, { os: 'linux', architecture: 'arm64', variant: 'v8' }).digest, dg('1'));
  });
  it('says what the image has when nothing matches', () => {
    assert.throws(() => selectManifest(index(entry('1', { os: 'linux', architecture: 'arm64' })), { os: 'linux', architecture: 'amd64' }), /wanted linux\/amd64; the image has linux\/arm64/);
  });
});

describe('sniffCompression', () => {
  it('tells gzip, zstd and plain tar apart by magic', () => {
    assert.equal(sniffCompression(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
    assert.equal(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
    assert.equal(sniffCompression(Buffer.from('bin/')), 'none');
  });
});
