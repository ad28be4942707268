// What a pod worker needs from the node: the API, the providers, the runtime, time and events.
import type { EventRecorder } from '../../controllers/events';
import type { Log } from '../../controllers/controller';
import type { Timer } from '../../controllers/queue';
import type { ApiClient } from '../../machinery/client';
import type { Clock } from '../../machinery/clock';
import type { ContainerRuntime } from '../runtime/containers';
import type { ImageProvider, NodeConfig, PodNetworkProvider, VolumeProvider } from '../types';

export interface PodDeps {
  client: ApiClient;
  config: NodeConfig;
  images: ImageProvider;
  network: PodNetworkProvider;
  volumes: VolumeProvider;
  runtime: ContainerRuntime;
  /** Wall time for status timestamps and back-off decisions. */
  clock: Clock;
  /** Probe periods and delays. */
  timer: Timer;
  log: Log;
  recorder: EventRecorder;
  /** The host's /etc/resolv.conf text. */
  hostResolvConf: () => Promise<string>;
  node: { cpuMilli: number; memoryBytes: number };
  /** Asks for another sync of the pod after `ms`. */
  requeue: (uid: string, ms: number) => void;
}

export const podsRef = { group: '', version: 'v1', plural: 'pods' };
