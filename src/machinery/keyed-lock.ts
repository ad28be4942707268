// Serializes async work per key (a pod UID, a volume or snapshot name), so two operations on one
// thing never interleave their steps while different keys run concurrently. Used by the pod
// network, the node's CSI volumes and the volume pool.

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` holding every key (taken in sorted order, so two callers cannot deadlock). */
  async run<T>(keys: string | string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(typeof keys === 'string' ? [keys] : keys)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const k of sorted) releases.push(await this.acquire(k));
      return await fn();
    } finally {
      for (const r of releases.reverse()) r();
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
