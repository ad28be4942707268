// Upstream's UIDTrackingControllerExpectations: after asking for creates/deletes, a controller
// waits for its informer to show them before acting on that owner again, so a stale cache never
// makes it create or delete twice. Expectations expire after 5 minutes (a lost watch event must
// not wedge an owner forever).
import type { Timer } from '../queue';

export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Record {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly timer: Timer, private readonly ttlMs = EXPECTATIONS_TTL_MS) {}

  expectCreations(key: string, n: number): void {
    this.records.set(key, { adds: n, deletes: new Set(), at: this.timer.now() });
  }

  expectDeletions(key: string, uids: readonly string[]): void {
    this.records.set(key, { adds: 0, deletes: new Set(uids), at: this.timer.now() });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.adds > 0) r.adds--;
  }

  deletionObserved(key: string, uid: string): void {
    this.records.get(key)?.deletes.delete(uid);
  }

  /** True when nothing is pending, the record expired, or there is none. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.timer.now() - r.at > this.ttlMs;
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}
