import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiClient } from '../machinery/client';
import { errors } from '../machinery/errors';
import type { KObject } from '../machinery/types';
import { Recorder, newEvent } from './events';

const rs: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'prod', uid: 'u1', resourceVersion: '7' } };
const node: KObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u2' } };

test('newEvent fills involvedObject, source, timestamps and count as client-go does', () => {
  const ev = newEvent(rs, 'Warning', 'OwnerRefInvalidNamespace', 'bad', { component: 'garbage-collector-controller' }, new Date('2024-01-02T03:04:05.678Z'), 'abc');
  assert.deepEqual(ev, {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'web-1.abc', namespace: 'prod' },
    involvedObject: { kind: 'ReplicaSet', namespace: 'prod', name: 'web-1', uid: 'u1', apiVersion: 'apps/v1', resourceVersion: '7' },
    reason: 'OwnerRefInvalidNamespace', message: 'bad', source: { component: 'garbage-collector-controller' },
    firstTimestamp: '2024-01-02T03:04:05Z', lastTimestamp: '2024-01-02T03:04:05Z', count: 1, type: 'Warning',
    eventTime: null, reportingComponent: 'garbage-collector-controller', reportingInstance: '',
  });
  assert.equal(newEvent(node, 'Normal', 'R', 'm', { component: 'c' }, new Date(0), 'x').metadata.namespace, 'default');
});

test('a repeated event bumps count on the existing one; a vanished one is recreated', async () => {
  const calls: string[] = [];
  let t = 1000;
  const store = new Map<string, KObject>();
  const client = {
    async create(_r: unknown, ns: string, obj: KObject) {
      calls.push(`create ${ns}`);
      store.set(obj.metadata.name ?? '', obj);
      return obj;
    },
    async patch(_r: unknown, _ns: string, name: string, _t: string, p: { count: number; lastTimestamp: string }) {
      calls.push(`patch count=${p.count}`);
      const cur = store.get(name);
      if (!cur) throw errors.notFound({ group: '', resource: 'events' }, name);
      return Object.assign(cur, p);
    },
  } as unknown as ApiClient;
  const rec = new Recorder({ client, clock: { now: () => new Date((t += 1000)) }, source: { component: 'test' } });
  rec.event(rs, 'Normal', 'Scaled', 'up');
  rec.event(rs, 'Normal', 'Scaled', 'up');
  rec.event(rs, 'Normal', 'Scaled', 'down');
  await rec.flush();
  assert.deepEqual(calls, ['create prod', 'patch count=2', 'create prod']);
  const first = [...store.values()][0];
  assert.equal(first?.count, 2);
  assert.notEqual(first?.firstTimestamp, first?.lastTimestamp);
  store.clear();
  rec.event(rs, 'Normal', 'Scaled', 'up');
  await rec.flush();
  assert.deepEqual(calls.slice(3), ['patch count=3', 'create prod']);
});
