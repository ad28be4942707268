import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupExists, isCgroup2, removeCgroup } from './cgroups';

// Fake roots: plain directories shaped like /sys/fs/cgroup (only subdirectories inside the pod's
// tree, since rmdir on a real cgroup ignores its virtual control files but not on tmpfs).
function fakeRoot(): string {
  return mkdtempSync(join(tmpdir(), 'berth-cg-'));
}

test('cgroup v2: the pod cgroup under the unified root is removed bottom-up, siblings stay', async () => {
  const root = fakeRoot();
  try {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    mkdirSync(join(root, 'berth-x', 'podabc', 'c1'), { recursive: true });
    mkdirSync(join(root, 'berth-x', 'podabc', 'c2'), { recursive: true });
    mkdirSync(join(root, 'berth-x', 'podother'), { recursive: true });
    assert.equal(await isCgroup2(root), true);
    assert.equal(await cgroupExists('/berth-x/podabc', root), true);
    await removeCgroup('/berth-x/podabc', root);
    assert.equal(existsSync(join(root, 'berth-x', 'podabc')), false);
    assert.equal(await cgroupExists('/berth-x/podabc', root), false);
    assert.equal(existsSync(join(root, 'berth-x', 'podother')), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('cgroup v1: the path is removed in every hierarchy', async () => {
  const root = fakeRoot();
  try {
    for (const h of ['memory', 'cpu,cpuacct', 'pids']) mkdirSync(join(root, h, 'berth-y', 'podabc', 'c1'), { recursive: true });
    assert.equal(await isCgroup2(root), false);
    await removeCgroup('/berth-y/podabc', root);
    for (const h of ['memory', 'cpu,cpuacct', 'pids']) {
      assert.equal(existsSync(join(root, h, 'berth-y', 'podabc')), false, h);
      assert.equal(existsSync(join(root, h, 'berth-y')), true, h);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
