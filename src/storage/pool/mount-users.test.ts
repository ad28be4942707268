import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MountEntry } from '../mountinfo';
import { bindMountsOf, deviceMounts } from './mount-users';

const m = (id: number, mountPoint: string, root: string, source: string, fsType: string): MountEntry => ({ id, parent: 1, root, mountPoint, optional: [], fsType, source, superOptions: 'rw' });

test('bindMountsOf: binds of the volume directory (same filesystem and path in it) and mounts inside it', () => {
  const table = [
    m(1, '/', '/', '/dev/vda', 'ext4'),
    m(2, '/pool', '/', '/dev/loop5', 'btrfs'),
    m(3, '/pods/a/mount', '/dir/vol', '/dev/loop5', 'btrfs'),
    m(4, '/pods/b/mount', '/dir/vol/sub', '/dev/loop5', 'btrfs'),
    m(5, '/pods/c/mount', '/dir/volume2', '/dev/loop5', 'btrfs'),
    m(6, '/pods/d/mount', '/pool/dir/vol', '/dev/vda', 'ext4'), // same path, other filesystem
    m(7, '/pool/dir/vol/inner', '/', 'tmpfs', 'tmpfs'),
  ];
  assert.deepEqual(bindMountsOf('/pool/dir/vol', table).sort(), ['/pods/a/mount', '/pods/b/mount', '/pool/dir/vol/inner']);
  assert.deepEqual(bindMountsOf('/pool/dir/idle', table), []);
  // On the root filesystem the path inside it is the absolute path.
  assert.deepEqual(bindMountsOf('/pool2/dir/vol', [m(1, '/', '/', '/dev/vda', 'ext4'), m(2, '/t', '/pool2/dir/vol', '/dev/vda', 'ext4')]), ['/t']);
});

test('deviceMounts: filesystems mounted from the device and binds of its device node', () => {
  const table = [
    m(1, '/stage', '/', '/dev/loop3', 'ext4'),
    m(2, '/pod/mount', '/', '/dev/loop3', 'ext4'),
    m(3, '/pod/dev', '/loop3', 'devtmpfs', 'devtmpfs'),
    m(4, '/other', '/loop30', 'devtmpfs', 'devtmpfs'),
    m(5, '/x', '/', '/dev/loop30', 'ext4'),
    // Berth in a container: its /dev is a tmpfs, and a bind of the node shows that type.
    m(6, '/pod2/dev', '/loop3', 'tmpfs', 'tmpfs'),
  ];
  assert.deepEqual(deviceMounts('/dev/loop3', table), ['/stage', '/pod/mount', '/pod/dev', '/pod2/dev']);
});
