// kubectl logs through the apiserver's pods/log connector and the node's containerLogs, reading
// CRI-format files as conmon writes them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runKubectl, startCluster, type TestCluster } from './testing/cluster';

const pod = { namespace: 'default', name: 'logger' };
const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '123456Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kubectl logs through the streaming server', () => {
  let c: TestCluster;
  const hourAgo = stamp(Date.now() - 3_600_000);
  const recent = stamp(Date.now() - 1000);
  before(async () => {
    c = await startCluster();
    await c.addPod('logger', ['app', 'side']);
    await c.runtime.writeLog(pod, 'app', [`${hourAgo} stdout F old line`, `${recent} stdout P part one, `, `${recent} stdout F part two`, `${recent} stderr F to stderr`]);
    await c.runtime.writeLog(pod, 'side', [`${recent} stdout F from the sidecar`]);
  });
  after(async () => c.close());

  it('prints stdout and stderr entries, joining partial lines (kubectl 1.27 and 1.33)', async () => {
    for (const v of ['1.27', '1.33'] as const) {
      const r = await runKubectl(c, v, ['logs', 'logger', '-c', 'app']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'old line\npart one, part two\nto stderr\n');
    }
  });

  it('-c picks the container', async () => {
    assert.equal((await runKubectl(c, '1.33', ['logs', 'logger', '-c', 'side'])).stdout, 'from the sidecar\n');
  });

  it('--tail, --since, --timestamps and --limit-bytes', async () => {
    assert.equal((await runKubectl(c, '1.33', ['logs', 'logger', '-c', 'app', '--tail=1'])).stdout, 'to stderr\n');
    assert.equal((await runKubectl(c, '1.33', ['logs', 'logger', '-c', 'app', '--since=10m'])).stdout, 'part one, part two\nto stderr\n');
    const ts = (await runKubectl(c, '1.33', ['logs', 'logger', '-c', 'app', '--timestamps'])).stdout;
    assert.equal(ts.split('\n')[0], `${hourAgo} old line`);
    assert.equal((await runKubectl(c, '1.33', ['logs', 'logger', '-c', 'app', '--limit-bytes=5'])).stdout, 'old l');
  });

  it('--previous reads the last instance, and fails before there was one', async () => {
    const none = await runKubectl(c, '1.33', ['logs', 'logger', '-c', 'side', '--previous']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /previous terminated container "side" in pod "logger" not found/);
    c.runtime.restart(pod, 'side');
    await c.runtime.writeLog(pod, 'side', [`${stamp(Date.now())} stdout F second instance`]);
    assert.equal((await runKubectl(c, '1.27', ['logs', 'logger', '-c', 'side', '--previous'])).stdout, 'from the sidecar\n');
    assert.equal((await runKubectl(c, '1.27', ['logs', 'logger', '-c', 'side'])).stdout, 'second instance\n');
  });

  it('-f streams what is appended and ends when the container instance ends', async () => {
    await c.addPod('follow', ['app']);
    const p = { namespace: 'default', name: 'follow' };
    await c.runtime.writeLog(p, 'app', [`${stamp(Date.now())} stdout F first`]);
    const following = runKubectl(c, '1.33', ['logs', '-f', 'follow']);
    await sleep(800);
    await c.runtime.writeLog(p, 'app', [`${stamp(Date.now())} stdout F appended`]);
    await sleep(800);
    // The instance is replaced: following stops after the old file's last line.
    c.runtime.restart(p, 'app');
    await c.runtime.writeLog(p, 'app', [`${stamp(Date.now())} stdout F next instance`]);
    const r = await following;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'first\nappended\n');
  });

  it('a pod with two containers needs -c when asked directly, worded as upstream', async () => {
    const r = await c.api('GET', '/api/v1/namespaces/default/pods/logger/log');
    assert.equal(r.status, 400);
    assert.match(r.text, /a container name must be specified for pod logger, choose one of: \[app side\]/);
  });
});
