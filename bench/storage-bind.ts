// Binding benchmark: N PersistentVolumes created and Available, then N claims created as fast as
// the API takes them; the clock runs from the last claim's create response to the last claim
// seen Bound on a watch (the binder writes the claim's status last, so the volumes are Bound too).
import type { Berth } from '../test/e2e/harness';
import { runWorkers } from './workers';
import { http, type Http, watch } from './http';

export interface BindResult {
  count: number;
  pvCreateMs: number;
  pvAvailableMs: number;
  claimCreateMs: number;
  /** Last claim created → all claims Bound: the goal's number. */
  bindMs: number;
  /** First claim created → all claims Bound. */
  totalMs: number;
}

const GI = 1024 ** 3;
/** Sizes 1..10 Gi; PVs and claims share the distribution so every claim has a smallest fit. */
const size = (i: number) => `${1 + (i % 10)}Gi`;
// A few RWX volumes and claims so the access-mode groups are not all one.
const modes = (i: number) => (i % 7 === 0 ? ['ReadWriteOnce', 'ReadWriteMany'] : ['ReadWriteOnce']);

function volume(cls: string, i: number) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `${cls}-pv-${i}`, labels: { bench: cls } },
    spec: { storageClassName: cls, capacity: { storage: size(i) }, accessModes: modes(i), persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/tmp/${cls}/${i}` } },
  };
}
function claim(cls: string, i: number) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${cls}-pvc-${i}` },
    spec: { storageClassName: cls, accessModes: modes(i), resources: { requests: { storage: size(i) } } },
  };
}

/** Counts objects reaching `phase` on a watch started now; resolves when `n` distinct names did. */
async function phaseCounter(b: Berth, path: string, phase: string, n: number, onProgress?: (seen: number) => void) {
  const seen = new Set<string>();
  let last = 0;
  let resolve: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolve = r));
  const w = await watch(b, path, (ev, at) => {
    if (ev.object.status?.phase !== phase) return;
    const key = `${ev.object.metadata?.namespace ?? ''}/${ev.object.metadata?.name ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    last = at;
    onProgress?.(seen.size);
    if (seen.size >= n) resolve();
  });
  return { all, lastAt: () => last, seen: () => seen.size, stop: () => w.stop() };
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, rej) => (t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what()}`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

/** Runs one binding round with `count` volumes and claims in a fresh namespace and class. */
export async function bindBench(b: Berth, count: number, opts: { sockets?: number; timeoutMs?: number } = {}): Promise<BindResult> {
  const sockets = opts.sockets ?? 16;
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const cls = `bench${Date.now().toString(36)}`;
  const ns = cls;
  const h = http(b, sockets);
  try {
    await h.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await h.ok('POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: cls }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' });

    const available = await phaseCounter(b, `/api/v1/persistentvolumes?labelSelector=bench%3D${cls}`, 'Available', count);
    let t0 = performance.now();
    await runWorkers(sockets, { count }, async (i) => void (await h.ok('POST', '/api/v1/persistentvolumes', volume(cls, i))));
    const pvCreateMs = performance.now() - t0;
    await withDeadline(available.all, timeoutMs, () => `${available.seen()}/${count} volumes Available`);
    const pvAvailableMs = available.lastAt() - t0;
    available.stop();

    const bound = await phaseCounter(b, `/api/v1/namespaces/${ns}/persistentvolumeclaims`, 'Bound', count);
    t0 = performance.now();
    await runWorkers(sockets, { count }, async (i) => void (await h.ok('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, claim(cls, i))));
    const created = performance.now();
    await withDeadline(bound.all, timeoutMs, () => `${bound.seen()}/${count} claims Bound`);
    bound.stop();
    await verify(h, ns, cls, count);
    return { count, pvCreateMs, pvAvailableMs, claimCreateMs: created - t0, bindMs: Math.max(0, bound.lastAt() - created), totalMs: bound.lastAt() - t0 };
  } finally {
    h.close();
  }
}

/** Every claim bound to a distinct volume that fits it, and every volume Bound: the speed is not bought with wrong answers. */
async function verify(h: Http, ns: string, cls: string, count: number): Promise<void> {
  type Obj = { metadata: { name: string }; spec: { volumeName?: string; capacity?: { storage: string }; claimRef?: { name?: string } }; status?: { phase?: string } };
  const claims = (JSON.parse(await h.ok('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims`)) as { items: Obj[] }).items;
  const pvs = new Map((JSON.parse(await h.ok('GET', `/api/v1/persistentvolumes?labelSelector=bench%3D${cls}`)) as { items: Obj[] }).items.map((p) => [p.metadata.name, p]));
  const used = new Set<string>();
  for (const c of claims) {
    const i = Number(c.metadata.name.slice(c.metadata.name.lastIndexOf('-') + 1));
    const pv = pvs.get(c.spec.volumeName ?? '');
    if (!pv || used.has(pv.metadata.name)) throw new Error(`claim ${c.metadata.name} bound to ${c.spec.volumeName ?? 'nothing'} (missing or shared)`);
    used.add(pv.metadata.name);
    if (pv.status?.phase !== 'Bound' || pv.spec.claimRef?.name !== c.metadata.name) throw new Error(`volume ${pv.metadata.name} is ${pv.status?.phase ?? '?'} for ${pv.spec.claimRef?.name ?? 'nobody'}`);
    const gi = Number.parseInt(pv.spec.capacity?.storage ?? '0', 10);
    if (gi * GI < (1 + (i % 10)) * GI) throw new Error(`claim ${c.metadata.name} got a volume too small`);
  }
  if (claims.length !== count) throw new Error(`${claims.length} claims, want ${count}`);
}
