// Builds the ControllerContext the manager (and integration tests) hand to controllers.
import type { ApiClient } from '../machinery/client';
import type { Clock } from '../machinery/clock';
import type { ResourceDef } from '../machinery/resource';
import type { ControllerContext, Log } from './controller';
import { type EventRecorder, Recorder } from './events';
import { InformerFactory } from './informer';
import { type Timer, realTimer } from './queue';

export interface ResourceCatalog {
  readonly defs: readonly ResourceDef[];
  forKind(group: string, version: string, kind: string): ResourceDef | undefined;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export function buildContext(opts: { client: ApiClient; registry: ResourceCatalog; clock: Clock; log?: Log; timer?: Timer }): ControllerContext {
  const timer = opts.timer ?? realTimer;
  const log = opts.log ?? silentLog;
  const recorders = new Map<string, EventRecorder>();
  return {
    client: opts.client,
    defs: opts.registry.defs,
    forKind: (g, v, k) => opts.registry.forKind(g, v, k),
    informers: new InformerFactory({ client: opts.client, timer, log }),
    timer,
    clock: opts.clock,
    log,
    recorder(component) {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = new Recorder({ client: opts.client, clock: opts.clock, source: { component }, log })));
      return r;
    },
  };
}

/** Starts every informer the controllers asked for; resolves when they have all stopped. */
export function startInformers(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  return Promise.all(ctx.informers.all().map((i) => i.start(signal))).then(() => undefined);
}
