// Workloads with the real kubectl against `berth server` (control plane only: a stand-in node
// heartbeats through its Lease and a stand-in kubelet marks bound pods Running/Ready and finishes
// graceful deletes). Covers apply, scale, set image, rollout status/history/undo/restart/
// pause/resume, and Recreate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Berth, httpsJson, startBerth } from '../../../test/e2e/harness';
import { type KubectlVersion, kubectl } from '../../../test/e2e/kubectl';

let berth: Berth;
const NS = 'wl';
let stopLoops = false;
let loops: Promise<unknown>;

/** BERTH_WORKLOAD_KUBECTL=1.27 runs these with another installed kubectl minor. */
const version = process.env['BERTH_WORKLOAD_KUBECTL'] as KubectlVersion | undefined;
const k = (args: string[], input?: string) => kubectl(args, { kubeconfig: berth.kubeconfig, timeoutMs: 90_000, ...(input ? { input } : {}), ...(version ? { version } : {}) });
const merge = (path: string, body: unknown) => httpsJson(berth, 'PATCH', path, body, { headers: { 'content-type': 'application/merge-patch+json' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Pod { metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> }; spec: { nodeName?: string; containers: { name: string; image: string }[] }; status?: { phase?: string; conditions?: { type: string; status: string }[] } }
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function listPods(selector = ''): Promise<Pod[]> {
  const r = await berth.request('GET', `/api/v1/namespaces/${NS}/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`);
  return ((r.body as { items?: Pod[] }).items ?? []);
}

/** The stand-in kubelet: bound pods become Running and Ready; graceful deletes complete. */
async function kubeletLoop(): Promise<void> {
  while (!stopLoops) {
    for (const p of await listPods().catch(() => [])) {
      const path = `/api/v1/namespaces/${NS}/pods/${p.metadata.name}`;
      if (p.metadata.deletionTimestamp) await httpsJson(berth, 'DELETE', path, { gracePeriodSeconds: 0 }).catch(() => undefined);
      else if (p.spec.nodeName && !isReady(p)) {
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
        await merge(`${path}/status`, {
          status: {
            phase: 'Running', hostIP: '10.0.0.1', podIP: '10.244.0.9', startTime: now,
            conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(cond),
            containerStatuses: p.spec.containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } })),
          },
        }).catch(() => undefined);
      }
    }
    await sleep(100);
  }
}

/** The stand-in node's heartbeat: its Lease renewed every 2 s so it never goes Unknown. */
async function leaseLoop(): Promise<void> {
  while (!stopLoops) {
    const renewTime = new Date().toISOString().replace(/Z$/, '000Z');
    await merge('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/e2e-node', { spec: { renewTime } }).catch(() => undefined);
    for (let i = 0; i < 20 && !stopLoops; i++) await sleep(100);
  }
}

before(async () => {
  berth = await startBerth();
  const alloc = { cpu: '8', memory: '16Gi', pods: '110', 'ephemeral-storage': '50Gi' };
  const node = await berth.request('POST', '/api/v1/nodes', {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'e2e-node', labels: { 'kubernetes.io/hostname': 'e2e-node' } },
    status: { capacity: alloc, allocatable: alloc, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }] },
  });
  assert.equal(node.status, 201, node.text);
  const lease = await berth.request('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
    metadata: { name: 'e2e-node' }, spec: { holderIdentity: 'e2e-node', leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace(/Z$/, '000Z') },
  });
  assert.equal(lease.status, 201, lease.text);
  await k(['create', 'namespace', NS]);
  loops = Promise.all([kubeletLoop(), leaseLoop()]);
});

after(async () => {
  stopLoops = true;
  await loops;
  await berth?.destroy();
});

const manifest = (name: string, replicas: number, strategy = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
${strategy}  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: writer
        image: busybox
        command: ["/bin/sh", "-c", "echo 'Hello from Writer Pod' > /data/hello.txt; sleep 3600"]
        volumeMounts:
        - name: shared-data
          mountPath: /data
      - name: reader
        image: busybox
        command: ["/bin/sh", "-c", "cat /data/hello.txt; sleep 3600"]
        volumeMounts:
        - name: shared-data
          mountPath: /data
      volumes:
      - name: shared-data
        emptyDir: {}
`;

const rolloutStatus = (name: string) => k(['-n', NS, 'rollout', 'status', `deployment/${name}`, '--timeout=60s']);

test('kubectl apply: the Deployment gets a hashed ReplicaSet, scheduled pods, and rollout status completes', async () => {
  await k(['apply', '-f', '-'], manifest('shared-volume-deployment', 1));
  const st = await rolloutStatus('shared-volume-deployment');
  assert.match(st.stdout, /deployment "shared-volume-deployment" successfully rolled out/);
  const rs = JSON.parse((await k(['-n', NS, 'get', 'rs', '-o', 'json'])).stdout) as { items: { metadata: { name: string; labels: Record<string, string> } }[] };
  const hash = rs.items[0]?.metadata.labels['pod-template-hash'] ?? '';
  assert.equal(rs.items[0]?.metadata.name, `shared-volume-deployment-${hash}`);
  const pods = await listPods('app=shared-volume-deployment');
  assert.equal(pods.length, 1);
  assert.match(pods[0]?.metadata.name ?? '', new RegExp(`^shared-volume-deployment-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
  assert.equal(pods[0]?.spec.nodeName, 'e2e-node', 'bound by the scheduler');
  const get = await k(['-n', NS, 'get', 'deployment', 'shared-volume-deployment']);
  assert.match(get.stdout, /shared-volume-deployment\s+1\/1\s+1\s+1\s/);
  const events = (await k(['-n', NS, 'get', 'events', '-o', 'custom-columns=REASON:.reason,FROM:.source.component,MSG:.message', '--no-headers'])).stdout;
  assert.match(events, new RegExp(`ScalingReplicaSet\\s+deployment-controller\\s+Scaled up replica set shared-volume-deployment-${hash} from 0 to 1`));
  assert.match(events, /Scheduled\s+default-scheduler\s+Successfully assigned wl\/shared-volume-deployment-\w+-\w+ to e2e-node/);
  assert.match(events, /SuccessfulCreate\s+replicaset-controller\s+Created pod: shared-volume-deployment-/);
});

test('kubectl scale, set image (surge/unavailable respected), rollout history and undo', async () => {
  await k(['-n', NS, 'scale', 'deployment', 'shared-volume-deployment', '--replicas=4']);
  await rolloutStatus('shared-volume-deployment');
  assert.equal((await listPods('app=shared-volume-deployment')).filter((p) => !p.metadata.deletionTimestamp).length, 4);

  let maxPods = 0;
  let minReady = 4;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const ps = (await listPods('app=shared-volume-deployment')).filter((p) => !p.metadata.deletionTimestamp);
      maxPods = Math.max(maxPods, ps.length);
      minReady = Math.min(minReady, ps.filter(isReady).length);
      await sleep(20);
    }
  })();
  await k(['-n', NS, 'set', 'image', 'deployment/shared-volume-deployment', 'writer=busybox:1.36']);
  // As people do after a change: the cause is copied to the current (new) ReplicaSet only.
  await k(['-n', NS, 'annotate', 'deployment/shared-volume-deployment', 'kubernetes.io/change-cause=writer to busybox:1.36']);
  await rolloutStatus('shared-volume-deployment');
  sampling = false;
  await sampler;
  // 25% of 4: maxSurge 1 (rounded up), maxUnavailable 1 (rounded down).
  assert.ok(maxPods <= 5, `never more than replicas+maxSurge pods (saw ${maxPods})`);
  assert.ok(minReady >= 3, `never fewer than replicas-maxUnavailable ready (saw ${minReady})`);
  const images = (await listPods('app=shared-volume-deployment')).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0]?.image);
  assert.deepEqual(images, ['busybox:1.36', 'busybox:1.36', 'busybox:1.36', 'busybox:1.36']);

  const history = (await k(['-n', NS, 'rollout', 'history', 'deployment/shared-volume-deployment'])).stdout;
  assert.match(history, /REVISION\s+CHANGE-CAUSE/);
  assert.match(history, /\n1\s+<none>/);
  assert.match(history, /\n2\s+writer to busybox:1.36/);
  const rev2 = (await k(['-n', NS, 'rollout', 'history', 'deployment/shared-volume-deployment', '--revision=2'])).stdout;
  assert.match(rev2, /Image:\s+busybox:1.36/);

  const undo = await k(['-n', NS, 'rollout', 'undo', 'deployment/shared-volume-deployment']);
  assert.match(undo.stdout, /rolled back/);
  await rolloutStatus('shared-volume-deployment');
  const after = (await listPods('app=shared-volume-deployment')).filter((p) => !p.metadata.deletionTimestamp);
  assert.ok(after.every((p) => p.spec.containers[0]?.image === 'busybox'), 'back to the first template');
  const h2 = (await k(['-n', NS, 'rollout', 'history', 'deployment/shared-volume-deployment'])).stdout;
  assert.match(h2, /\n2\s+writer to busybox:1.36\n3\s/, 'revision 1 became 3');
  assert.doesNotMatch(h2, /\n1\s/);
  const rsCount = JSON.parse((await k(['-n', NS, 'get', 'rs', '-o', 'json'])).stdout) as { items: unknown[] };
  assert.equal(rsCount.items.length, 2, 'undo reuses the old ReplicaSet');
});

test('kubectl rollout restart rolls new pods; pause holds a template change until resume', async () => {
  const before = new Set((await listPods('app=shared-volume-deployment')).map((p) => p.metadata.name));
  await k(['-n', NS, 'rollout', 'restart', 'deployment/shared-volume-deployment']);
  await rolloutStatus('shared-volume-deployment');
  const restarted = (await listPods('app=shared-volume-deployment')).filter((p) => !p.metadata.deletionTimestamp);
  assert.equal(restarted.length, 4);
  assert.ok(restarted.every((p) => !before.has(p.metadata.name)), 'every pod replaced');

  await k(['-n', NS, 'rollout', 'pause', 'deployment/shared-volume-deployment']);
  await k(['-n', NS, 'set', 'image', 'deployment/shared-volume-deployment', 'reader=busybox:1.37']);
  await sleep(1500);
  const paused = (await listPods('app=shared-volume-deployment')).filter((p) => !p.metadata.deletionTimestamp);
  assert.ok(paused.every((p) => p.spec.containers[1]?.image === 'busybox'), 'no rollout while paused');
  const desc = (await k(['-n', NS, 'get', 'deployment', 'shared-volume-deployment', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}'])).stdout;
  assert.equal(desc, 'DeploymentPaused');
  await k(['-n', NS, 'rollout', 'resume', 'deployment/shared-volume-deployment']);
  await rolloutStatus('shared-volume-deployment');
  const resumed = (await listPods('app=shared-volume-deployment')).filter((p) => !p.metadata.deletionTimestamp);
  assert.ok(resumed.length === 4 && resumed.every((p) => p.spec.containers[1]?.image === 'busybox:1.37'));
});

test('Recreate: old pods are gone before new ones start', async () => {
  await k(['apply', '-f', '-'], manifest('recreate', 2, '  strategy:\n    type: Recreate\n'));
  await rolloutStatus('recreate');
  let mixed = false;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const images = new Set((await listPods('app=recreate')).map((p) => p.spec.containers[0]?.image));
      if (images.size > 1) mixed = true;
      await sleep(20);
    }
  })();
  await k(['-n', NS, 'set', 'image', 'deployment/recreate', 'writer=busybox:1.36']);
  await rolloutStatus('recreate');
  sampling = false;
  await sampler;
  assert.equal(mixed, false, 'old and new pods never coexisted');
  const ps = await listPods('app=recreate');
  assert.deepEqual(ps.map((p) => p.spec.containers[0]?.image), ['busybox:1.36', 'busybox:1.36']);
});
