import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { openBackend } from './index';
import { MemoryBackend } from './memory';
import { SqliteBackend } from './sqlite';

describe('openBackend', () => {
  test('memory://', async () => {
    const b = openBackend('memory://');
    assert.ok(b instanceof MemoryBackend);
    await b.close();
  });

  test('sqlite:///absolute and sqlite://relative (to the working directory)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-open-'));
    try {
      const abs = openBackend(`sqlite://${join(dir, 'abs.db')}`);
      assert.ok(abs instanceof SqliteBackend);
      assert.equal(abs.path, join(dir, 'abs.db'));
      await abs.create('/k', 'v');
      await abs.close();
      assert.ok((await stat(join(dir, 'abs.db'))).isFile());
      const rel = openBackend(`sqlite://${relative(process.cwd(), join(dir, 'sub', 'rel.db'))}`);
      assert.ok(rel instanceof SqliteBackend);
      assert.equal(rel.path, join(dir, 'sub', 'rel.db'));
      await rel.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('etcd:// and unknown schemes fail with the fix in the message', () => {
    assert.throws(() => openBackend('etcd://127.0.0.1:2379'), {
      message: 'the etcd:// driver is not available yet; use sqlite://PATH or memory://',
    });
    assert.throws(() => openBackend('redis://x'), /unsupported storage URL scheme "redis:\/\/".*sqlite:\/\/PATH or memory:\/\//);
    assert.throws(() => openBackend('/var/lib/berth.db'), /invalid storage URL.*sqlite:\/\/PATH/);
    assert.throws(() => openBackend('sqlite://'), /names no file/);
  });
});
