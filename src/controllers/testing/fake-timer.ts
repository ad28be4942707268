// A Timer whose time moves only when a test says so.
import type { Timer } from '../queue';

export class FakeTimer implements Timer {
  private t = 0;
  private pending: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const id = this.nextId++;
    this.pending.push({ at: this.t + ms, fn, id });
    return () => {
      this.pending = this.pending.filter((p) => p.id !== id);
    };
  }

  /** Delays currently waiting, soonest first (ms from now). */
  waiting(): number[] {
    return this.pending.map((p) => p.at - this.t).sort((a, b) => a - b);
  }

  /** Moves time forward, firing due callbacks in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.pending = this.pending.filter((p) => p !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

/** Lets queued promise callbacks run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Polls `check` (real time) until it returns true or throws when `ms` pass. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
