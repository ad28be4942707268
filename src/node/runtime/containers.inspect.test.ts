// inspect() racing conmon: the container exits, conmon writes the exit file and exits between
// inspect's first look at the exit file and its check of conmon. The exit code must still be the
// container's, not the "lost" 255 (a Never pod keeps whatever code it was first reported with).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { realTimer } from '../../controllers/queue';
import { ContainerRuntime, type InstanceMeta } from './containers';

test('an exit file written while inspect looks at conmon and runc gives the container\'s exit code', async () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-rt-inspect-'));
  try {
    const dir = join(base, 'inst');
    mkdirSync(dir);
    const meta: InstanceMeta = {
      id: 'c0ffee', podUid: 'u', podName: 'p', podNamespace: 'default', name: 'c', attempt: 0, image: 'busybox', imageName: 'busybox', imageRef: 'x', imageId: 'x',
      createdAt: '2026-01-01T00:00:00Z', startedAt: '2026-01-01T00:00:01Z',
    };
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    // conmon has just exited: its pid names no process any more.
    writeFileSync(join(dir, 'conmon.pid'), '2147483646');
    writeFileSync(join(dir, 'pid'), '2147483645');
    // A runc whose `state` runs just after conmon wrote the exit file: the container is stopped.
    const runc = join(base, 'runc');
    writeFileSync(runc, `#!/bin/sh\necho 3 > '${join(dir, 'exit')}'\necho '{"id":"c0ffee","pid":0,"status":"stopped","bundle":"/"}'\n`);
    chmodSync(runc, 0o755);
    const rt = new ContainerRuntime({ dataDir: join(base, 'node'), timer: realTimer, runcBinary: runc });
    const inst = await rt.inspect(dir);
    assert.equal(inst?.state, 'exited');
    assert.equal(inst.exitCode, 3);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
