// Event fan-out shared by the drivers. A driver registers a watcher and hands it the history it read
// in the same synchronous turn as registration, then publishes each commit's events right after the
// commit; since nothing can commit in between, history and live events meet with no gap. Each watcher
// also drops any revision it has already passed, so a duplicate can never reach the callback.
import { StoreError } from '../machinery/errors';
import type { Watch, WatchEvent } from './backend';

type Listener = (e: WatchEvent) => void;

class Watcher implements Watch {
  private queue: WatchEvent[] = [];
  private scheduled = false;
  stopped = false;

  constructor(
    readonly prefix: string,
    private last: number,
    private readonly onEvent: Listener,
    private readonly detach: (w: Watcher) => void,
  ) {}

  offer(e: WatchEvent): void {
    if (this.stopped || e.revision <= this.last || !e.key.startsWith(this.prefix)) return;
    this.last = e.revision;
    this.queue.push(e);
    if (!this.scheduled) {
      this.scheduled = true;
      // Delivery is always deferred: a callback never runs inside the write that caused it.
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const e of batch) {
      if (this.stopped) return;
      try {
        this.onEvent(e);
      } catch (err) {
        // One faulty consumer must not break delivery to the others or the writer.
        process.emitWarning(`watch callback threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    this.detach(this);
  }
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  /** Registers a watcher for events under prefix with revision > after, seeded with history. */
  subscribe(prefix: string, after: number, onEvent: Listener, history: Iterable<WatchEvent> = []): Watch {
    const w = new Watcher(prefix, after, onEvent, (x) => this.watchers.delete(x));
    for (const e of history) w.offer(freeze(e));
    this.watchers.add(w);
    return w;
  }

  /** Fans out one commit's events (ascending revisions); call right after the commit. */
  publish(events: readonly WatchEvent[]): void {
    if (this.watchers.size === 0) return;
    for (const e of events) {
      freeze(e);
      for (const w of this.watchers) w.offer(e);
    }
  }

  get size(): number {
    return this.watchers.size;
  }

  stopAll(): void {
    for (const w of [...this.watchers]) w.stop();
  }
}

// Events are shared by every watcher, so none may alter what another one sees.
function freeze(e: WatchEvent): WatchEvent {
  if (!Object.isFrozen(e)) {
    Object.freeze(e.kv);
    if (e.prev) Object.freeze(e.prev);
    Object.freeze(e);
  }
  return e;
}

/** The error every driver throws for a watch that starts before the retained history. */
export function compactedError(key: string, from: number, compacted: number): StoreError {
  return new StoreError(
    'Compacted',
    key,
    `required revision ${from} has been compacted; history is kept after revision ${compacted}`,
    compacted,
  );
}
