// A host that can't run pods still serves the API: the node registers NotReady with a message
// naming the packages to install, and pods are not scheduled onto it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Berth, startBerth } from './harness';
import { eventually, type Kubectl, kubectlFor } from './util';

describe('node preflight', { timeout: 60_000 }, () => {
  let b: Berth;
  let k: Kubectl;
  before(async () => {
    // A PATH with node (and what bin/berth uses) alone: runc, conmon and the other tools are "missing".
    binDir = await mkdtemp(join(tmpdir(), 'berth-path-'));
    await symlink(process.execPath, join(binDir, 'node'));
    // bin/berth itself uses readlink and dirname.
    for (const tool of ['readlink', 'dirname']) await symlink(`/usr/bin/${tool}`, join(binDir, tool));
    b = await startBerth({ node: {}, env: { PATH: binDir } });
    k = kubectlFor(b);
  });
  let binDir = '';
  after(async () => {
    await b?.destroy();
    await rm(binDir, { recursive: true, force: true });
  });

  test('the node is NotReady and says what to install', async () => {
    const ready = await eventually(async () => {
      const out = (await k(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")]}'])).stdout;
      return out ? (JSON.parse(out) as { status: string; reason: string; message: string }) : undefined;
    }, 'the node registered');
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'KubeletNotReady');
    assert.match(ready.message, /runc is not in PATH; conmon is not in PATH; .*; install them: apt-get install .*conmon .*runc/);
    assert.match((await k(['get', 'nodes'])).stdout, /\sNotReady\s/);
  });

  test('pods are not scheduled there', async () => {
    await k(['run', 'p', '--image=busybox', '--restart=Never', '--', 'true']);
    const ev = await eventually(async () => {
      const out = (await k(['get', 'events', '--field-selector', 'reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}'])).stdout;
      return out || undefined;
    }, 'FailedScheduling');
    assert.match(ev, /0\/1 nodes are available: 1 node\(s\) had untolerated taint \{node\.kubernetes\.io\/not-ready: \}/);
  });
});
