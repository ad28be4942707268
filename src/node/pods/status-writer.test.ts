// Termination messages come from files the container controls (its termination log, its output):
// only their ends are read, as the kubelet does, however large the container made them.
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../types';
import type { PodDeps } from './deps';
import type { ObservedInstance } from './status';
import { terminationMessage } from './status-writer';

const GiB = 1024 ** 3;

describe('terminationMessage', () => {
  let dir: string;
  let deps: PodDeps;
  const instanceDir = () => join(dir, 'inst');
  const logPath = () => join(dir, 'c.log');
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-termination-'));
    // Only the two paths are asked of the runtime.
    deps = { runtime: { instanceDir, logPath } } as unknown as PodDeps;
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const pod = (policy: string): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [{ name: 'c', terminationMessagePolicy: policy }] } });
  const failed: ObservedInstance = { id: 'x', attempt: 0, state: 'exited', exitCode: 1, oom: false, imageName: 'busybox', imageRef: 'busybox@sha256:aa' };

  async function files(termination: string, termSize: number, logLines: string[], logSize: number): Promise<void> {
    await mkdir(instanceDir(), { recursive: true });
    const t = join(instanceDir(), 'termination-log');
    await writeFile(t, '');
    if (termSize > 0) await truncate(t, termSize);
    await appendFile(t, termination);
    await writeFile(logPath(), '');
    if (logSize > 0) await truncate(logPath(), logSize);
    await appendFile(logPath(), logLines.map((l) => `\n2026-01-01T00:00:00.000000000Z stdout F ${l}`).join('') + '\n');
  }

  it('returns the last 4096 bytes of a 3 GiB termination log', async () => {
    const tail = 'x'.repeat(5000) + 'the end';
    await files(tail, 3 * GiB, [], 0);
    const m = await terminationMessage(deps, pod('File'), 'c', failed);
    assert.equal(m, tail.slice(-4096));
  });

  it('with FallbackToLogsOnError and an empty termination log: the text of the 3 GiB log\'s last 80 lines, at most 2048 bytes', async () => {
    await files('', 0, Array.from({ length: 200 }, (_, i) => `l${i}`), 3 * GiB);
    assert.equal(await terminationMessage(deps, pod('FallbackToLogsOnError'), 'c', failed), Array.from({ length: 80 }, (_, i) => `l${i + 120}\n`).join(''));
    await files('', 0, Array.from({ length: 100 }, (_, i) => `${i}`.padStart(40, '.')), 3 * GiB);
    const m = await terminationMessage(deps, pod('FallbackToLogsOnError'), 'c', failed);
    assert.equal(m, Array.from({ length: 100 }, (_, i) => `${`${i}`.padStart(40, '.')}\n`).join('').slice(-2048));
  });

  it('falls back to the log only after a failure', async () => {
    await files('', 0, ['bye'], 0);
    assert.equal(await terminationMessage(deps, pod('FallbackToLogsOnError'), 'c', { ...failed, exitCode: 0 }), undefined);
    assert.equal(await terminationMessage(deps, pod('File'), 'c', failed), undefined);
    assert.equal(await terminationMessage(deps, pod('FallbackToLogsOnError'), 'c', failed), 'bye\n');
  });
});
