// Bad input never becomes a 500: valid objects of every served kind, mutated at random paths
// (seeded, bounded), go through the same decode checks and storage path as an HTTP create and
// update, and every failure must be a 4xx ApiError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock, IdSource } from '../machinery/clock';
import { ApiError } from '../machinery/errors';
import type { ResourceDef } from '../machinery/resource';
import { allResources } from '../machinery/resources';
import { isObject, type KObject } from '../machinery/types';
import { MemoryBackend } from '../store/memory';
import { admissionPlugins } from './admission/plugins';
import { bootstrap } from './bootstrap';
import { inspectObject } from './handlers/field-validation';
import { ObjectStore } from './object-store';
import { Registry } from './registry';

const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: 'b' }], volumeMounts: [{ name: 'v', mountPath: '/v' }], resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } } }], volumes: [{ name: 'v', emptyDir: {} }] } };
const claim = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast' };

/** A valid sample per kind. */
const samples: Record<string, Record<string, unknown>> = {
  ConfigMap: { data: { a: 'b' } },
  Secret: { type: 'Opaque', data: { a: 'Yg==' } },
  Pod: { spec: template.spec },
  Service: { spec: { selector: { app: 'a' }, ports: [{ port: 80, targetPort: 8080 }] } },
  Endpoints: { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] },
  ServiceAccount: {},
  Namespace: {},
  Node: { spec: { podCIDR: '10.244.0.0/24' } },
  Event: { involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'R', message: 'm', type: 'Normal' },
  PersistentVolume: { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/x' }, storageClassName: 'fast' } },
  PersistentVolumeClaim: { spec: claim },
  StorageClass: { provisioner: 'example.com/p', reclaimPolicy: 'Delete', allowVolumeExpansion: true },
  VolumeSnapshot: { spec: { source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'c' } },
  VolumeSnapshotContent: { spec: { deletionPolicy: 'Delete', driver: 'd.example.com', source: { volumeHandle: 'v' }, volumeSnapshotRef: { name: 's', namespace: 'default' } } },
  VolumeSnapshotClass: { driver: 'd.example.com', deletionPolicy: 'Retain', parameters: { a: 'b' } },
  CSIDriver: { spec: { attachRequired: false, podInfoOnMount: false, requiresRepublish: false, storageCapacity: false } },
  CSINode: { spec: { drivers: [{ name: 'd.example.com', nodeID: 'n1' }] } },
  ControllerRevision: { revision: 1, data: { spec: { template: {} } } },
  Deployment: { spec: { replicas: 2, selector: { matchLabels: { app: 'a' } }, template } },
  ReplicaSet: { spec: { replicas: 2, selector: { matchLabels: { app: 'a' } }, template } },
  StatefulSet: { spec: { replicas: 2, serviceName: 's', selector: { matchLabels: { app: 'a' } }, template, volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: claim }] } },
  HorizontalPodAutoscaler: { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] } },
  Lease: { spec: { holderIdentity: 'h', leaseDurationSeconds: 15 } },
};

const nasty: unknown[] = [null, 0, -1, 2 ** 53, 1.5, '', 'x', '../../etc/passwd', 'a'.repeat(300), true, [], {}, [null], { '': null }, ['x', 'x'], { a: [] }, '-1Gi', '1e400'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Every [path, container] inside a JSON value, for picking a place to mutate. */
function places(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) {
    v.forEach((c, i) => {
      out.push([v, i]);
      places(c, out);
    });
  } else if (isObject(v)) {
    for (const [k, c] of Object.entries(v)) {
      out.push([v, k]);
      places(c, out);
    }
  }
  return out;
}

function mutate(obj: KObject, next: () => number): void {
  const spots = places(obj).filter(([, k]) => k !== 'name' && k !== 'metadata');
  for (let n = 1 + Math.floor(next() * 3); n > 0 && spots.length > 0; n--) {
    const [holder, key] = spots[Math.floor(next() * spots.length)] as [Record<string, unknown>, string];
    const value = nasty[Math.floor(next() * nasty.length)];
    if (next() < 0.1) delete holder[key];
    else holder[key] = structuredClone(value);
  }
}

function expect4xx(err: unknown, what: string): void {
  if (err instanceof ApiError && err.code >= 400 && err.code < 500) return;
  assert.fail(`${what}: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err)}`);
}

test('mutated objects of every kind are rejected with a 4xx or stored, never a crash or 5xx', async () => {
  const registry = new Registry(allResources);
  const clock: Clock = { now: () => new Date('2026-11-28T10:00:00Z') };
  let n = 0;
  const ids: IdSource = { uid: () => `uid-${++n}`, suffix: () => String(++n).padStart(5, '0') };
  const store = new ObjectStore(new MemoryBackend(), clock, ids, admissionPlugins(registry));
  await bootstrap(store, registry, { ip: '127.0.0.1', port: 6443 });
  const next = rng(20261128);
  const defs = registry.defs.filter((d): d is ResourceDef => samples[d.kind] !== undefined);
  assert.equal(defs.length, Object.keys(samples).length, 'a sample for every stored kind');
  let stored = 0;
  for (const def of defs) {
    const ns = def.namespaced ? 'default' : undefined;
    const base = (name: string): KObject => ({ apiVersion: def.group ? `${def.group}/${def.versions[0]}` : 'v1', kind: def.kind, metadata: { name }, ...structuredClone(samples[def.kind]) });
    await store.create(def, ns, base(`valid-${def.plural}`));
    for (let i = 0; i < 150; i++) {
      const obj = base(`m-${def.plural}-${i}`);
      mutate(obj, next);
      const what = `${def.kind} ${JSON.stringify(obj).slice(0, 400)}`;
      // The HTTP path rejects type mismatches (400) before anything else sees the object.
      if (inspectObject(def, def.versions[0] ?? 'v1', obj).typeError) continue;
      try {
        await store.create(def, ns, obj);
        stored++;
      } catch (err) {
        expect4xx(err, `create ${what}`);
      }
      try {
        await store.update(def, ns, `valid-${def.plural}`, (cur) => ({ ...obj, metadata: { ...(cur as KObject).metadata } }));
      } catch (err) {
        expect4xx(err, `update ${what}`);
      }
    }
  }
  assert.ok(stored > 0, 'some mutations are still valid objects');
});
