// The contract tests every Backend driver must pass; each driver's test file runs them with its own
// factory. Watch cases live in backend-suite-watch.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Backend } from './backend';
import { type BackendCase, storeError, watchCases } from './backend-suite-watch';

export type MakeBackend = () => Promise<{ backend: Backend; cleanup(): Promise<void> }>;

export function runBackendSuite(name: string, make: MakeBackend): void {
  describe(`Backend contract: ${name}`, () => {
    const it: BackendCase = (title, fn) =>
      test(title, async () => {
        const made = await make();
        const { backend } = made;
        try {
          await backend.ready;
          await fn(backend);
        } finally {
          await backend.close();
          await made.cleanup();
        }
      });
    crudCases(it);
    listCases(it);
    watchCases(it);
  });
}

function crudCases(it: BackendCase): void {
  it('create, get, update, delete', async (b) => {
    assert.equal(await b.get('/k'), undefined);
    const c = await b.create('/k', 'v1');
    assert.deepEqual(c, { key: '/k', value: 'v1', modRevision: c.modRevision, createRevision: c.modRevision });
    assert.ok(c.modRevision > 0);
    assert.deepEqual(await b.get('/k'), c);
    const u = await b.update('/k', 'v2');
    assert.equal(u.value, 'v2');
    assert.equal(u.createRevision, c.createRevision);
    assert.ok(u.modRevision > c.modRevision);
    assert.deepEqual(await b.get('/k'), u);
    const d = await b.delete('/k');
    assert.equal(d.value, 'v2');
    assert.equal(d.createRevision, c.createRevision);
    assert.ok(d.modRevision > u.modRevision);
    assert.equal(await b.currentRevision(), d.modRevision);
    assert.equal(await b.get('/k'), undefined);
    const again = await b.create('/k', 'v3');
    assert.equal(again.createRevision, again.modRevision);
    assert.ok(again.createRevision > d.modRevision);
  });

  it('create of an existing key fails with KeyExists', async (b) => {
    await b.create('/k', 'a');
    await assert.rejects(b.create('/k', 'b'), storeError('KeyExists', '/k'));
    assert.equal((await b.get('/k'))?.value, 'a');
  });

  it('update and delete of a missing key fail with KeyNotFound', async (b) => {
    await assert.rejects(b.update('/nope', 'x'), storeError('KeyNotFound', '/nope'));
    await assert.rejects(b.update('/nope', 'x', 1), storeError('KeyNotFound', '/nope'));
    await assert.rejects(b.delete('/nope'), storeError('KeyNotFound', '/nope'));
    await assert.rejects(b.delete('/nope', 1), storeError('KeyNotFound', '/nope'));
  });

  it('expectedRevision guards update and delete (RevisionMismatch carries the current one)', async (b) => {
    const c = await b.create('/k', 'a');
    await assert.rejects(b.update('/k', 'b', c.modRevision + 100), storeError('RevisionMismatch', '/k', c.modRevision));
    const u = await b.update('/k', 'b', c.modRevision);
    await assert.rejects(b.update('/k', 'c', c.modRevision), storeError('RevisionMismatch', '/k', u.modRevision));
    await assert.rejects(b.delete('/k', c.modRevision), storeError('RevisionMismatch', '/k', u.modRevision));
    assert.equal((await b.get('/k'))?.value, 'b');
    const d = await b.delete('/k', u.modRevision);
    assert.equal(d.value, 'b');
    assert.equal(await b.get('/k'), undefined);
  });

  it('revisions strictly increase; failed writes consume none', async (b) => {
    const start = await b.currentRevision();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push((await b.create(`/r/${i}`, 'x')).modRevision);
    await assert.rejects(b.create('/r/0', 'again'));
    await assert.rejects(b.update('/r/0', 'y', 9999));
    seen.push((await b.update('/r/1', 'y')).modRevision);
    seen.push((await b.delete('/r/2')).modRevision);
    assert.deepEqual(seen, Array.from({ length: 7 }, (_, i) => start + i + 1));
    assert.equal(await b.currentRevision(), start + 7);
  });

  it('concurrent writes get distinct, gapless revisions', async (b) => {
    const start = await b.currentRevision();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => (i % 10 === 9 ? b.create('/c/0', 'dup') : b.create(`/c/${i}`, 'x'))),
    );
    const revs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.modRevision] : [])).sort((x, y) => x - y);
    assert.equal(revs.length, 45);
    assert.deepEqual(revs, Array.from({ length: 45 }, (_, i) => start + i + 1));
    assert.equal(results.filter((r) => r.status === 'rejected').length, 5);
  });

  it('values round-trip exactly', async (b) => {
    const values = ['', 'plain', '{"a":[1,2,{"b":null}]}', 'ünïcödé ✓ 😀 \u0000 nul', 'x'.repeat(256 * 1024)];
    for (const [i, v] of values.entries()) await b.create(`/v/${i}`, v);
    for (const [i, v] of values.entries()) assert.equal((await b.get(`/v/${i}`))?.value, v);
  });
}

function listCases(it: BackendCase): void {
  const keysOf = (items: { key: string }[]) => items.map((i) => i.key);

  it('list by prefix: key order, only that prefix, a consistent revision', async (b) => {
    for (const k of ['/a/2', '/ab/1', '/a/1', '/a', '/b/1', '/a/3/x']) await b.create(k, k);
    const r = await b.list({ prefix: '/a/' });
    assert.deepEqual(keysOf(r.items), ['/a/1', '/a/2', '/a/3/x']);
    assert.equal(r.items[0]?.value, '/a/1');
    assert.equal(r.revision, await b.currentRevision());
    assert.equal(r.more, false);
    assert.deepEqual(keysOf((await b.list({ prefix: '' })).items), ['/a', '/a/1', '/a/2', '/a/3/x', '/ab/1', '/b/1']);
    assert.deepEqual((await b.list({ prefix: '/zzz/' })).items, []);
    await b.delete('/a/2');
    assert.deepEqual(keysOf((await b.list({ prefix: '/a/' })).items), ['/a/1', '/a/3/x']);
  });

  it('list pages with limit, startAfter, more and remaining', async (b) => {
    const keys = Array.from({ length: 25 }, (_, i) => `/p/${String(i).padStart(2, '0')}`);
    for (const k of keys) await b.create(k, 'v');
    await b.create('/q/0', 'other');
    const got: string[] = [];
    let startAfter: string | undefined;
    const remainings: (number | undefined)[] = [];
    for (;;) {
      const page = await b.list({ prefix: '/p/', limit: 10, ...(startAfter ? { startAfter } : {}) });
      got.push(...keysOf(page.items));
      remainings.push(page.remaining);
      if (!page.more) break;
      startAfter = page.items[page.items.length - 1]?.key;
    }
    assert.deepEqual(got, keys);
    assert.deepEqual(remainings.slice(0, 2), [15, 5]);
    assert.ok(remainings[2] === undefined || remainings[2] === 0);
    const exact = await b.list({ prefix: '/p/', limit: 25 });
    assert.equal(exact.items.length, 25);
    assert.equal(exact.more, false);
    const before = await b.list({ prefix: '/p/', startAfter: '/p', limit: 1 });
    assert.deepEqual(keysOf(before.items), ['/p/00']);
    assert.equal(before.remaining, 24);
    const past = await b.list({ prefix: '/p/', startAfter: '/p/24' });
    assert.deepEqual(past.items, []);
    assert.equal(past.more, false);
  });

  it('prefix matching is exact for any characters (no LIKE wildcards, full Unicode order)', async (b) => {
    const keys = ['x%a', 'xYa', 'x_b', 'xb', 'x\\a', 'p\uffff1', 'p\uffff', 'p\u{10000}', 'p\u{10ffff}z', 'p\ue000'];
    for (const k of keys) await b.create(k, 'v');
    assert.deepEqual(keysOf((await b.list({ prefix: 'x%' })).items), ['x%a']);
    assert.deepEqual(keysOf((await b.list({ prefix: 'x_' })).items), ['x_b']);
    assert.deepEqual(keysOf((await b.list({ prefix: 'x\\' })).items), ['x\\a']);
    assert.deepEqual(keysOf((await b.list({ prefix: 'p\uffff' })).items), ['p\uffff', 'p\uffff1']);
    assert.deepEqual(keysOf((await b.list({ prefix: 'p\u{10ffff}' })).items), ['p\u{10ffff}z']);
    // Code point (UTF-8 byte) order: U+E000 < U+FFFF < U+10000 < U+10FFFF.
    assert.deepEqual(keysOf((await b.list({ prefix: 'p' })).items), [
      'p\ue000',
      'p\uffff',
      'p\uffff1',
      'p\u{10000}',
      'p\u{10ffff}z',
    ]);
  });
}
