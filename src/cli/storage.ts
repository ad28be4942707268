// Volume drivers of one Berth process, composed once: the node's volume pool with the built-in
// CSI drivers (when this process runs a node) and external CSI drivers found as sockets in
// <data>/csi-plugins. The controllers (provisioner, resizer, snapshotter) and the node's volume
// manager all find drivers through the one registry made here.
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../machinery/clock';
import { builtinDrivers } from '../storage/csi/builtin/drivers';
import { DriverRegistry } from '../storage/csi/registry';
import { VolumePool } from '../storage/pool/pool';

export interface Storage {
  drivers: DriverRegistry;
  /** Where external CSI drivers put their sockets. */
  pluginDir: string;
  pool?: VolumePool;
  /** Resolves once the registry stopped (after the signal aborts). */
  stopped: Promise<void>;
}

export interface StorageOptions {
  /** The Berth (or agent) data dir: sockets are looked for in <dataDir>/csi-plugins. */
  dataDir: string;
  /** This process's node: its pool lives in <node data>/volumes. */
  node?: { dataDir: string; nodeName: string };
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
}

export async function startStorage(o: StorageOptions): Promise<Storage> {
  const log = o.log.child({ component: 'csi' });
  const pluginDir = join(o.dataDir, 'csi-plugins');
  await mkdir(pluginDir, { recursive: true, mode: 0o700 });
  const drivers = new DriverRegistry({ pluginDir, log });
  let pool: VolumePool | undefined;
  if (o.node) {
    const root = join(o.node.dataDir, 'volumes');
    await mkdir(root, { recursive: true, mode: 0o700 });
    pool = new VolumePool({ root: await realpath(root), clock: o.clock });
    for (const [name, driver] of builtinDrivers(pool, o.node.nodeName)) drivers.add(name, driver);
  }
  const stopped = drivers.start(o.signal).catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'CSI driver registry stopped'));
  await drivers.ready;
  return { drivers, pluginDir, ...(pool ? { pool } : {}), stopped: stopped.then(() => undefined) };
}
