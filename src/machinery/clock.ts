// Time and randomness are injected so decisions stay testable.
import { randomBytes, randomUUID } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface IdSource {
  uid(): string;
  /** n characters from upstream's generateName alphabet (no vowels, no look-alikes). */
  suffix(n: number): string;
}

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

export const randomIds: IdSource = {
  uid: () => randomUUID(),
  suffix: (n) => {
    const bytes = randomBytes(n);
    let s = '';
    for (const b of bytes) s += alphabet[b % alphabet.length];
    return s;
  },
};

/** RFC 3339 with second precision, as Kubernetes serializes metav1.Time. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
