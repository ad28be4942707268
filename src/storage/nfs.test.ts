import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { mountNfs, nfsClientProblem, nfsMountArgs } from './nfs';

test('nfsClientProblem: the kernel client and the mount.nfs helper are both needed; the message names the fix', () => {
  const withNfs = 'nodev\tsysfs\nnodev\tnfs\nnodev\tnfs4\n\text4\n';
  const without = 'nodev\tsysfs\n\text4\n';
  assert.equal(nfsClientProblem(withNfs, true), undefined);
  assert.match(nfsClientProblem(without, false) ?? '', /install nfs-common \/ load the nfs module/);
  assert.match(nfsClientProblem(without, true) ?? '', /no NFS client .*modprobe nfs/);
  assert.match(nfsClientProblem(withNfs, false) ?? '', /apt-get install nfs-common/);
});

test('nfsMountArgs: server:path, ro and the PV mountOptions, IPv6 servers bracketed', () => {
  assert.deepEqual(nfsMountArgs({ server: '52.66.197.168', path: '/exports', readOnly: false, mountOptions: [] }, '/t'), ['-t', 'nfs', '52.66.197.168:/exports', '/t']);
  assert.deepEqual(nfsMountArgs({ server: 'nfs.local', path: '/e', readOnly: true, mountOptions: ['nfsvers=4.1', 'hard'] }, '/t'), ['-t', 'nfs', '-o', 'ro,nfsvers=4.1,hard', 'nfs.local:/e', '/t']);
  assert.deepEqual(nfsMountArgs({ server: 'fd00::1', path: '/e', readOnly: false, mountOptions: [] }, '/t').at(-2), '[fd00::1]:/e');
});

test('mountNfs on this host: refused up front with the fix when the kernel has no NFS client', async (t) => {
  if ((await readFile('/proc/filesystems', 'utf8')).includes('\tnfs')) return t.skip('this kernel has an NFS client');
  await assert.rejects(mountNfs({ server: '127.0.0.1', path: '/exports', readOnly: false, mountOptions: [] }, '/nonexistent/berth-nfs-target', 'persistentvolume "nfs-pv"'), /persistentvolume "nfs-pv" is an nfs volume and this host's kernel (cannot mount NFS|has no NFS client)/);
});
