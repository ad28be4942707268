// Watch, compaction and lifecycle cases of the shared Backend contract suite (see backend-suite.ts).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError, type StoreErrorCode } from '../machinery/errors';
import type { Backend, WatchEvent } from './backend';

export type BackendCase = (title: string, fn: (b: Backend) => Promise<void>) => void;

/** An assert.rejects validator for a StoreError with this code (and key, revision when given). */
export function storeError(code: StoreErrorCode, key?: string, revision?: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof StoreError, `expected StoreError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    if (key !== undefined) assert.equal(err.key, key);
    if (revision !== undefined) assert.equal(err.revision, revision);
    return true;
  };
}

/** Collects events; until(n) resolves once n have arrived (or fails after a timeout). */
function collector() {
  const events: WatchEvent[] = [];
  let wake = (): void => undefined;
  const onEvent = (e: WatchEvent): void => {
    events.push(e);
    wake();
  };
  const until = async (n: number, ms = 5000): Promise<WatchEvent[]> => {
    const deadline = performance.now() + ms;
    while (events.length < n) {
      if (performance.now() > deadline) assert.fail(`got ${events.length} of ${n} events`);
      await new Promise<void>((res) => {
        wake = res;
        setTimeout(res, 50);
      });
    }
    return events;
  };
  return { events, onEvent, until };
}

const revs = (es: WatchEvent[]) => es.map((e) => e.revision);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function watchCases(it: BackendCase): void {
  it('watch from 0 sees only live events, with kv, prev and created', async (b) => {
    await b.create('/w/old', 'x');
    const c = collector();
    const w = await b.watch('/w/', 0, c.onEvent);
    const k1 = await b.create('/w/a', 'v1');
    const k2 = await b.update('/w/a', 'v2');
    const k3 = await b.delete('/w/a');
    const [put, upd, del] = await c.until(3);
    assert.deepEqual(put, { type: 'put', key: '/w/a', kv: k1, created: true, revision: k1.modRevision });
    assert.deepEqual(upd, { type: 'put', key: '/w/a', kv: k2, prev: k1, created: false, revision: k2.modRevision });
    assert.deepEqual(del, { type: 'delete', key: '/w/a', kv: k3, prev: k2, created: false, revision: k3.modRevision });
    assert.equal(del?.kv.value, 'v2');
    w.stop();
  });

  it('events are delivered asynchronously, never inside the write call', async (b) => {
    const c = collector();
    const w = await b.watch('/', 0, c.onEvent);
    const p = b.create('/x', 'v');
    assert.equal(c.events.length, 0);
    await p;
    await c.until(1);
    w.stop();
  });

  it('watch from an older revision replays history, then live, in order', async (b) => {
    const first = await b.create('/h/1', 'a');
    await b.update('/h/1', 'b');
    await b.create('/other/1', 'x');
    await b.delete('/h/1');
    const c = collector();
    const w = await b.watch('/h/', first.modRevision, c.onEvent);
    await b.create('/h/2', 'c');
    const got = await c.until(3);
    assert.deepEqual(
      got.map((e) => [e.type, e.key, e.kv.value, e.created]),
      [['put', '/h/1', 'b', false], ['delete', '/h/1', 'b', false], ['put', '/h/2', 'c', true]],
    );
    assert.equal(got[0]?.prev?.value, 'a');
    w.stop();
  });

  it('history and live events meet with no gap or duplicate while writes race the watch', async (b) => {
    for (let i = 0; i < 20; i++) await b.create(`/race/pre${i}`, 'x');
    const from = (await b.currentRevision()) - 10;
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) writes.push(b.create(`/race/a${i}`, 'x'));
    const c = collector();
    const watching = b.watch('/race/', from, c.onEvent);
    for (let i = 0; i < 30; i++) writes.push(b.create(`/race/b${i}`, 'x'));
    const w = await watching;
    for (let i = 0; i < 30; i++) writes.push(b.create(`/race/c${i}`, 'x'));
    await Promise.all(writes);
    const head = await b.currentRevision();
    await c.until(head - from);
    await sleep(30);
    assert.deepEqual(revs(c.events), range(from + 1, head));
    w.stop();
  });

  it('prefix filtering: "/a/" does not see "/ab/"', async (b) => {
    const c = collector();
    const w = await b.watch('/a/', 0, c.onEvent);
    await b.create('/ab/1', 'no');
    await b.create('/a', 'no');
    const yes = await b.create('/a/1', 'yes');
    await c.until(1);
    await sleep(20);
    assert.deepEqual(revs(c.events), [yes.modRevision]);
    w.stop();
  });

  it('watch from a future revision waits for it', async (b) => {
    const head = await b.currentRevision();
    const c = collector();
    const w = await b.watch('/', head + 2, c.onEvent);
    for (let i = 0; i < 4; i++) await b.create(`/f/${i}`, 'x');
    await c.until(2);
    await sleep(20);
    assert.deepEqual(revs(c.events), [head + 3, head + 4]);
    w.stop();
  });

  it('several watchers each get the full stream', async (b) => {
    const cs = [collector(), collector(), collector()];
    const ws = await Promise.all(cs.map((c) => b.watch('/m/', 0, c.onEvent)));
    for (let i = 0; i < 5; i++) await b.create(`/m/${i}`, 'x');
    for (const c of cs) assert.equal((await c.until(5)).length, 5);
    ws.forEach((w) => w.stop());
  });

  it('compaction keeps values, drops history; an older watch fails with Compacted', async (b) => {
    const r: number[] = [];
    for (let i = 1; i <= 5; i++) r.push((await b.create(`/cp/${i}`, `v${i}`)).modRevision);
    assert.equal(await b.compactedRevision(), 0);
    const at = r[2] as number;
    await b.compact(at);
    assert.equal(await b.compactedRevision(), at);
    assert.equal((await b.get('/cp/1'))?.value, 'v1');
    assert.equal((await b.list({ prefix: '/cp/' })).items.length, 5);
    await assert.rejects(b.watch('/cp/', at - 1, () => undefined), storeError('Compacted', undefined, at));
    const c = collector();
    const w = await b.watch('/cp/', at, c.onEvent);
    assert.deepEqual(revs(await c.until(2)), [r[3], r[4]]);
    w.stop();
    const live = await b.watch('/cp/', 0, () => undefined);
    live.stop();
    await b.compact(1);
    assert.equal(await b.compactedRevision(), at, 'compaction never goes backwards');
  });

  it('stop() ends delivery and is idempotent', async (b) => {
    const c = collector();
    const w = await b.watch('/s/', 0, c.onEvent);
    await b.create('/s/1', 'x');
    await c.until(1);
    w.stop();
    w.stop();
    await b.create('/s/2', 'x');
    const p = b.create('/s/3', 'x');
    await p;
    await sleep(30);
    assert.equal(c.events.length, 1);
  });

  it('a throwing watch callback does not break the writer or other watchers', async (b) => {
    const c = collector();
    const bad = await b.watch('/t/', 0, () => {
      throw new Error('consumer bug');
    });
    const good = await b.watch('/t/', 0, c.onEvent);
    const warned = new Promise((res) => process.once('warning', res));
    await b.create('/t/1', 'x');
    await b.create('/t/2', 'x');
    assert.equal((await c.until(2)).length, 2);
    await warned;
    bad.stop();
    good.stop();
  });

  it('close() stops watches and later calls fail with Unavailable', async (b) => {
    const c = collector();
    await b.watch('/', 0, c.onEvent);
    await b.create('/z', 'x');
    await b.close();
    await b.close();
    await assert.rejects(b.get('/z'), storeError('Unavailable'));
    await assert.rejects(b.create('/y', 'x'), storeError('Unavailable'));
    await assert.rejects(b.watch('/', 0, () => undefined), storeError('Unavailable'));
    await sleep(20);
    assert.ok(c.events.length <= 1);
  });
}
