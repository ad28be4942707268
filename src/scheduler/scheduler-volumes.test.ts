// The scheduler's volume filters over the real in-process API with the PV controller running:
// a WaitForFirstConsumer claim is pointed at the chosen node and then bound there.
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { after, before, test } from 'node:test';
import type { ApiClient, ResourceRef } from '../machinery/client';
import type { KObject } from '../machinery/types';
import { buildContext, startInformers } from '../controllers/context';
import { PersistentVolumeController } from '../controllers/persistentvolume/controller';
import { eventually } from '../controllers/testing/fake-timer';
import { testStack } from '../controllers/testing/stack';
import { Scheduler } from './scheduler';

const podRef: ResourceRef = { group: '', version: 'v1', plural: 'pods' };
const nodeRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const pvRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumes' };
const pvcRef: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumeclaims' };
const scRef: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses' };

let client: ApiClient;
const ac = new AbortController();
// Two controllers' informers each listen on the one signal: more than the default ten.
setMaxListeners(20, ac.signal);
let running: Promise<unknown>;

const node = (name: string): KObject => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: { capacity: { cpu: '4', memory: '4Gi', pods: '110' }, allocatable: { cpu: '4', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const pod = (name: string, claim: string): KObject => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
});
const podStatus = async (name: string) => {
  const p = await client.get(podRef, 'sv', name);
  const cond = ((p.status as { conditions?: { type: string; message?: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'PodScheduled');
  return { node: (p.spec as { nodeName?: string }).nodeName, message: cond?.message };
};

before(async () => {
  const stack = await testStack();
  client = stack.client;
  await client.create(nsRef, undefined, { metadata: { name: 'sv' } });
  await client.create(nodeRef, undefined, node('alpha'));
  await client.create(nodeRef, undefined, node('beta'));
  const ctx = buildContext({ client, registry: stack.registry, clock: { now: () => new Date() } });
  const sched = new Scheduler(ctx);
  const pvc = new PersistentVolumeController(ctx);
  running = Promise.all([startInformers(ctx, ac.signal), sched.start(ac.signal), pvc.start(ac.signal)]);
  await Promise.all([sched.ready, pvc.ready]);
});

after(async () => {
  ac.abort();
  await running;
});

test('a WaitForFirstConsumer claim: the pod goes to the node of the local PV, which the claim then binds', async () => {
  await client.create(scRef, undefined, { metadata: { name: 'local-wffc' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
  await client.create(pvRef, undefined, {
    metadata: { name: 'local-beta' },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local-wffc', persistentVolumeReclaimPolicy: 'Retain', local: { path: '/mnt/disk' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['beta'] }] }] } },
    },
  });
  await client.create(pvcRef, 'sv', { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-wffc', resources: { requests: { storage: '1Gi' } } } });
  await client.create(podRef, 'sv', pod('db', 'data'));
  await eventually(async () => (await podStatus('db')).node === 'beta', 5000, 'pod bound to beta');
  const claim = await client.get(pvcRef, 'sv', 'data');
  assert.equal(claim.metadata.annotations?.['volume.kubernetes.io/selected-node'], 'beta');
  await eventually(async () => {
    const c = await client.get(pvcRef, 'sv', 'data');
    return (c.status as { phase?: string } | undefined)?.phase === 'Bound' && (c.spec as { volumeName?: string }).volumeName === 'local-beta';
  }, 5000, 'claim Bound to local-beta');
});

test('a pod waits for its missing claim and is placed once the claim exists and binds', async () => {
  await client.create(podRef, 'sv', pod('late', 'later'));
  const want = '0/2 nodes are available: persistentvolumeclaim "later" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';
  await eventually(async () => (await podStatus('late')).message === want, 5000, 'PodScheduled=False with the missing-claim reason');
  await client.create(pvRef, undefined, { metadata: { name: 'plain' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: '/tmp/plain' } } });
  await client.create(pvcRef, 'sv', { metadata: { name: 'later' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } } });
  // Immediate claim: the PV controller binds it, the claim update requeues the pod.
  await eventually(async () => (await podStatus('late')).node !== undefined, 8000, 'pod placed after its claim bound');
});
