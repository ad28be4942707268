import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAssociations } from './loop';

test('parseAssociations reads the devices of losetup -j output', () => {
  const out = '/dev/loop3: [65024]:2311035 (/var/lib/berth/volumes/block/a.img)\n/dev/loop12: [65024]:2311035 (/var/lib/berth/volumes/block/a.img (deleted))\n';
  assert.deepEqual(parseAssociations(out), ['/dev/loop3', '/dev/loop12']);
  assert.deepEqual(parseAssociations(''), []);
});
