// With no registry at all: `bin/berth images import` loads a `docker save`-style tar into a data
// dir, `bin/berth images ls` lists it, and a pod with imagePullPolicy Never runs from it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Berth, startBerth } from './harness';
import { buildBusyboxLayout } from './registry';
import { eventually, type Kubectl, kubectlFor } from './util';

const run = promisify(execFile);
const berthBin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'berth');

describe('berth images, offline', { timeout: 120_000 }, () => {
  let work: string;
  let dataDir: string;
  let b: Berth | undefined;
  let k: Kubectl;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'berth-images-cli-'));
    dataDir = join(work, 'data');
    const layout = await buildBusyboxLayout();
    await run('skopeo', ['copy', '--quiet', `oci:${layout}:latest`, `docker-archive:${join(work, 'busybox.tar')}:docker.io/library/busybox:imported`]);
  });
  after(async () => {
    await b?.destroy();
    await rm(work, { recursive: true, force: true });
  });

  test('import and ls through the berth command', async () => {
    const imported = await run(berthBin, ['images', 'import', join(work, 'busybox.tar'), '--data-dir', dataDir]);
    assert.match(imported.stdout, /^Loaded image: busybox:imported$/m);
    const ls = (await run(berthBin, ['images', 'ls', '--data-dir', dataDir])).stdout;
    assert.match(ls.split('\n')[0] ?? '', /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE/);
    assert.match(ls, /^busybox\s+imported\s+[0-9a-f]{12}\s/m, ls);
  });

  test('a pod with imagePullPolicy Never runs the imported image', async () => {
    b = await startBerth({ dataDir, node: {} });
    k = kubectlFor(b);
    await k(['run', 'offline', '--image=busybox:imported', '--image-pull-policy=Never', '--restart=Never', '--', 'sh', '-c', 'echo offline ok']);
    await eventually(async () => ((await k(['get', 'pod', 'offline', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded' ? true : undefined), 'the pod to succeed', 60_000);
    assert.equal((await k(['logs', 'offline'])).stdout, 'offline ok\n');
    assert.match((await k(['describe', 'pod', 'offline'])).stdout, /Container image "busybox:imported" already present on machine/);
    await k(['run', 'absent', '--image=busybox:nothere', '--image-pull-policy=Never', '--restart=Never', '--', 'true']);
    const reason = await eventually(async () => {
      const r = (await k(['get', 'pod', 'absent', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}'])).stdout;
      return r === 'ErrImageNeverPull' ? r : undefined;
    }, 'ErrImageNeverPull', 60_000);
    assert.equal(reason, 'ErrImageNeverPull');
  });
});
