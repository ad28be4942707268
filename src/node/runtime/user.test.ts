import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUser } from './user';

const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1001::/home/app:/bin/sh\n';
const group = 'root:x:0:\nnogroup:x:65534:\napp:x:1001:\nwheel:x:10:app\n';

test('resolveUser: securityContext, then image User, names from passwd/group', () => {
  const cases: [Record<string, unknown>, unknown][] = [
    [{}, { uid: 0, gid: 0 }],
    [{ imageUser: 'app' }, { uid: 1000, gid: 1001, additionalGids: [10] }],
    [{ imageUser: '1000' }, { uid: 1000, gid: 1001, additionalGids: [10] }],
    [{ imageUser: '4242' }, { uid: 4242, gid: 0 }],
    [{ imageUser: '4242:77' }, { uid: 4242, gid: 77 }],
    [{ imageUser: 'nobody:app' }, { uid: 65534, gid: 1001 }],
    [{ imageUser: 'app', runAsUser: 65534 }, { uid: 65534, gid: 65534 }],
    [{ runAsUser: 5, runAsGroup: 6, supplementalGroups: [9], fsGroup: 8 }, { uid: 5, gid: 6, additionalGids: [8, 9] }],
  ];
  for (const [input, want] of cases) assert.deepEqual(resolveUser({ passwd, group, ...input }), want, JSON.stringify(input));
  assert.throws(() => resolveUser({ passwd, group, imageUser: 'ghost' }), /no such user/);
  assert.throws(() => resolveUser({ passwd, group, imageUser: 'app:ghosts' }), /no such group/);
});
