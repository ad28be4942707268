// What every controller shares: how it is started, how it reports readiness, what it gets.
import type { ApiClient, ResourceRef } from '../machinery/client';
import type { Clock } from '../machinery/clock';
import type { ResourceDef } from '../machinery/resource';
import type { EventRecorder } from './events';
import type { InformerFactory } from './informer';
import type { Timer } from './queue';

export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Controller {
  readonly name: string;
  /** Resolves once the controller's caches are synced and it is working. */
  readonly ready: Promise<void>;
  /** Runs until `signal` aborts; resolves when every worker has stopped. */
  start(signal: AbortSignal): Promise<void>;
}

export interface ControllerContext {
  client: ApiClient;
  /** The served resources (upstream's discovery). */
  defs: readonly ResourceDef[];
  /** Resolves an owner reference's kind (any served version) to its resource. */
  forKind(group: string, version: string, kind: string): ResourceDef | undefined;
  informers: InformerFactory;
  timer: Timer;
  clock: Clock;
  log: Log;
  /** A recorder reporting as `component` (the event source). */
  recorder(component: string): EventRecorder;
}

/** The preferred (storage) version of a resource, for list/watch. */
export function refOf(def: ResourceDef): ResourceRef {
  return { group: def.group, version: def.versions[0] ?? 'v1', plural: def.plural };
}

export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isReason(err: unknown, reason: string): boolean {
  return typeof err === 'object' && err !== null && (err as { reason?: unknown }).reason === reason;
}

/** Resolves when the caches are synced or `signal` aborts, whichever comes first: workers start on synced caches only. */
export function readyOrAborted(ready: Promise<void>, signal: AbortSignal): Promise<unknown> {
  return Promise.race([ready, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
}
