// The test CSI driver as its own process, reached through GrpcCsiDriver.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GrpcCsiDriver } from '../../src/storage/csi/grpc/driver';
import { spawnTestCsiDriver } from './spawn';

test('main.ts serves the test driver on its socket until SIGTERM, then removes the socket', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-csi-main-'));
  const socket = join(dir, 'csi.sock');
  const proc = await spawnTestCsiDriver({ socket, root: join(dir, 'root'), name: 'csi.proc.berth.dev', nodeId: 'n1' });
  const csi = new GrpcCsiDriver({ socket });
  try {
    assert.equal((await csi.getPluginInfo()).name, 'csi.proc.berth.dev');
    assert.equal((await csi.nodeGetInfo()).nodeId, 'n1');
    const v = await csi.createVolume({ name: 'pvc-1', requiredBytes: 1n << 40n, capabilities: [{ accessType: 'mount', accessMode: 'SINGLE_NODE_WRITER' }], parameters: {} });
    assert.equal(v.capacityBytes, 1n << 40n);
    assert.ok(existsSync(join(dir, 'root', 'volumes', v.volumeId)));
  } finally {
    csi.close();
    await proc.stop();
  }
  assert.equal(existsSync(socket), false);
  await rm(dir, { recursive: true, force: true });
});
