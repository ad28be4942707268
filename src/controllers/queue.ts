// A de-duplicating work queue of string keys (client-go's workqueue semantics): a key is held at
// most once, is never processed by two workers at the same time, and a key added while it is
// being processed runs again afterwards. Failures back off per key, exponentially.

/** Delays go through this so tests can run time by hand. Returns a cancel function. */
export interface Timer {
  /** Milliseconds on a monotonic scale; only differences matter. */
  now(): number;
  setTimeout(fn: () => void, ms: number): () => void;
}

export const realTimer: Timer = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface QueueOptions {
  timer: Timer;
  /** client-go's DefaultControllerRateLimiter: 5 ms doubling to 1000 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue {
  private readonly order: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; cancel: () => void }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly base: number;
  private readonly max: number;

  constructor(private readonly opts: QueueOptions) {
    this.base = opts.baseDelayMs ?? 5;
    this.max = opts.maxDelayMs ?? 1_000_000;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.order.push(key);
  }

  /** Adds after a delay; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.opts.timer.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const cancel = this.opts.timer.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, cancel });
  }

  /** Requeues after this key's next backoff delay. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, backoffDelay(n, this.base, this.max));
  }

  /** Clears the key's failure history (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  get length(): number {
    return this.order.length;
  }

  /** Next key to process; undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.order.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Nothing queued, processing or waiting on a delay. */
  isIdle(): boolean {
    return this.order.length === 0 && this.processing.size === 0 && this.delayed.size === 0;
  }

  /** Resolves once the queue is idle (or shut down). */
  idle(): Promise<void> {
    if (this.isIdle() || this.shuttingDown) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    this.order.length = 0;
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * Runs `workers` loops calling `handle` until shut down (stopping on `signal` too). A throw
   * requeues the key with backoff; `onError` sees it. Resolves when every worker has returned.
   */
  async run(
    workers: number,
    handle: (key: string) => Promise<void>,
    signal: AbortSignal,
    onError?: (key: string, err: unknown) => void,
  ): Promise<void> {
    if (signal.aborted) this.shutDown();
    else signal.addEventListener('abort', () => this.shutDown(), { once: true });
    const loop = async () => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        try {
          await handle(key);
          this.forget(key);
        } catch (err) {
          onError?.(key, err);
          this.addRateLimited(key);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
  }
}

/** The nth retry's delay: base·2ⁿ capped at max (client-go's ItemExponentialFailureRateLimiter). */
export function backoffDelay(n: number, baseMs: number, maxMs: number): number {
  if (n > 60) return maxMs;
  return Math.min(baseMs * 2 ** n, maxMs);
}
