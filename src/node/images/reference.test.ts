import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { familiarName, formatReference, parseReference, splitRepoTag } from './reference';

const d = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  const valid: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['user/app', 'docker.io/user/app:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1'],
    ['host:5000/x/y', 'host:5000/x/y:latest'],
    [`host:5000/x/y@${d}`, `host:5000/x/y@${d}`],
    [`busybox:1.36@${d}`, `docker.io/library/busybox:1.36@${d}`],
    ['quay.io/a/b-c_d.e__f:tag_1.2-x', 'quay.io/a/b-c_d.e__f:tag_1.2-x'],
    ['127.0.0.1:5000/library/busybox', '127.0.0.1:5000/library/busybox:latest'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
  ];
  for (const [input, want] of valid) {
    it(`${input} → ${want}`, () => assert.equal(formatReference(parseReference(input)), want));
  }

  const invalid: [string, RegExp][] = [
    ['', /at least one component/],
    ['BusyBox', /must be lowercase/],
    ['busybox:', /invalid tag format/],
    ['busybox:-x', /invalid tag format/],
    [`busybox@sha256:${'a'.repeat(63)}`, /invalid/],
    ['busybox@md5:0123456789abcdef0123456789abcdef', /unsupported digest algorithm/],
    ['a//b', /invalid reference format/],
    ['-bad', /invalid reference format/],
    ['bad_-name', /invalid reference format/],
    ['host:port/x', /invalid reference format/],
    ['a'.repeat(64), /64-byte hexadecimal/],
    [`${'a'.repeat(256)}`, /255 characters/],
    ['x:' + 'a'.repeat(129), /invalid tag format/],
  ];
  for (const [input, why] of invalid) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))}`, () => assert.throws(() => parseReference(input), why));
  }

  it('keeps the parts apart', () => {
    assert.deepEqual(parseReference(`host:5000/x/y:t@${d}`), { domain: 'host:5000', path: 'x/y', tag: 't', digest: d });
  });
});

describe('familiar names', () => {
  it('shortens docker.io names as docker prints them', () => {
    assert.equal(familiarName('docker.io/library/busybox'), 'busybox');
    assert.equal(familiarName('docker.io/user/app'), 'user/app');
    assert.equal(familiarName('host:5000/x'), 'host:5000/x');
  });
  it('splits repo tags at the last colon after the last slash', () => {
    assert.deepEqual(splitRepoTag('host:5000/x:v1'), { repository: 'host:5000/x', tag: 'v1' });
    assert.deepEqual(splitRepoTag('host:5000/x'), { repository: 'host:5000/x', tag: '' });
  });
});
