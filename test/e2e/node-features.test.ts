// The node features of issue 3 through the real kubectl on real runc containers: port-forward
// (SPDY and WebSocket kubectl), configMap/secret/downward env and live configMap updates, logs and
// attach, cp, hostPort and pod-to-pod traffic, probes, restart policies and their statuses, init
// containers, image pull errors, cgroup limits and OOM kills, and a graceful delete that leaves
// nothing behind. One Berth and one registry for the file; most pods start together in before().
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Berth, freePort, startBerth } from './harness';
import type { KubectlVersion } from './kubectl';
import { startTestRegistry, type TestRegistry } from './registry';
import { create, eventually, type Kubectl, kubectlFor, rowNamed, spawnKubectl } from './util';

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  containerID?: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number } };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}
interface PodJson {
  metadata: { name: string; uid: string };
  status?: { phase?: string; podIP?: string; hostIP?: string; containerStatuses?: ContainerStatus[] };
}

const pod = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { suite: 'node-features' } }, spec: { terminationGracePeriodSeconds: 5, ...spec } });
const sh = (name: string, script: string, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox', command: ['sh', '-c', script], ...extra });

/** Runs a long-lived kubectl of a given minor (port-forward) and collects its output. */
function spawnVersioned(b: Berth, version: KubectlVersion, args: string[]) {
  const c = spawn(`/usr/lib/google-cloud-sdk/bin/kubectl.${version}`, args, {
    env: { ...process.env, KUBECONFIG: b.kubeconfig, KUBECACHEDIR: join(dirname(b.kubeconfig), '.kubectl-cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => c.once('close', () => r()));
  return {
    output: () => out,
    stop: async () => {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      await exited;
    },
  };
}

describe('node features on real containers through kubectl', { timeout: 240_000 }, () => {
  let b: Berth;
  let registry: TestRegistry;
  let k: Kubectl;
  let hostPort = 0;
  const tag = randomBytes(3).toString('hex');
  // A file big enough to take many port-forward data frames (and flow-control windows).
  const big = Array.from({ length: 6000 }, (_, i) => `${tag} line ${i} ${'abcdefghij'.repeat(4)}\n`).join('');
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');

  const getPod = async (name: string): Promise<PodJson> => JSON.parse((await k(['get', 'pod', name, '-o', 'json'])).stdout) as PodJson;
  const row = async (name: string) => rowNamed((await k(['get', 'pods', name])).stdout, name);
  const running = (name: string, ms = 60_000) =>
    eventually(async () => {
      const p = await getPod(name);
      return p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running !== undefined) ? p : undefined;
    }, `pod ${name} to run`, ms);
  const containerPid = (p: PodJson, container?: string): number => {
    const cs = p.status?.containerStatuses?.find((c) => container === undefined || c.name === container);
    const id = (cs?.containerID ?? '').replace(/^[a-z]+:\/\//, '');
    const r = spawnSync('runc', ['--root', join(b.dataDir, 'node', 'runc'), 'state', id], { encoding: 'utf8' });
    assert.equal(r.status, 0, `runc state ${id}: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { pid: number }).pid;
  };

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
    k = kubectlFor(b);
    // Below the kernel's ephemeral range (32768+), so no local connection holds it; random per run
    // so parallel Berths' portmap rules don't collide.
    hostPort = 20000 + (Number.parseInt(tag, 16) % 12000);
    await create(
      k,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-content' }, data: { 'index.html': `hello ${tag} v1\n`, 'big.txt': big } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { COLOR: 'blue', MODE: 'fast' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret' }, stringData: { password: `pw-${tag}`, TOKEN: `tok-${tag}` } },
      pod('web', {
        volumes: [{ name: 'www', configMap: { name: 'web-content' } }],
        containers: [
          sh('web', 'exec httpd -f -p 8080 -h /www', {
            ports: [{ containerPort: 8080, hostPort }],
            volumeMounts: [{ name: 'www', mountPath: '/www' }],
            env: [
              { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } },
              { name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'MY_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            envFrom: [{ configMapRef: { name: 'app-config' } }, { prefix: 'S_', secretRef: { name: 'app-secret' } }],
          }),
        ],
      }),
      pod('logger', { containers: [sh('logger', 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.5; done')] }),
      pod('crash', {
        volumes: [{ name: 'state', emptyDir: {} }],
        containers: [sh('crash', 'n=$(cat /state/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /state/n; echo "run $n"; sleep 1; exit 1', { volumeMounts: [{ name: 'state', mountPath: '/state' }] })],
      }),
      pod('never', { restartPolicy: 'Never', containers: [sh('never', 'echo bye; exit 3')] }),
      pod('ready', {
        containers: [
          sh('ready', 'mkdir -p /tmp/www && exec httpd -f -p 8080 -h /tmp/www', {
            readinessProbe: { httpGet: { path: '/ready.html', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
          }),
        ],
      }),
      pod('live', {
        containers: [
          sh('live', 'touch /tmp/healthy; sleep 3; rm /tmp/healthy; exec sleep 3600', {
            livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1 },
          }),
        ],
      }),
      pod('badimage', { containers: [sh('bad', 'sleep 3600', { image: 'busybox:doesnotexist' })] }),
      pod('limits', { containers: [sh('limits', 'exec sleep 3600', { resources: { limits: { cpu: '500m', memory: '64Mi' } } })] }),
      pod('oom', { containers: [sh('oom', 'echo eating; x=a; while true; do x="$x$x"; done', { resources: { limits: { memory: '16Mi' } } })] }),
      pod('graceful', {
        terminationGracePeriodSeconds: 30,
        volumes: [{ name: 'out', hostPath: { path: join(b.dataDir, 'graceful-out'), type: 'DirectoryOrCreate' } }],
        containers: [sh('graceful', "trap 'echo got TERM > /out/term; exit 0' TERM; while true; do sleep 1; done", { volumeMounts: [{ name: 'out', mountPath: '/out' }] })],
      }),
    );
  });

  after(async () => {
    await b?.destroy();
    await registry?.stop();
  });

  for (const version of ['1.27', '1.33'] as const) {
    test(`kubectl ${version} port-forward pod/web serves the configMap file over HTTP`, async () => {
      await running('web');
      const port = await freePort();
      const pf = spawnVersioned(b, version, ['port-forward', 'pod/web', `${port}:8080`]);
      try {
        await eventually(async () => /Forwarding from 127\.0\.0\.1:\d+ -> 8080/.test(pf.output()), `port-forward to listen: ${pf.output()}`, 20_000);
        for (let i = 0; i < 2; i++) {
          const res = await fetch(`http://127.0.0.1:${port}/index.html`);
          assert.equal(res.status, 200);
          assert.equal(await res.text(), `hello ${tag} v1\n`);
        }
        // Several connections at once, each a stream pair of its own over the one upgraded connection.
        const bodies = await Promise.all([0, 1, 2, 3].map(async () => (await fetch(`http://127.0.0.1:${port}/big.txt`)).text()));
        for (const body of bodies) assert.equal(sha(body), sha(big), `a ${big.length}-byte body arrives intact`);
        assert.match(pf.output(), /Handling connection for \d+/);
      } finally {
        await pf.stop();
      }
    });
  }

  test('a configMap update reaches the running pod; secret and configMap env, envFrom and fieldRef env', async () => {
    const p = await running('web');
    const env = (await k(['exec', 'web', '--', 'env'])).stdout;
    assert.match(env, new RegExp(`^DB_PASSWORD=pw-${tag}$`, 'm'));
    assert.match(env, /^COLOR=blue$/m);
    assert.match(env, /^MODE=fast$/m);
    assert.match(env, new RegExp(`^S_TOKEN=tok-${tag}$`, 'm'));
    assert.match(env, new RegExp(`^S_password=pw-${tag}$`, 'm'));
    assert.match(env, /^MY_POD_NAME=web$/m);
    assert.ok(p.status?.podIP, 'the pod has an IP');
    assert.match(env, new RegExp(`^MY_POD_IP=${p.status.podIP.replace(/\./g, '\\.')}$`, 'm'));

    const yaml = (await k(['create', 'configmap', 'web-content', `--from-literal=index.html=hello ${tag} v2`, '--dry-run=client', '-o', 'yaml'])).stdout;
    await k(['apply', '-f', '-'], { input: yaml });
    const t0 = Date.now();
    await eventually(async () => (await k(['exec', 'web', '--', 'cat', '/www/index.html'])).stdout === `hello ${tag} v2`, 'the new content in the pod', 20_000);
    assert.ok(Date.now() - t0 < 15_000, `updated within seconds (took ${Date.now() - t0} ms)`);
  });

  test('kubectl logs -f streams new lines; --tail and --timestamps; attach shows the output', async () => {
    await running('logger');
    const first = await eventually(async () => {
      const m = /line (\d+)\n$/.exec((await k(['logs', 'logger'])).stdout);
      return m ? Number(m[1]) : undefined;
    }, 'a logged line');
    const follow = spawnKubectl(b, ['logs', '-f', 'logger']);
    try {
      await follow.waitFor(new RegExp(`line ${first + 3}\\n`), 15_000);
      // Still streaming: lines written seconds after kubectl started arrive on the same stream.
      await follow.waitFor(new RegExp(`line ${first + 10}\\n`), 15_000);
    } finally {
      await follow.stop();
    }
    const tail = (await k(['logs', 'logger', '--tail=2'])).stdout;
    assert.match(tail, /^line (\d+)\nline \d+\n$/);
    const ts = (await k(['logs', 'logger', '--tail=1', '--timestamps'])).stdout;
    assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) line \d+\n$/);

    // attach (output only) on kubectl 1.27 (SPDY) and 1.33 (WebSocket): what the container writes
    // from now on, not the log's history.
    for (const version of ['1.27', '1.33'] as const) {
      const now = Number(/line (\d+)\n$/.exec((await k(['logs', 'logger', '--tail=1'])).stdout)?.[1]);
      const attach = spawnVersioned(b, version, ['attach', 'logger']);
      try {
        await eventually(async () => new RegExp(`line ${now + 2}\\n`).test(attach.output()), `kubectl ${version} attach to show line ${now + 2}: ${attach.output()}`, 15_000);
      } finally {
        await attach.stop();
      }
      const firstAttached = Number(/line (\d+)/.exec(attach.output())?.[1]);
      assert.ok(firstAttached >= now, `kubectl ${version}: attach began at line ${firstAttached}, the log was at ${now}`);
    }
  });

  test('kubectl logs --previous shows the run before a restart; a crashing Always pod shows CrashLoopBackOff', async () => {
    await eventually(async () => (await row('crash'))['STATUS'] === 'CrashLoopBackOff', 'crash to show CrashLoopBackOff', 30_000);
    const p = await getPod('crash');
    const cs = p.status?.containerStatuses?.[0];
    assert.ok((cs?.restartCount ?? 0) >= 1);
    assert.equal(cs?.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(cs?.lastState?.terminated?.exitCode, 1);
    const run = async (args: string[]) => Number(/^run (\d+)$/m.exec((await k(['logs', 'crash', ...args])).stdout)?.[1]);
    // Read current, previous, current again: a restart in between would pair the wrong runs.
    const { cur, prev } = await eventually(async () => {
      const [before, previous, now] = [await run([]), await run(['--previous']), await run([])];
      return before === now ? { cur: now, prev: previous } : undefined;
    }, 'a stable pair of runs');
    assert.ok(cur >= 2, `current run ${cur}`);
    assert.equal(prev, cur - 1, 'the previous container is the run before');
  });

  test('kubectl cp into and out of a container', async () => {
    await running('web');
    const local = join(b.dataDir, `cp-in-${tag}.txt`);
    const back = join(b.dataDir, `cp-out-${tag}.txt`);
    const content = `copied ${tag}\n${'x'.repeat(10_000)}\n`;
    await writeFile(local, content);
    await k(['cp', local, 'web:/tmp/in.txt']);
    assert.equal((await k(['exec', 'web', '--', 'cat', '/tmp/in.txt'])).stdout, content);
    await k(['exec', 'web', '--', 'sh', '-c', `echo made inside ${tag} > /tmp/out.txt`]);
    await k(['cp', 'web:/tmp/out.txt', back]);
    assert.equal(await readFile(back, 'utf8'), `made inside ${tag}\n`);
  });

  test('hostPort reaches the pod at the node InternalIP; pods reach each other by pod IP', async () => {
    const web = await running('web');
    await running('logger');
    const ip = (await k(['get', 'node', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}'])).stdout.trim();
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    const res = await fetch(`http://${ip}:${hostPort}/index.html`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), new RegExp(`^hello ${tag} v\\d`));
    const got = (await k(['exec', 'logger', '--', 'wget', '-qO-', `http://${web.status?.podIP ?? ''}:8080/index.html`])).stdout;
    assert.match(got, new RegExp(`^hello ${tag} v\\d`));
  });

  test('a readiness httpGet probe gates READY; a failing liveness probe restarts the container', async () => {
    await running('ready');
    assert.equal((await row('ready'))['READY'], '0/1');
    await k(['exec', 'ready', '--', 'sh', '-c', 'echo ok > /tmp/www/ready.html']);
    await eventually(async () => (await row('ready'))['READY'] === '1/1', 'ready to be 1/1', 15_000);

    await eventually(async () => Number((await row('live'))['RESTARTS']?.split(' ')[0]) >= 1, 'live to restart', 45_000);
    const describe = (await k(['describe', 'pod', 'live'])).stdout;
    assert.match(describe, /Unhealthy\s+.*Liveness probe failed/);
    assert.match(describe, /failed liveness probe, will be restarted/);
  });

  test('restartPolicy Never with exit 3 shows Error; an init container runs before the app', async () => {
    await eventually(async () => (await row('never'))['STATUS'] === 'Error', 'never to show Error', 30_000);
    const p = await getPod('never');
    assert.equal(p.status?.phase, 'Failed');
    assert.deepEqual(p.status?.containerStatuses?.[0]?.state?.terminated && { reason: p.status.containerStatuses[0].state.terminated.reason, exitCode: p.status.containerStatuses[0].state.terminated.exitCode }, { reason: 'Error', exitCode: 3 });

    await create(
      k,
      pod('init', {
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [sh('prepare', 'sleep 4; echo prepared > /work/ready', { volumeMounts: [{ name: 'work', mountPath: '/work' }] })],
        containers: [sh('app', 'cat /work/ready; exec sleep 3600', { volumeMounts: [{ name: 'work', mountPath: '/work' }] })],
      }),
    );
    await eventually(async () => (await row('init'))['STATUS'] === 'Init:0/1', 'init to show Init:0/1', 20_000);
    await eventually(async () => (await row('init'))['STATUS'] === 'Running', 'init to run', 30_000);
    assert.equal((await k(['logs', 'init', '-c', 'app'])).stdout, 'prepared\n');
  });

  test('image busybox:doesnotexist: ErrImagePull / ImagePullBackOff with the registry\'s message', async () => {
    await eventually(async () => /^(ErrImagePull|ImagePullBackOff)$/.test((await row('badimage'))['STATUS'] ?? ''), 'badimage to fail pulling', 30_000);
    const d = (await k(['describe', 'pod', 'badimage'])).stdout;
    assert.match(d, /Reason:\s+(ErrImagePull|ImagePullBackOff)/);
    // docker-registry answers an unknown tag with MANIFEST_UNKNOWN "manifest unknown".
    assert.match(d, /Failed to pull image "busybox:doesnotexist":.*manifest unknown/i);
  });

  test('limits cpu 500m / memory 64Mi land in the cgroup; going beyond the memory limit is OOMKilled', async () => {
    const p = await running('limits');
    const pid = containerPid(p);
    const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n');
    const path = (ctl: string) => lines.map((l) => l.split(':')).find((f) => f[1]?.split(',').includes(ctl))?.[2] ?? '';
    assert.match(path('memory'), new RegExp(`/pod${p.metadata.uid}/`), 'the memory cgroup is under the pod');
    const mem = (await readFile(join('/sys/fs/cgroup/memory', path('memory'), 'memory.limit_in_bytes'), 'utf8')).trim();
    assert.equal(mem, String(64 * 1024 * 1024));
    const quota = (await readFile(join('/sys/fs/cgroup/cpu', path('cpu'), 'cpu.cfs_quota_us'), 'utf8')).trim();
    const period = (await readFile(join('/sys/fs/cgroup/cpu', path('cpu'), 'cpu.cfs_period_us'), 'utf8')).trim();
    assert.equal(`${quota}/${period}`, '50000/100000');

    let seen: unknown;
    const oom = await eventually(async () => {
      const q = await getPod('oom');
      seen = q.status?.containerStatuses;
      return q.status?.containerStatuses?.[0]?.lastState?.terminated?.reason === 'OOMKilled' ? q : undefined;
    }, 'oom to be OOMKilled', 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; last container statuses: ${JSON.stringify(seen)}`);
    });
    assert.equal(oom.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 137);
  });

  test('kubectl delete of a pod handling SIGTERM ends quickly and leaves no container or mount', async () => {
    const p = await running('graceful');
    const id = (p.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^[a-z]+:\/\//, '');
    const memCgroup = (await readFile(`/proc/${containerPid(p)}/cgroup`, 'utf8')).split('\n').map((l) => l.split(':')).find((f) => f[1]?.split(',').includes('memory'))?.[2] ?? '';
    const podCgroup = join('/sys/fs/cgroup/memory', memCgroup.slice(0, memCgroup.indexOf(`/pod${p.metadata.uid}`) + `/pod${p.metadata.uid}`.length));
    await access(podCgroup);
    const t0 = Date.now();
    await k(['delete', 'pod', 'graceful', '--wait=true']);
    const took = Date.now() - t0;
    assert.ok(took < 10_000, `deleted in ${took} ms (grace is 30 s)`);
    assert.equal(await readFile(join(b.dataDir, 'graceful-out', 'term'), 'utf8'), 'got TERM\n', 'the process saw SIGTERM and exited by itself');
    const list = spawnSync('runc', ['--root', join(b.dataDir, 'node', 'runc'), 'list', '-q'], { encoding: 'utf8' }).stdout;
    assert.ok(!list.split('\n').includes(id), `runc still lists ${id}`);
    const podDir = join(b.dataDir, 'node', 'pods', p.metadata.uid);
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').filter((l) => l.split(' ')[1]?.startsWith(podDir));
    assert.deepEqual(mounts, []);
    await assert.rejects(access(podDir), 'the pod dir is removed');
    await assert.rejects(access(podCgroup), `the pod cgroup ${podCgroup} is removed`);
    // Nor anything else of it in the node's data dir (state, sockets, IPAM, CNI cache): no entry
    // named after the pod or its container, no link pointing into the pod's dir.
    const left: string[] = [];
    const nodeDir = join(b.dataDir, 'node');
    // Other pods keep restarting meanwhile: entries may vanish under the walk.
    const walk = async (path: string): Promise<void> => {
      const st = await lstat(path).catch(() => undefined);
      const target = st?.isSymbolicLink() ? await readlink(path).catch(() => '') : '';
      if (path.includes(p.metadata.uid) || path.includes(id) || target.includes(p.metadata.uid)) left.push(target ? `${path} -> ${target}` : path);
      if (st?.isDirectory()) for (const e of await readdir(path).catch(() => [])) await walk(join(path, e));
    };
    for (const top of (await readdir(nodeDir)).filter((d) => d !== 'images')) await walk(join(nodeDir, top));
    assert.deepEqual(left, [], 'nothing of the deleted pod is left under the node dir');
    const runcList = spawnSync('runc', ['--root', join(nodeDir, 'runc'), 'list'], { encoding: 'utf8' });
    assert.equal(runcList.stderr, '', 'runc list finds only containers in its root');
  });
});
