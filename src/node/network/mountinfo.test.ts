import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rulesToDelete, splitRule } from './host-rules';
import { parseMountInfo } from '../../storage/mountinfo';
import { containingMount, isShared, nsBinding } from './mountinfo';

const sample = [
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '42 27 254:0 /tmp/p/ns /tmp/p/ns rw,relatime - ext4 /dev/vda rw',
  '43 42 0:4 net:[4026532179] /tmp/p/ns/net rw shared:2 - nsfs nsfs rw',
  '44 42 0:4 ipc:[4026532178] /tmp/p/ns/ipc rw - nsfs nsfs rw',
  '45 42 0:40 / /tmp/p/ns/uts rw - tmpfs tmpfs rw',
  '46 27 0:4 uts:[4026532177] /tmp/with\\040space/uts rw - nsfs nsfs rw',
  '',
].join('\n');

describe('mountinfo', () => {
  const mounts = parseMountInfo(sample);

  it('finds nsfs bindings of the right kind only', () => {
    const cases: [string, 'net' | 'ipc' | 'uts', string | undefined][] = [
      ['/tmp/p/ns/net', 'net', 'net:[4026532179]'],
      ['/tmp/p/ns/net', 'ipc', undefined],
      ['/tmp/p/ns/ipc', 'ipc', 'ipc:[4026532178]'],
      ['/tmp/p/ns/uts', 'uts', undefined], // something else is mounted there
      ['/tmp/p/ns/missing', 'net', undefined],
      ['/tmp/with space/uts', 'uts', 'uts:[4026532177]'],
    ];
    for (const [path, kind, want] of cases) assert.equal(nsBinding(mounts, path, kind), want, `${path} ${kind}`);
  });

  it('finds the mount a path lives on and its propagation', () => {
    const cases: [string, string, boolean][] = [
      ['/tmp/p/ns', '/tmp/p/ns', false],
      ['/tmp/p/ns/sub', '/tmp/p/ns', false],
      ['/tmp/p/nsx', '/', true],
      ['/var/lib', '/', true],
    ];
    for (const [path, mp, shared] of cases) {
      const m = containingMount(mounts, path);
      assert.equal(m?.mountPoint, mp, path);
      assert.equal(m && isShared(m), shared, path);
    }
  });
});

describe('FORWARD rule listing', () => {
  it('turns our rules into deletes and leaves others alone', () => {
    const listing = [
      '-P FORWARD DROP',
      '-A FORWARD -d 10.1.0.0/24 -o bt1 -m comment --comment "berth-pods:bt1" -j ACCEPT',
      '-A FORWARD -s 10.1.0.0/24 -i bt1 -m comment --comment berth-pods:bt1 -j ACCEPT',
      '-A FORWARD -o bt12 -m comment --comment "berth-pods:bt12" -j ACCEPT',
      '-A FORWARD -j DOCKER-USER',
    ].join('\n');
    assert.deepEqual(rulesToDelete(listing, 'berth-pods:bt1'), [
      ['-D', 'FORWARD', '-d', '10.1.0.0/24', '-o', 'bt1', '-m', 'comment', '--comment', 'berth-pods:bt1', '-j', 'ACCEPT'],
      ['-D', 'FORWARD', '-s', '10.1.0.0/24', '-i', 'bt1', '-m', 'comment', '--comment', 'berth-pods:bt1', '-j', 'ACCEPT'],
    ]);
  });
});

describe('iptables -S line splitting', () => {
  it('keeps quoted comments whole and unescapes quotes', () => {
    const cases: [string, string[]][] = [
      ['-A X -j ACCEPT', ['-A', 'X', '-j', 'ACCEPT']],
      [
        '-A POSTROUTING -s 10.1.0.2/32 -m comment --comment "name: \\"berth-bt1\\" id: \\"u1\\"" -j CNI-abc',
        ['-A', 'POSTROUTING', '-s', '10.1.0.2/32', '-m', 'comment', '--comment', 'name: "berth-bt1" id: "u1"', '-j', 'CNI-abc'],
      ],
      ['-A X -m comment --comment ""  -j Y', ['-A', 'X', '-m', 'comment', '--comment', '', '-j', 'Y']],
    ];
    for (const [line, words] of cases) assert.deepEqual(splitRule(line), words, line);
  });
});
