import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runBackendSuite } from './backend-suite';
import { SqliteBackend } from './sqlite';

const tempDir = () => mkdtemp(join(tmpdir(), 'berth-sqlite-'));

runBackendSuite('sqlite://', async () => {
  const dir = await tempDir();
  return { backend: new SqliteBackend(join(dir, 'store.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('sqlite:// durability', () => {
  test('reopening keeps values, history, the revision counter and the compacted revision', async () => {
    const dir = await tempDir();
    const path = join(dir, 'nested', 'store.db');
    try {
      const a = new SqliteBackend(path);
      const c1 = await a.create('/k/1', 'one');
      await a.create('/k/2', 'two');
      await a.update('/k/1', 'uno');
      await a.delete('/k/2');
      await a.compact(c1.modRevision);
      const head = await a.currentRevision();
      await a.close();

      const b = new SqliteBackend(path);
      assert.equal(await b.currentRevision(), head);
      assert.equal(await b.compactedRevision(), c1.modRevision);
      assert.deepEqual(await b.get('/k/1'), { key: '/k/1', value: 'uno', modRevision: head - 1, createRevision: c1.modRevision });
      assert.equal(await b.get('/k/2'), undefined);
      const events: string[] = [];
      const w = await b.watch('/k/', c1.modRevision, (e) => events.push(`${e.type}:${e.key}:${e.revision}`));
      const next = await b.create('/k/3', 'three');
      assert.equal(next.modRevision, head + 1);
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(events, [`put:/k/2:${head - 2}`, `put:/k/1:${head - 1}`, `delete:/k/2:${head}`, `put:/k/3:${head + 1}`]);
      w.stop();
      await b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a second process cannot open a file that is in use', async () => {
    const dir = await tempDir();
    const path = join(dir, 'store.db');
    const a = new SqliteBackend(path);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
        import('${join(dirname(fileURLToPath(import.meta.url)), 'sqlite.ts')}').then(({ SqliteBackend }) => {
          try { new SqliteBackend(${JSON.stringify(path)}); console.log('opened'); }
          catch (e) { console.log(e.code); }
        });`]);
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => child.on('exit', r));
      assert.equal(out.trim(), 'Unavailable');
    } finally {
      await a.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('every acknowledged write survives kill -9', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const path = join(dir, 'store.db');
    const script = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'durability-writer.ts');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      const acked: string[] = [];
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig)));
      for await (const line of createInterface({ input: child.stdout })) {
        if (line.startsWith('/durable/')) acked.push(line);
        if (acked.length >= 300) {
          child.kill('SIGKILL');
          break;
        }
      }
      assert.equal(await exited, 'SIGKILL');
      assert.ok(acked.length >= 300);
      const store = new SqliteBackend(path);
      try {
        for (const k of acked) assert.equal((await store.get(k))?.value, `value-${k}`, `acknowledged ${k} was lost`);
        const all = await store.list({ prefix: '/durable/' });
        assert.equal(await store.currentRevision(), all.items.length, 'revision counter matches committed writes');
        const next = await store.create('/after', 'x');
        assert.equal(next.modRevision, all.items.length + 1);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite:// performance', () => {
  test('thousands of creates per second; listing 10,000 keys is fast', { timeout: 120_000 }, async (t) => {
    const dir = await tempDir();
    const store = new SqliteBackend(join(dir, 'store.db'));
    const value = JSON.stringify({ kind: 'ConfigMap', data: { blob: 'x'.repeat(600) } });
    try {
      let t0 = performance.now();
      for (let i = 0; i < 1000; i++) await store.create(`/seq/${i}`, value);
      const seqRate = 1000 / ((performance.now() - t0) / 1000);
      t0 = performance.now();
      for (let batch = 0; batch < 100; batch++) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => store.create(`/bulk/${batch * 100 + i}`, value)));
      }
      const bulkRate = 10_000 / ((performance.now() - t0) / 1000);
      await store.list({ prefix: '/bulk/' });
      t0 = performance.now();
      const all = await store.list({ prefix: '/bulk/' });
      const listMs = performance.now() - t0;
      t0 = performance.now();
      const page = await store.list({ prefix: '/bulk/', limit: 500 });
      const pageMs = performance.now() - t0;
      assert.equal(all.items.length, 10_000);
      assert.equal(page.remaining, 9_500);
      t.diagnostic(`sequential creates: ${seqRate.toFixed(0)}/s; concurrent (100 in flight): ${bulkRate.toFixed(0)}/s`);
      t.diagnostic(`list 10,000 keys: ${listMs.toFixed(1)} ms; page of 500 + remaining count: ${pageMs.toFixed(1)} ms`);
      assert.ok(seqRate > 500, `sequential creates ${seqRate.toFixed(0)}/s`);
      assert.ok(listMs < 500, `list took ${listMs.toFixed(0)} ms`);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite:// durability edges', () => {
  test('reads wait for the fsync of earlier commits; an fsync failure stops the store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-edge-'));
    const backend = new SqliteBackend(join(dir, 'state.db'));
    try {
      // Slow the disk down: the write is committed but not yet durable while the fsync runs.
      const internals = backend as unknown as { fsyncWal: () => Promise<void> };
      const real = internals.fsyncWal.bind(backend);
      let release: () => void = () => undefined;
      internals.fsyncWal = () => new Promise<void>((r) => (release = r)).then(real);
      const write = backend.create('/k/a', 'v');
      await new Promise((r) => setTimeout(r, 10));
      let read: string | undefined = 'pending';
      const reading = backend.get('/k/a').then((kv) => (read = kv?.value));
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(read, 'pending', 'a read does not see the write before it is durable');
      release();
      await write;
      await reading;
      assert.equal(read, 'v');

      internals.fsyncWal = () => Promise.reject(new Error('EIO: simulated disk failure'));
      await assert.rejects(backend.create('/k/b', 'v'), /fsync failed/);
      await assert.rejects(backend.get('/k/a'), /failed to fsync .*restart berth/);
      await assert.rejects(backend.create('/k/c', 'v'), /failed to fsync/);
    } finally {
      await backend.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
