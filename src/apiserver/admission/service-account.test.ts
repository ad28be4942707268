import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clock, IdSource } from '../../machinery/clock';
import { allResources } from '../../machinery/resources';
import type { JsonObject, KObject } from '../../machinery/types';
import { MemoryBackend } from '../../store/memory';
import { bootstrap } from '../bootstrap';
import { ObjectStore } from '../object-store';
import { Registry } from '../registry';
import { admissionPlugins } from './plugins';
import { serviceAccount, tokenVolumeSource } from './service-account';

const registry = new Registry(allResources);
const pods = registry.lookup('', 'v1', 'pods') ?? assert.fail('pods');
const sas = registry.lookup('', 'v1', 'serviceaccounts') ?? assert.fail('serviceaccounts');
const ids: IdSource = { uid: () => 'u', suffix: (n) => 'x7k2q'.slice(0, n) };
const MOUNT = { name: 'kube-api-access-x7k2q', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
const VOLUME = { name: 'kube-api-access-x7k2q', projected: tokenVolumeSource() };
const c = (name: string, mounts?: JsonObject[]): JsonObject => ({ name, image: 'busybox', ...(mounts ? { volumeMounts: mounts } : {}) });
const own = { name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };

interface Case {
  name: string;
  spec: JsonObject;
  annotations?: Record<string, string>;
  sa?: JsonObject;
  want: JsonObject;
}

const cases: Case[] = [
  {
    name: 'every container and init container gets the mount; the volume is added once',
    spec: { initContainers: [c('init')], containers: [c('a', [{ name: 'data', mountPath: '/data' }]), c('b')] },
    want: {
      initContainers: [c('init', [MOUNT])],
      containers: [c('a', [{ name: 'data', mountPath: '/data' }, MOUNT]), c('b', [MOUNT])],
      volumes: [VOLUME],
      serviceAccountName: 'default',
      serviceAccount: 'default',
    },
  },
  {
    name: 'the pod opts out',
    spec: { automountServiceAccountToken: false, containers: [c('a')] },
    want: { automountServiceAccountToken: false, containers: [c('a')], serviceAccountName: 'default', serviceAccount: 'default' },
  },
  {
    name: 'the service account opts out',
    spec: { serviceAccountName: 'robot', containers: [c('a')] },
    sa: { automountServiceAccountToken: false },
    want: { serviceAccountName: 'robot', containers: [c('a')], serviceAccount: 'robot' },
  },
  {
    name: 'the pod overrides its service account',
    spec: { serviceAccountName: 'robot', automountServiceAccountToken: true, containers: [c('a')] },
    sa: { automountServiceAccountToken: false },
    want: { serviceAccountName: 'robot', automountServiceAccountToken: true, containers: [c('a', [MOUNT])], serviceAccount: 'robot', volumes: [VOLUME] },
  },
  {
    name: 'a container with its own mount at the path keeps it',
    spec: { containers: [c('a', [own]), c('b')], volumes: [{ name: 'own', emptyDir: {} }] },
    want: { containers: [c('a', [own]), c('b', [MOUNT])], volumes: [{ name: 'own', emptyDir: {} }, VOLUME], serviceAccountName: 'default', serviceAccount: 'default' },
  },
  {
    name: 'no container needs it: no volume',
    spec: { containers: [c('a', [own])], volumes: [{ name: 'own', emptyDir: {} }] },
    want: { containers: [c('a', [own])], volumes: [{ name: 'own', emptyDir: {} }], serviceAccountName: 'default', serviceAccount: 'default' },
  },
  {
    name: 'an existing kube-api-access volume is reused',
    spec: { containers: [c('a')], volumes: [{ name: 'kube-api-access-abcde', emptyDir: {} }] },
    want: {
      containers: [c('a', [{ ...MOUNT, name: 'kube-api-access-abcde' }])],
      volumes: [{ name: 'kube-api-access-abcde', emptyDir: {} }],
      serviceAccountName: 'default',
      serviceAccount: 'default',
    },
  },
  {
    name: 'mirror pods are left alone',
    spec: { containers: [c('a')] },
    annotations: { 'kubernetes.io/config.mirror': 'hash' },
    want: { containers: [c('a')] },
  },
];

describe('ServiceAccount admission mounts the API credentials', () => {
  for (const k of cases) {
    test(k.name, async () => {
      const plugin = serviceAccount(ids);
      const obj: KObject = { metadata: { name: 'p', namespace: 'ns', ...(k.annotations ? { annotations: k.annotations } : {}) }, spec: structuredClone(k.spec) };
      const store = {
        tryGet: async (_d: unknown, ns: string | undefined, name: string) =>
          k.sa && ns === 'ns' && name === (k.spec.serviceAccountName ?? 'default') ? ({ metadata: { name }, ...k.sa } as KObject) : undefined,
        list: async () => ({ items: [] }),
      };
      await plugin.admit({ op: 'create', def: pods, obj, store });
      assert.deepEqual(obj.spec, k.want);
    });
  }

  test('updates are not touched', async () => {
    const obj: KObject = { metadata: { name: 'p' }, spec: { containers: [c('a')] } };
    await serviceAccount(ids).admit({ op: 'update', def: pods, obj, store: { tryGet: async () => undefined, list: async () => ({ items: [] }) } });
    assert.deepEqual(obj.spec, { containers: [c('a')] });
  });

  test('through the object store, as upstream stores it', async () => {
    const clock: Clock = { now: () => new Date('2026-11-28T10:00:00Z') };
    const store = new ObjectStore(new MemoryBackend(), clock, ids, admissionPlugins(registry));
    await bootstrap(store, registry, { ip: '127.0.0.1', port: 6443 });
    await store.create(sas, 'default', { metadata: { name: 'default' } });
    const p = await store.create(pods, 'default', { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'busybox' }] } });
    const spec = p.spec as { volumes: { name: string }[]; containers: { volumeMounts: unknown[] }[] };
    // The plugin draws its own suffix from upstream's generateName alphabet.
    const name = spec.volumes[0]?.name ?? '';
    assert.match(name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(spec.containers[0]?.volumeMounts, [{ name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    assert.deepEqual(spec.volumes, [
      {
        name,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
          defaultMode: 420,
        },
      },
    ]);
  });
});
