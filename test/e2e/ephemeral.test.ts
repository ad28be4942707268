// The seed's "Ephemeral Volumes" section, verbatim, on real runc containers: the Deployment's pod
// runs 2/2, the reader sees the writer's file through the shared emptyDir (exec -it on kubectl
// 1.27/1.32/1.33, logs), a killed writer restarts with the file kept, a new pod starts empty, and a
// restarted Berth re-adopts running containers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawn as ptySpawn } from 'node-pty';
import { type Berth, startBerth } from './harness';
import { kubectl, type KubectlVersion } from './kubectl';
import { startTestRegistry } from './registry';
import { seedManifests } from './seed';
import { eventually } from './util';

interface PodLite {
  metadata: { name: string; uid: string };
  status?: { phase?: string; containerStatuses?: { name: string; ready: boolean; restartCount: number; containerID?: string; state?: Record<string, unknown> }[] };
}

const deployYaml = seedManifests().find((m) => m.includes('shared-volume-deployment')) ?? '';

/**
 * Runs kubectl in a real terminal (so `-it` gets a TTY) and returns what the terminal showed;
 * `typed` lines are typed once the shell's prompt appears.
 */
function kubectlTty(b: Berth, args: string[], version?: KubectlVersion, typed: string[] = []): Promise<{ code: number; output: string }> {
  const bin = version ? `/usr/lib/google-cloud-sdk/bin/kubectl.${version}` : '/usr/bin/kubectl';
  return new Promise((resolve) => {
    const p = ptySpawn(bin, args, { cols: 120, rows: 30, env: { ...process.env, KUBECONFIG: b.kubeconfig } });
    let output = '';
    const lines = [...typed];
    let typing: NodeJS.Timeout | undefined;
    p.onData((d) => {
      output += d;
      // busybox's line editor asks the terminal where the cursor is (ESC[6n); answer as a terminal would.
      if (d.includes('\x1b[6n')) p.write('\x1b[1;5R');
      // Type the next line once the shell has been quiet at a prompt for a moment, as a person would.
      clearTimeout(typing);
      if (lines.length > 0 && /[#$] /.test(output.slice(-20))) typing = setTimeout(() => p.write(`${lines.shift() ?? ''}\r`), 300);
    });
    const kill = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.onExit(({ exitCode }) => {
      clearTimeout(kill);
      resolve({ code: exitCode, output });
    });
  });
}

describe('seed: Ephemeral Volumes (kube.yml) on real containers', { timeout: 300_000 }, () => {
  let b: Berth;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  const k = (args: string[], version?: KubectlVersion) => kubectl(args, { kubeconfig: b.kubeconfig, timeoutMs: 60_000, ...(version ? { version } : {}) });

  async function pods(): Promise<PodLite[]> {
    const r = await b.request('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dshared-volume-app');
    return ((r.body as { items?: PodLite[] }).items ?? []).filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  }

  const waitFor = <T>(what: string, f: () => Promise<T | undefined>, ms = 90_000): Promise<T> => eventually(f, what, ms);


  const runningPod = () =>
    waitFor('the pod to run 2/2', async () => {
      const ps = await pods();
      const p = ps.length === 1 ? ps[0] : undefined;
      const cs = p?.status?.containerStatuses ?? [];
      return p?.status?.phase === 'Running' && cs.length === 2 && cs.every((c) => c.ready) ? p : undefined;
    });

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
  });
  after(async () => {
    await k(['delete', 'deployment', 'shared-volume-deployment', '--ignore-not-found', '--wait=true']).catch(() => undefined);
    await waitFor('pods gone', async () => ((await pods()).length === 0 ? true : undefined), 60_000).catch(() => undefined);
    await b?.destroy();
    await registry?.stop();
  });

  test('kubectl apply -f kube.yml runs the pod 2/2', async () => {
    assert.ok(deployYaml, 'the seed has the shared-volume Deployment');
    // As the seed says: the manifest saved as kube.yml, then `kubectl apply -f kube.yml`.
    const file = join(b.dataDir, 'kube.yml');
    await writeFile(file, deployYaml);
    assert.match((await k(['apply', '-f', file])).stdout, /^deployment\.apps\/shared-volume-deployment created$/m);
    const p = await runningPod();
    assert.match(p.metadata.name, /^shared-volume-deployment-[a-z0-9]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const row = (await k(['get', 'pods', p.metadata.name])).stdout;
    assert.match(row, new RegExp(`^${p.metadata.name}\\s+2/2\\s+Running\\s+0\\s+`, 'm'));
  });

  test('the reader sees the writer\'s file: exec -it on kubectl 1.27, 1.32 and 1.33, and logs', async () => {
    const p = await runningPod();
    for (const v of ['1.27', undefined, '1.33'] as const) {
      const r = await kubectlTty(b, ['exec', '-it', p.metadata.name, '--container', 'reader', '--', 'sh', '-c', 'cat /data/hello.txt'], v);
      assert.equal(r.code, 0, `kubectl ${v ?? '1.32'}: ${r.output}`);
      assert.match(r.output, /Hello from Writer Pod/, `kubectl ${v ?? '1.32'}`);
    }
    assert.match((await k(['logs', p.metadata.name, '-c', 'reader'])).stdout, /^Hello from Writer Pod$/m);
  });

  // kubectl ≤ 1.30 accepts the seed's form (without `--`) with a deprecation warning; 1.31+
  // refuses it on the client before any request ("exec [POD] [COMMAND] is not supported anymore").
  test('the seed\'s own form: kubectl exec -it POD --container reader sh, then typing in the shell (1.27, 1.30)', async () => {
    const p = await runningPod();
    for (const v of ['1.27', '1.30'] as const) {
      const r = await kubectlTty(b, ['exec', '-it', p.metadata.name, '--container', 'reader', 'sh'], v, ['cat /data/hello.txt', 'exit']);
      assert.equal(r.code, 0, `kubectl ${v}: ${r.output}`);
      assert.match(r.output, /cat \/data\/hello.txt\r?\n(\r)?Hello from Writer Pod/, `kubectl ${v}`);
    }
  });

  test('killing the writer\'s process restarts that container; the file is still there', async () => {
    const p = await runningPod();
    const writer = p.status?.containerStatuses?.find((c) => c.name === 'writer');
    const id = (writer?.containerID ?? '').replace(/^[a-z]+:\/\//, '');
    assert.ok(id, 'the writer has a containerID');
    const state = JSON.parse(execFileSync('runc', ['--root', `${b.dataDir}/node/runc`, 'state', id], { encoding: 'utf8' })) as { pid: number };
    process.kill(state.pid, 'SIGKILL');
    const restarted = await waitFor('the writer to restart', async () => {
      const q = (await pods())[0];
      const w = q?.status?.containerStatuses?.find((c) => c.name === 'writer');
      return w && w.restartCount >= 1 && w.ready ? q : undefined;
    });
    assert.equal(restarted.metadata.uid, p.metadata.uid, 'same pod');
    assert.equal(restarted.status?.containerStatuses?.find((c) => c.name === 'reader')?.restartCount, 0);
    assert.match((await k(['exec', p.metadata.name, '-c', 'reader', '--', 'cat', '/data/hello.txt'])).stdout, /Hello from Writer Pod/);
    const row = (await k(['get', 'pods', p.metadata.name])).stdout;
    assert.match(row, new RegExp(`^${p.metadata.name}\\s+2/2\\s+Running\\s+1 \\(\\d+s ago\\)\\s+`, 'm'));
  });

  test('restarting Berth re-adopts the running containers: no restarts, data kept', async () => {
    const p = await runningPod();
    await k(['exec', p.metadata.name, '-c', 'reader', '--', 'sh', '-c', 'echo kept > /data/marker']);
    const before = p.status?.containerStatuses?.map((c) => `${c.name}:${c.containerID}:${c.restartCount}`).sort();
    await b.restart();
    const q = await runningPod();
    assert.equal(q.metadata.uid, p.metadata.uid);
    assert.deepEqual(q.status?.containerStatuses?.map((c) => `${c.name}:${c.containerID}:${c.restartCount}`).sort(), before);
    assert.equal((await k(['exec', q.metadata.name, '-c', 'writer', '--', 'cat', '/data/marker'])).stdout, 'kept\n');
  });

  test('deleting the pod brings a new pod with an empty /data', async () => {
    const p = await runningPod();
    await k(['delete', 'pod', p.metadata.name, '--wait=true']);
    const q = await waitFor('a new pod', async () => {
      const n = await runningPod();
      return n.metadata.uid !== p.metadata.uid ? n : undefined;
    });
    const ls = (await k(['exec', q.metadata.name, '-c', 'reader', '--', 'ls', '-A', '/data'])).stdout;
    assert.equal(ls, 'hello.txt\n', 'only what the new writer wrote; the old marker is gone');
  });
});
