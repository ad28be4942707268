// Per-key exponential back-off as the kubelet's flowcontrol.Backoff: the first failure is retried
// at once and arms a 10 s delay; each retry inside the window doubles it up to 300 s; a key left
// alone for 2×max (10 min) starts over. Times are milliseconds from an injected clock.
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  readonly initialMs: number;
  readonly maxMs: number;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? 10_000;
    this.maxMs = o.maxMs ?? 300_000;
  }

  /** The delay now armed for `key` (0 when none). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** True while `now` is within the armed delay after `since` (e.g. when the container exited). */
  inBackoffSince(key: string, since: number, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now)) return false;
    return now - since < e.delayMs;
  }

  /** Milliseconds left before `key` may run again (0 when it may). */
  remaining(key: string, since: number, now: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now)) return 0;
    return Math.max(0, since + e.delayMs - now);
  }

  /** Records a retry at `now`: arms the initial delay, or doubles it. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now)) this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    else this.entries.set(key, { delayMs: Math.min(e.delayMs * 2, this.maxMs), lastUpdate: now });
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private expired(e: Entry, now: number): boolean {
    return now - e.lastUpdate > 2 * this.maxMs;
  }
}
