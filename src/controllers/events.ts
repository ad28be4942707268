// core/v1 Event recording for controllers, as client-go's record.EventRecorder does it: events
// are written in the background (a failure is logged, never thrown at the caller), and an event
// identical to one already written (same object, type, reason, message, source) bumps that
// event's count and lastTimestamp instead of creating another.
import type { ApiClient } from '../machinery/client';
import { type Clock, rfc3339 } from '../machinery/clock';
import { ApiError } from '../machinery/errors';
import type { KObject } from '../machinery/types';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KObject, type: EventType, reason: string, message: string): void;
}

export interface EventSource {
  component: string;
  host?: string;
}

const eventsRef = { group: '', version: 'v1', plural: 'events' };
/** client-go's LRU of seen events holds 4096 entries. */
const maxRemembered = 4096;

/** Events about cluster-scoped objects go to "default", as client-go puts them. */
export function eventNamespace(obj: KObject): string {
  return obj.metadata.namespace || 'default';
}

/** Identity of "the same event" for de-duplication (client-go's getEventKey). */
export function eventKey(obj: KObject, type: EventType, reason: string, message: string, source: EventSource): string {
  const m = obj.metadata;
  return JSON.stringify([source.component, source.host ?? '', obj.kind ?? '', m.namespace ?? '', m.name ?? '', m.uid ?? '', obj.apiVersion ?? '', type, reason, message]);
}

/** The Event to create the first time. `suffix` makes the name unique (client-go: hex of UnixNano). */
export function newEvent(obj: KObject, type: EventType, reason: string, message: string, source: EventSource, now: Date, suffix: string): KObject {
  const m = obj.metadata;
  const ts = rfc3339(now);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${m.name ?? ''}.${suffix}`, namespace: eventNamespace(obj) },
    involvedObject: {
      ...(obj.kind ? { kind: obj.kind } : {}),
      ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.name ? { name: m.name } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(obj.apiVersion ? { apiVersion: obj.apiVersion } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    },
    reason,
    message,
    source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: source.component,
    reportingInstance: source.host ?? '',
  };
}

export interface RecorderOptions {
  client: ApiClient;
  clock: Clock;
  source: EventSource;
  log?: { warn(obj: object, msg: string): void };
}

// One counter for every recorder of the process: two recorders naming events about the same
// object in the same millisecond must not pick the same name (the second would be lost).
let seq = 0;
const nextSeq = (): number => seq++;

export class Recorder implements EventRecorder {
  private readonly seen = new Map<string, { namespace: string; name: string; count: number }>();
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly opts: RecorderOptions) {}

  event(obj: KObject, type: EventType, reason: string, message: string): void {
    // Writes are serialized so a repeat always finds the event its predecessor created.
    this.pending = this.pending.then(() => this.write(obj, type, reason, message)).catch((err: unknown) => {
      this.opts.log?.warn({ reason, object: obj.metadata.name, err: err instanceof Error ? err.message : String(err) }, 'could not record event');
    });
  }

  /** Resolves when every event recorded so far has been written (or given up). */
  flush(): Promise<void> {
    return this.pending;
  }

  private async write(obj: KObject, type: EventType, reason: string, message: string): Promise<void> {
    const { client, clock, source } = this.opts;
    const key = eventKey(obj, type, reason, message, source);
    const now = clock.now();
    const prior = this.seen.get(key);
    if (prior) {
      try {
        await client.patch(eventsRef, prior.namespace, prior.name, 'merge', { count: prior.count + 1, lastTimestamp: rfc3339(now) });
        prior.count++;
        this.remember(key, prior);
        return;
      } catch (err) {
        // The event expired or was deleted: start over with a fresh one, as client-go does.
        if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      }
    }
    const suffix = (BigInt(now.getTime()) * 1_000_000n + BigInt(nextSeq() % 1_000_000)).toString(16);
    const ev = newEvent(obj, type, reason, message, source, now, suffix);
    const created = await client.create(eventsRef, eventNamespace(obj), ev);
    this.remember(key, { namespace: eventNamespace(obj), name: created.metadata.name ?? ev.metadata.name ?? '', count: 1 });
  }

  private remember(key: string, v: { namespace: string; name: string; count: number }): void {
    this.seen.delete(key);
    this.seen.set(key, v);
    if (this.seen.size > maxRemembered) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
  }
}
