import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { mountNfs, nfsClientProblem, nfsKernelHint, nfsMountArgs } from './nfs';

test('nfsClientProblem: only a missing mount.nfs helper stops the attempt (mount loads the module); the message names the fix', () => {
  const withNfs = 'nodev\tsysfs\nnodev\tnfs\nnodev\tnfs4\n\text4\n';
  const without = 'nodev\tsysfs\n\text4\n';
  assert.equal(nfsClientProblem(withNfs, true), undefined);
  assert.equal(nfsClientProblem(without, true), undefined, 'the module is loaded on demand by mount(2)');
  assert.match(nfsClientProblem(without, false) ?? '', /install nfs-common \/ load the nfs module/);
  assert.match(nfsClientProblem(withNfs, false) ?? '', /apt-get install nfs-common/);
  assert.match(nfsKernelHint(without), /modprobe nfs/);
  assert.equal(nfsKernelHint(withNfs), '');
});

test('nfsMountArgs: server:path, ro and the PV mountOptions, IPv6 servers bracketed', () => {
  assert.deepEqual(nfsMountArgs({ server: '52.66.197.168', path: '/exports', readOnly: false, mountOptions: [] }, '/t'), ['-t', 'nfs', '--', '52.66.197.168:/exports', '/t']);
  assert.deepEqual(nfsMountArgs({ server: 'nfs.local', path: '/e', readOnly: true, mountOptions: ['nfsvers=4.1', 'hard'] }, '/t'), ['-t', 'nfs', '-o', 'ro,nfsvers=4.1,hard', '--', 'nfs.local:/e', '/t']);
  assert.deepEqual(nfsMountArgs({ server: 'fd00::1', path: '/e', readOnly: false, mountOptions: [] }, '/t').at(-2), '[fd00::1]:/e');
});

test('mountNfs on this host: refused up front with the fix when there is no NFS client', async (t) => {
  if ((await readFile('/proc/filesystems', 'utf8')).includes('\tnfs') || (await access('/sbin/mount.nfs').then(() => true, () => false))) return t.skip('this host has an NFS client');
  await assert.rejects(mountNfs({ server: '127.0.0.1', path: '/exports', readOnly: false, mountOptions: [] }, '/nonexistent/berth-nfs-target', 'persistentvolume "nfs-pv"'), /persistentvolume "nfs-pv" is an nfs volume and this host's kernel (cannot mount NFS|has no NFS client)/);
});
