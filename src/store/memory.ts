// memory:// — the whole contract in process memory, for tests and throwaway servers. History is kept
// until compact() drops it, exactly like the durable drivers.
import { StoreError } from '../machinery/errors';
import type { Backend, KeyValue, ListOptions, ListResult, Watch, WatchEvent } from './backend';
import { compareKeys, lowerBound, prefixEnd } from './keys';
import { planWrite, type WriteOp } from './mutation';
import { compactedError, WatchHub } from './watch-hub';

export class MemoryBackend implements Backend {
  readonly ready: Promise<void> = Promise.resolve();
  private readonly data = new Map<string, KeyValue>();
  /** Live keys in code point order, for prefix ranges. */
  private readonly keys: string[] = [];
  /** Every event with revision > compacted, ascending. */
  private history: WatchEvent[] = [];
  private revision = 0;
  private compacted = 0;
  private closed = false;
  private readonly hub = new WatchHub();

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen(key);
    const kv = this.data.get(key);
    return kv && { ...kv };
  }

  async list(opts: ListOptions): Promise<ListResult> {
    this.assertOpen(opts.prefix);
    const { prefix, startAfter } = opts;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const from =
      startAfter !== undefined && compareKeys(startAfter, prefix) >= 0
        ? lowerBound(this.keys, startAfter, true)
        : lowerBound(this.keys, prefix);
    const hi = prefixEnd(prefix);
    const end = hi === undefined ? this.keys.length : lowerBound(this.keys, hi);
    const stop = Math.min(end, from + limit);
    const items: KeyValue[] = [];
    for (let i = from; i < stop; i++) items.push({ ...(this.data.get(this.keys[i] as string) as KeyValue) });
    const remaining = Math.max(0, end - stop);
    return { items, revision: this.revision, more: remaining > 0, remaining };
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.write({ op: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision?: number): Promise<KeyValue> {
    return this.write({ op: 'update', key, value, expectedRevision });
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.write({ op: 'delete', key, expectedRevision });
  }

  private async write(w: WriteOp): Promise<KeyValue> {
    this.assertOpen(w.key);
    const e = planWrite(w, this.data.get(w.key), this.revision + 1);
    this.revision = e.revision;
    if (e.type === 'delete') {
      this.data.delete(e.key);
      this.keys.splice(lowerBound(this.keys, e.key), 1);
    } else {
      if (e.created) this.keys.splice(lowerBound(this.keys, e.key), 0, e.key);
      this.data.set(e.key, e.kv);
    }
    this.history.push(e);
    this.hub.publish([e]);
    return { ...e.kv };
  }

  async watch(prefix: string, fromRevision: number, onEvent: (e: WatchEvent) => void): Promise<Watch> {
    this.assertOpen(prefix);
    if (fromRevision > 0 && fromRevision < this.compacted) throw compactedError(prefix, fromRevision, this.compacted);
    if (fromRevision <= 0) return this.hub.subscribe(prefix, this.revision, onEvent);
    const start = this.indexAfter(fromRevision);
    const past = this.history.slice(start).filter((e) => e.key.startsWith(prefix));
    return this.hub.subscribe(prefix, fromRevision, onEvent, past);
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
    // Compacting past the head would make the next watch from "now" fail; stop at the head.
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    this.history = this.history.slice(this.indexAfter(target));
    this.compacted = target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.stopAll();
  }

  /** Index of the first history event with revision > rev. */
  private indexAfter(rev: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid] as WatchEvent).revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private assertOpen(key: string): void {
    if (this.closed) throw new StoreError('Unavailable', key, 'the memory:// store is closed');
  }
}
