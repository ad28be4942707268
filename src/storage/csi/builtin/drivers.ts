// The built-in drivers of one node, both over the node's one volume pool.
import type { VolumePool } from '../../pool/pool';
import type { CsiDriver } from '../types';
import { BlockDriver } from './block';
import { LocalDirDriver } from './local-dir';

/** Driver name → driver, for a CsiDriverRegistry. */
export function builtinDrivers(pool: VolumePool, nodeName: string): Map<string, CsiDriver> {
  const drivers = [new LocalDirDriver({ pool, nodeName }), new BlockDriver({ pool, nodeName })];
  return new Map(drivers.map((d) => [d.driverName, d]));
}
