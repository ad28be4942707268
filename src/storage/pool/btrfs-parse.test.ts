import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQgroupShow } from './btrfs';

test('parseQgroupShow reads referenced bytes and the limit of the first row', () => {
  const limited = ['Qgroupid    Referenced    Exclusive  Max referenced   Path ', '--------    ----------    ---------  --------------   ---- ', '0/256            16384        16384        10485760   v1', ''].join('\n');
  assert.deepEqual(parseQgroupShow(limited), { referenced: 16384n, limit: 10485760n });
  const open = limited.replace('10485760', 'none');
  assert.deepEqual(parseQgroupShow(open), { referenced: 16384n, limit: undefined });
  assert.equal(parseQgroupShow('ERROR: quotas not enabled\n'), undefined);
});
