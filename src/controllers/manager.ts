// kube-controller-manager for berth: builds the shared informers and starts every controller.
import type { Logger } from 'pino';
import type { Registry } from '../apiserver/registry';
import type { ApiClient } from '../machinery/client';
import type { Clock } from '../machinery/clock';
import type { Controller, Log } from './controller';
import { buildContext, startInformers } from './context';
import { DeploymentController } from './deployment/controller';
import { GarbageCollector } from './garbagecollector/controller';
import { NamespaceController } from './namespace/controller';
import { NodeLifecycleController } from './nodelifecycle/controller';
import { PersistentVolumeController } from './persistentvolume/controller';
import { CsiProvisionerController } from './provisioner/controller';
import { ResizerController } from './resizer/controller';
import { SnapshotController } from './snapshot/controller';
import type { CsiDriverRegistry } from '../storage/csi/types';
import { StorageProtectionController } from './pvcprotection/controller';
import { Scheduler } from '../scheduler/scheduler';
import { type Timer, realTimer } from './queue';
import { ReplicaSetController } from './replicaset/controller';
import { RootCACertPublisher } from './rootcacert/controller';
import { ServiceAccountController } from './serviceaccount/controller';
import { StatefulSetController } from './statefulset/controller';

export interface ControllerManagerOptions {
  client: ApiClient;
  registry: Registry;
  clock: Clock;
  log: Logger | Log;
  signal: AbortSignal;
  timer?: Timer;
  /** The API server's CA, published into every namespace as kube-root-ca.crt. */
  caPem?: string;
  /** The CSI drivers (built-in and external) the provisioner, resizer and snapshotter use. */
  drivers?: CsiDriverRegistry;
}

export interface RunningControllers {
  /** Resolves when every controller and informer has stopped (after `signal` aborts). */
  stopped: Promise<void>;
  /** Resolves when every controller's caches are synced. */
  ready: Promise<void>;
  controllers: readonly Controller[];
}

export function startControllers(opts: ControllerManagerOptions): RunningControllers {
  const log = (opts.log as Logger).child ? (opts.log as Logger).child({ component: 'controller-manager' }) : opts.log;
  const ctx = buildContext({ client: opts.client, registry: opts.registry, clock: opts.clock, log: log, timer: opts.timer ?? realTimer });
  const controllers: Controller[] = [
    new GarbageCollector(ctx),
    new NamespaceController(ctx),
    new ServiceAccountController(ctx),
    new ReplicaSetController(ctx),
    new DeploymentController(ctx),
    new StatefulSetController(ctx),
    new NodeLifecycleController(ctx),
    new PersistentVolumeController(ctx),
    new StorageProtectionController(ctx),
    // The scheduler runs in the controller manager's process and shares its informers.
    new Scheduler(ctx),
  ];
  if (opts.caPem) controllers.push(new RootCACertPublisher(ctx, opts.caPem));
  if (opts.drivers) {
    controllers.push(
      new CsiProvisionerController(ctx, { drivers: opts.drivers }),
      new ResizerController(ctx, { drivers: opts.drivers }),
      new SnapshotController(ctx, { drivers: opts.drivers }),
    );
  }
  // Controllers register their informers in their constructors; start them all once.
  const informers = startInformers(ctx, opts.signal);
  const running = controllers.map((c) =>
    c.start(opts.signal).catch((err: unknown) => ctx.log.error({ controller: c.name, err: err instanceof Error ? err.message : String(err) }, 'controller stopped')),
  );
  const ready = Promise.all(controllers.map((c) => c.ready)).then(() => ctx.log.info({ controllers: controllers.map((c) => c.name) }, 'controllers ready'));
  return { stopped: Promise.all([informers, ...running]).then(() => undefined), ready, controllers };
}
