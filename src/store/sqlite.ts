// sqlite:// — the durable single-node driver. Writes queued in the same tick share one transaction
// (group commit); each still runs the shared write semantics in order, so one failing write never
// affects its neighbours. The WAL is then fsynced in the thread pool (one fsync for every commit
// that landed before it started) and only then are writes acknowledged and events published, so
// the event loop keeps serving while the disk works.
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StoreError } from '../machinery/errors';
import type { Backend, KeyValue, ListOptions, ListResult, Watch, WatchEvent } from './backend';
import { compareKeys, prefixEnd } from './keys';
import { planWrite, type WriteOp } from './mutation';
import { type Db, type KvRow, type LogRow, openDatabase, prepare, type Statements } from './sqlite-schema';
import { compactedError, WatchHub } from './watch-hub';

interface Pending {
  w: WriteOp;
  resolve: (kv: KeyValue) => void;
  reject: (err: unknown) => void;
}

export class SqliteBackend implements Backend {
  readonly ready: Promise<void> = Promise.resolve();
  private readonly db: Db;
  private readonly q: Statements;
  private readonly hub = new WatchHub();
  private revision: number;
  private compacted: number;
  private pending: Pending[] = [];
  private closed = false;
  private closing = false;
  /** Set when an fsync failed: what is on disk can't be trusted, so the store refuses everything. */
  private broken: unknown;
  /** Every commit up to this revision has been fsynced. */
  private durableRevision: number;
  /** Callbacks waiting for an fsync that starts after their commit. */
  private syncWaiters: ((err?: unknown) => void)[] = [];
  private syncing: Promise<void> | undefined;
  private dirSynced = false;
  private wal: FileHandle | undefined;

  constructor(readonly path: string) {
    this.db = openDatabase(path);
    this.q = prepare(this.db);
    this.revision = this.q.getMeta.get('revision') ?? 0;
    this.durableRevision = this.revision;
    this.compacted = this.q.getMeta.get('compacted') ?? 0;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    await this.durable(key);
    const row = this.q.get.get(key);
    return row && toKv(row);
  }

  async list(opts: ListOptions): Promise<ListResult> {
    await this.durable(opts.prefix);
    const { prefix, startAfter } = opts;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const after = startAfter !== undefined && compareKeys(startAfter, prefix) >= 0;
    const lo = after ? startAfter : prefix;
    const hi = prefixEnd(prefix);
    const stmts = this.q.list;
    const stmt = after ? (hi === undefined ? stmts.gt : stmts.gtHi) : hi === undefined ? stmts.ge : stmts.geHi;
    // One extra row tells whether more remain without a count on the common unpaged path.
    const bounds = hi === undefined ? { lo } : { lo, hi };
    const rows = stmt.all({ ...bounds, limit: limit > 0 ? limit + 1 : -1 });
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const items = rows.map(toKv);
    const result: ListResult = { items, revision: this.revision, more };
    if (more) {
      const last = (items[items.length - 1] as KeyValue).key;
      const count = hi === undefined ? this.q.countAfter.all : this.q.countAfter.hi;
      result.remaining = count.get(hi === undefined ? { lo: last } : { lo: last, hi }) ?? 0;
    } else {
      result.remaining = 0;
    }
    return result;
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ op: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision?: number): Promise<KeyValue> {
    return this.enqueue({ op: 'update', key, value, expectedRevision });
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.enqueue({ op: 'delete', key, expectedRevision });
  }

  async watch(prefix: string, fromRevision: number, onEvent: (e: WatchEvent) => void): Promise<Watch> {
    await this.durable(prefix);
    if (fromRevision > 0 && fromRevision < this.compacted) throw compactedError(prefix, fromRevision, this.compacted);
    // No await from here to subscribe: no commit can land between reading history and registering.
    if (fromRevision <= 0 || fromRevision >= this.revision) {
      return this.hub.subscribe(prefix, Math.max(fromRevision, this.revision), onEvent);
    }
    const hi = prefixEnd(prefix);
    const rows =
      hi === undefined
        ? this.q.history.all.all({ after: fromRevision, lo: prefix })
        : this.q.history.hi.all({ after: fromRevision, lo: prefix, hi });
    return this.hub.subscribe(prefix, fromRevision, onEvent, rows.map(toEvent));
  }

  async currentRevision(): Promise<number> {
    this.assertOpen('');
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen('');
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen('');
    this.flush();
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    this.db.transaction(() => {
      this.q.trim.run(target);
      this.q.setMeta.run(target, 'compacted');
    })();
    this.compacted = target;
  }

  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    // New writes are refused from here; queued ones are committed and synced before closing.
    this.closing = true;
    this.flush();
    await this.syncing;
    await this.wal?.close();
    this.wal = undefined;
    this.closed = true;
    this.hub.stopAll();
    this.db.close();
  }

  private enqueue(w: WriteOp): Promise<KeyValue> {
    return new Promise((resolve, reject) => {
      this.assertOpen(w.key);
      if (this.closing) throw new StoreError('Unavailable', w.key, `the sqlite store ${this.path} is closing`);
      this.pending.push({ w, resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => this.flush());
    });
  }

  /** Commits every queued write in one transaction, then publishes and settles them. */
  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const events: WatchEvent[] = [];
    const outcomes: (WatchEvent | StoreError)[] = [];
    let rev = this.revision;
    try {
      this.db.transaction(() => {
        for (const { w } of batch) {
          const row = this.q.get.get(w.key);
          let e: WatchEvent;
          try {
            e = planWrite(w, row && toKv(row), rev + 1);
          } catch (err) {
            if (!(err instanceof StoreError)) throw err;
            outcomes.push(err);
            continue;
          }
          this.persist(e);
          rev = e.revision;
          events.push(e);
          outcomes.push(e);
        }
        if (events.length > 0) this.q.setMeta.run(rev, 'revision');
      })();
    } catch (err) {
      // The transaction rolled back: nothing in the batch happened, the revision did not move.
      const failure = new StoreError('Unavailable', '', `sqlite write failed: ${String(err)}`, undefined, { cause: err });
      for (const p of batch) p.reject(failure);
      return;
    }
    this.revision = rev;
    const settle = (syncErr?: unknown) => {
      if (syncErr === undefined) this.hub.publish(events);
      const failure = syncErr === undefined ? undefined : new StoreError('Unavailable', '', `sqlite fsync failed: ${String(syncErr)}`, undefined, { cause: syncErr });
      batch.forEach((p, i) => {
        const o = outcomes[i] as WatchEvent | StoreError;
        if (o instanceof StoreError) p.reject(o);
        else if (failure) p.reject(failure);
        else p.resolve({ ...o.kv });
      });
    };
    // Even a batch that changed nothing answers only after earlier commits are durable: its
    // conflicts were judged against them.
    if (events.length === 0 && this.syncing === undefined) settle();
    else this.afterSync(settle);
  }

  /** Runs `cb` once an fsync that began after this call has finished; concurrent callers share one. */
  private afterSync(cb: (err?: unknown) => void): void {
    this.syncWaiters.push(cb);
    this.syncing ??= this.syncLoop().finally(() => {
      this.syncing = undefined;
    });
  }

  private async syncLoop(): Promise<void> {
    while (this.syncWaiters.length > 0) {
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      const upTo = this.revision;
      let err: unknown;
      try {
        await this.fsyncWal();
        this.durableRevision = upTo;
      } catch (e) {
        err = e;
        this.fail(e);
      }
      for (const cb of waiters) cb(err);
    }
  }

  /**
   * Fail-stop after an fsync error, as etcd does: committed-but-unsynced state may or may not
   * survive, so no further reads or writes are served and every watch ends (clients re-list and
   * get errors until berth restarts on a healthy disk).
   */
  private fail(err: unknown): void {
    if (this.broken !== undefined) return;
    this.broken = err;
    this.hub.stopAll();
  }

  /** Waits until every commit made before the call is fsynced, so reads never expose undurable data. */
  private async durable(key: string): Promise<void> {
    this.assertOpen(key);
    const target = this.revision;
    while (this.durableRevision < target && this.syncing) await this.syncing;
    this.assertOpen(key);
  }

  private async fsyncWal(): Promise<void> {
    // SQLite keeps the WAL file (same inode) while this exclusive connection is open.
    this.wal ??= await open(`${this.path}-wal`, 'r');
    await this.wal.sync();
    if (!this.dirSynced) {
      // The WAL's directory entry, and the data directory's own (it may be new), must be durable too.
      for (const dir of [dirname(this.path), dirname(dirname(this.path))]) {
        const d = await open(dir, 'r');
        try {
          await d.sync();
        } finally {
          await d.close();
        }
      }
      this.dirSynced = true;
    }
  }

  private persist(e: WatchEvent): void {
    const { kv, prev } = e;
    if (e.type === 'delete') this.q.remove.run(e.key);
    else this.q.put.run(kv.key, kv.value, kv.modRevision, kv.createRevision);
    this.q.append.run({
      rev: e.revision,
      key: e.key,
      deleted: e.type === 'delete' ? 1 : 0,
      created: e.created ? 1 : 0,
      value: kv.value,
      create_rev: kv.createRevision,
      prev_value: prev ? prev.value : null,
      prev_mod_rev: prev ? prev.modRevision : null,
    });
  }

  private assertOpen(key: string): void {
    if (this.closed) throw new StoreError('Unavailable', key, `the sqlite store ${this.path} is closed`);
    if (this.broken !== undefined) {
      throw new StoreError('Unavailable', key, `the sqlite store ${this.path} failed to fsync (${String(this.broken)}); check the disk, then restart berth`, undefined, { cause: this.broken });
    }
  }
}

const toKv = (r: KvRow): KeyValue => ({ key: r.key, value: r.value, modRevision: r.mod_rev, createRevision: r.create_rev });

function toEvent(r: LogRow): WatchEvent {
  const kv = { key: r.key, value: r.value, modRevision: r.rev, createRevision: r.create_rev };
  const e: WatchEvent = { type: r.deleted ? 'delete' : 'put', key: r.key, kv, created: r.created === 1, revision: r.rev };
  if (r.prev_value !== null && r.prev_mod_rev !== null) {
    e.prev = { key: r.key, value: r.prev_value, modRevision: r.prev_mod_rev, createRevision: r.create_rev };
  }
  return e;
}
