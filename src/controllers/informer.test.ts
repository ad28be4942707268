import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiClient, ClientWatchEvent, ObjectList } from '../machinery/client';
import { errors } from '../machinery/errors';
import type { KObject } from '../machinery/types';
import { Informer, diffRelist } from './informer';
import { FakeTimer, flushMicrotasks } from './testing/fake-timer';

const cm = (name: string, rv: string, uid = `u-${name}`): KObject => ({ metadata: { name, namespace: 'ns', resourceVersion: rv, uid } });

/** list answers from `items`; watch hands its callback to the test (or throws `watchError`). */
class ScriptedApi {
  items: KObject[] = [];
  rv = '10';
  lists = 0;
  watches: { from: string | undefined; send: (e: ClientWatchEvent) => void; stopped: boolean }[] = [];
  watchError: Error | undefined;
  async list(): Promise<ObjectList> {
    this.lists++;
    return { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: this.rv }, items: [...this.items] };
  }
  async watch(_r: unknown, _ns: unknown, opts: { resourceVersion?: string }, onEvent: (e: ClientWatchEvent) => void): Promise<() => void> {
    if (this.watchError) throw this.watchError;
    const w = { from: opts.resourceVersion, send: onEvent, stopped: false };
    this.watches.push(w);
    return () => (w.stopped = true);
  }
}

function setup() {
  const api = new ScriptedApi();
  const timer = new FakeTimer();
  const inf = new Informer({ client: api as unknown as ApiClient, resource: { group: '', version: 'v1', plural: 'configmaps' }, timer });
  const log: string[] = [];
  inf.addHandler({
    onAdd: (o) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onUpdate: (a, b) => log.push(`update ${a.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  return { api, timer, inf, log };
}

test('diffRelist reports adds, changed objects and vanished ones', () => {
  const cache = new Map([['ns/a', cm('a', '1')], ['ns/b', cm('b', '2')], ['ns/c', cm('c', '3')]]);
  const d = diffRelist(cache, [cm('a', '1'), cm('b', '5'), cm('d', '6')]);
  assert.deepEqual(d.adds.map((o) => o.metadata.name), ['d']);
  assert.deepEqual(d.updates.map(([, o]) => o.metadata.name), ['b']);
  assert.deepEqual(d.deletes.map((o) => o.metadata.name), ['c']);
});

test('lists, watches from the list version, and keeps the cache in step', async () => {
  const { api, inf, log } = setup();
  api.items = [cm('a', '5')];
  const ac = new AbortController();
  const done = inf.start(ac.signal);
  await inf.hasSynced;
  await flushMicrotasks();
  assert.equal(api.watches[0]?.from, '10');
  const w = api.watches[0];
  w.send({ type: 'ADDED', object: cm('b', '11') });
  w.send({ type: 'MODIFIED', object: cm('a', '12') });
  w.send({ type: 'DELETED', object: cm('b', '13') });
  w.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '14' } } });
  assert.deepEqual(log, ['add a@5', 'add b@11', 'update a@5->12', 'delete b']);
  assert.deepEqual(inf.list().map((o) => o.metadata.name), ['a']);
  assert.equal(inf.get('ns', 'a')?.metadata.resourceVersion, '12');
  ac.abort();
  await done;
  assert.equal(w.stopped, true);
});

test('an ERROR event (410) re-lists after backoff and reports what was missed', async () => {
  const { api, timer, inf, log } = setup();
  api.items = [cm('a', '5'), cm('b', '6')];
  const ac = new AbortController();
  const done = inf.start(ac.signal);
  await flushMicrotasks();
  api.watches[0]!.send({ type: 'ERROR', object: { metadata: {}, code: 410, reason: 'Expired' } });
  assert.equal(api.watches[0]!.stopped, true);
  assert.deepEqual(timer.waiting(), [800]);
  api.items = [cm('a', '20'), cm('c', '21')];
  api.rv = '21';
  timer.advance(800);
  await flushMicrotasks();
  assert.equal(api.lists, 2);
  assert.equal(api.watches[1]?.from, '21');
  assert.deepEqual(log.slice(2), ['delete b', 'add c@21', 'update a@5->20']);
  // Events from the abandoned watch are ignored.
  api.watches[0]!.send({ type: 'ADDED', object: cm('zombie', '9') });
  assert.equal(inf.get('ns', 'zombie'), undefined);
  ac.abort();
  await done;
});

test('a failing watch backs off exponentially and handlers added late get the cache', async () => {
  const { api, timer, inf } = setup();
  api.items = [cm('a', '1')];
  api.watchError = errors.expired('too old resource version');
  const ac = new AbortController();
  const done = inf.start(ac.signal);
  await flushMicrotasks();
  assert.deepEqual(timer.waiting(), [800]);
  timer.advance(800);
  await flushMicrotasks();
  assert.deepEqual(timer.waiting(), [1600]);
  api.watchError = undefined;
  timer.advance(1600);
  await flushMicrotasks();
  assert.equal(api.watches.length, 1);
  const late: string[] = [];
  inf.addHandler({ onAdd: (o) => late.push(o.metadata.name ?? '') });
  assert.deepEqual(late, ['a']);
  ac.abort();
  await done;
  assert.deepEqual(timer.waiting(), []);
});
