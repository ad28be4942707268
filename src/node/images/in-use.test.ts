import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMounted, overlayLowerdirs } from './in-use';

describe('overlay mounts', () => {
  const info = [
    '22 27 0:21 / /proc rw,relatime - proc proc rw',
    '49 27 0:40 / /r1 rw,relatime - overlay overlay rw,lowerdir=/s/layers/b/diff:/s/layers/a/diff,upperdir=/u,workdir=/w,uuid=on',
    '50 27 0:41 / /r2 rw - overlay overlay rw,lowerdir=/with\\040space:/with\\:colon,upperdir=/u2,workdir=/w2',
  ].join('\n');

  it('reads lowerdir lists, unescaped', () => {
    assert.deepEqual(overlayLowerdirs(info), [['/s/layers/b/diff', '/s/layers/a/diff'], ['/with space', '/with:colon']]);
  });

  it('an image is mounted only when its whole stack is a mount’s lowerdir', () => {
    const mounts = overlayLowerdirs(info);
    assert.equal(isMounted(['/s/layers/b/diff', '/s/layers/a/diff'], mounts), true);
    assert.equal(isMounted(['/s/layers/a/diff'], mounts), false, 'sharing a base layer is not being used');
    assert.equal(isMounted([], mounts), false);
  });
});
