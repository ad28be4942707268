import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration, humanSize, imageTable, progressLine } from './format';
import type { StoredImage } from './store';

describe('format', () => {
  it('humanDuration as docker prints it', () => {
    const s = 1000;
    const h = 3600 * s;
    const table: [number, string][] = [
      [500, 'Less than a second'],
      [1 * s, '1 second'],
      [59 * s, '59 seconds'],
      [60 * s, 'About a minute'],
      [45 * 60 * s, '45 minutes'],
      [h, 'About an hour'],
      [47 * h, '47 hours'],
      [72 * h, '3 days'],
      [15 * 24 * h, '2 weeks'],
      [90 * 24 * h, '3 months'],
      [800 * 24 * h, '2 years'],
    ];
    for (const [ms, want] of table) assert.equal(humanDuration(ms), want, String(ms));
  });

  it('humanSize in decimal units with three significant digits', () => {
    const table: [number, string][] = [
      [0, '0B'],
      [999, '999B'],
      [1500, '1.5kB'],
      [4_261_000, '4.26MB'],
      [77_800_000, '77.8MB'],
      [1_234_000_000, '1.23GB'],
    ];
    for (const [n, want] of table) assert.equal(humanSize(n), want);
  });

  it('imageTable: a row per tag, <none> for untagged, aligned columns', () => {
    const img = (id: string, repoTags: string[], created: string): StoredImage => ({
      id: `sha256:${id.repeat(64)}`,
      repoTags,
      repoDigests: [],
      size: 2_150_000,
      config: {},
      architecture: 'amd64',
      os: 'linux',
      created,
      manifestDigest: '',
      layers: [],
    });
    const out = imageTable(
      [img('a', ['docker.io/library/busybox:latest', '127.0.0.1:5000/x/y:v1'], '2024-01-01T00:00:00Z'), img('b', [], '2024-01-02T00:00:00Z')],
      new Date('2024-01-03T00:00:00Z'),
    );
    assert.equal(
      out,
      [
        'REPOSITORY           TAG      IMAGE ID       CREATED        SIZE',
        '<none>               <none>   bbbbbbbbbbbb   24 hours ago   2.15MB',
        'busybox              latest   aaaaaaaaaaaa   2 days ago     2.15MB',
        '127.0.0.1:5000/x/y   v1       aaaaaaaaaaaa   2 days ago     2.15MB',
        '',
      ].join('\n'),
    );
  });

  it('progress lines', () => {
    assert.equal(progressLine({ layer: 'abc', status: 'Pull complete', current: 1, total: 1 }), 'abc: Pull complete');
    assert.match(progressLine({ layer: 'abc', status: 'Downloading', current: 500, total: 1000 }), /^abc: Downloading \[={19}> {20}\] 500B\/1kB$/);
  });
});
