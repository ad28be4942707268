// Opening the sqlite:// file: pragmas, schema and the prepared statements the driver runs.
// kv holds current values; log holds one row per revision (the watch history, trimmed by compaction);
// meta holds the revision counter and the compacted revision, so both survive a restart.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../machinery/errors';

export type Db = Database.Database;

export interface KvRow {
  key: string;
  value: string;
  mod_rev: number;
  create_rev: number;
}

export interface LogRow {
  rev: number;
  key: string;
  deleted: 0 | 1;
  created: 0 | 1;
  value: string;
  create_rev: number;
  prev_value: string | null;
  prev_mod_rev: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL,
  mod_rev INTEGER NOT NULL,
  create_rev INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
  rev INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  created INTEGER NOT NULL,
  value TEXT NOT NULL,
  create_rev INTEGER NOT NULL,
  prev_value TEXT,
  prev_mod_rev INTEGER
);
CREATE TABLE IF NOT EXISTS meta (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', 1), ('revision', 0), ('compacted', 0);
`;

/** Opens (creating if needed) the database file; one process owns it while open. */
export function openDatabase(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 2000 });
  try {
    // The revision counter and the watch fan-out live in this process, so a second writer on the
    // same file would corrupt history: hold the file lock for the connection's whole life.
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`could not enable WAL journal (got ${String(mode)})`);
    // NORMAL: a commit writes the WAL without fsync; the driver fsyncs the WAL itself, off the event
    // loop, before it acknowledges or publishes a write (and checkpoints still fsync as usual).
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    db.exec('BEGIN IMMEDIATE; COMMIT');
    return db;
  } catch (err) {
    db.close();
    const busy = (err as { code?: string }).code === 'SQLITE_BUSY';
    const why = busy ? 'it is in use by another process' : err instanceof Error ? err.message : String(err);
    throw new StoreError('Unavailable', '', `cannot open sqlite store ${path}: ${why}`, undefined, { cause: err });
  }
}

const KV_COLS = 'key, value, mod_rev, create_rev';

/** Every statement the driver uses, prepared once. */
export function prepare(db: Db) {
  // A prefix scan is a range [lo, hi): both bounds are index seeks, correct for any characters.
  const range = (lowerOp: '>' | '>=', upper: boolean) =>
    `key ${lowerOp} @lo${upper ? ' AND key < @hi' : ''}`;
  const listStmt = (lowerOp: '>' | '>=', upper: boolean) =>
    db.prepare<{ lo: string; hi?: string; limit: number }, KvRow>(
      `SELECT ${KV_COLS} FROM kv WHERE ${range(lowerOp, upper)} ORDER BY key LIMIT @limit`,
    );
  const countStmt = (upper: boolean) =>
    db.prepare<{ lo: string; hi?: string }, number>(`SELECT count(*) FROM kv WHERE ${range('>', upper)}`).pluck();
  const historyStmt = (upper: boolean) =>
    db.prepare<{ after: number; lo: string; hi?: string }, LogRow>(
      `SELECT * FROM log WHERE rev > @after AND key >= @lo${upper ? ' AND key < @hi' : ''} ORDER BY rev`,
    );
  return {
    get: db.prepare<[string], KvRow>(`SELECT ${KV_COLS} FROM kv WHERE key = ?`),
    list: {
      ge: listStmt('>=', false),
      geHi: listStmt('>=', true),
      gt: listStmt('>', false),
      gtHi: listStmt('>', true),
    },
    countAfter: { all: countStmt(false), hi: countStmt(true) },
    history: { all: historyStmt(false), hi: historyStmt(true) },
    put: db.prepare<[string, string, number, number], void>(
      `INSERT INTO kv (${KV_COLS}) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET
         value = excluded.value, mod_rev = excluded.mod_rev, create_rev = excluded.create_rev`,
    ),
    remove: db.prepare<[string], void>('DELETE FROM kv WHERE key = ?'),
    append: db.prepare<LogRow, void>(
      `INSERT INTO log (rev, key, deleted, created, value, create_rev, prev_value, prev_mod_rev)
       VALUES (@rev, @key, @deleted, @created, @value, @create_rev, @prev_value, @prev_mod_rev)`,
    ),
    trim: db.prepare<[number], void>('DELETE FROM log WHERE rev <= ?'),
    getMeta: db.prepare<[string], number>('SELECT value FROM meta WHERE name = ?').pluck(),
    setMeta: db.prepare<[number, string], void>('UPDATE meta SET value = ? WHERE name = ?'),
  };
}

export type Statements = ReturnType<typeof prepare>;
