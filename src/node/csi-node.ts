// Publishes the node's CSINode object (as the kubelet's plugin manager does): one entry per CSI
// driver this node can serve, with the driver's node ID, topology keys and volume limit, owned by
// the Node so it goes with it. Re-checked periodically: external drivers come and go.
import { getIfExists, type ApiClient } from '../machinery/client';
import { deepEqual } from '../machinery/deep-equal';
import type { KObject } from '../machinery/types';
import { csiNodeRef, nodeRef } from '../machinery/refs';
import type { CsiDriverRegistry, NodeInfo } from '../storage/csi/types';
import { type Timer, realTimer } from '../controllers/queue';

export interface CsiNodeDriver {
  name: string;
  nodeID: string;
  topologyKeys: string[] | null;
  allocatable?: { count: number };
}

/** Pure: a CSINode's driver entry from the driver's NodeGetInfo answer. */
export function driverEntry(name: string, info: NodeInfo): CsiNodeDriver {
  const keys = Object.keys(info.accessibleTopology ?? {}).sort();
  return { name, nodeID: info.nodeId, topologyKeys: keys.length ? keys : null, ...(info.maxVolumesPerNode > 0 ? { allocatable: { count: info.maxVolumesPerNode } } : {}) };
}

/** Pure: the CSINode for this node (drivers sorted by name). */
export function desiredCsiNode(nodeName: string, nodeUid: string, drivers: CsiNodeDriver[]): KObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSINode',
    metadata: { name: nodeName, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] },
    spec: { drivers: [...drivers].sort((a, b) => a.name.localeCompare(b.name)) },
  };
}

export interface CsiNodePublisherOptions {
  client: ApiClient;
  nodeName: string;
  drivers: CsiDriverRegistry;
  log: { warn(obj: object, msg: string): void };
  timer?: Timer;
  periodMs?: number;
}

export class CsiNodePublisher {
  constructor(private readonly o: CsiNodePublisherOptions) {}

  /** One pass: reads the drivers and the Node, writes the CSINode when it differs. */
  async sync(): Promise<void> {
    const { client, nodeName } = this.o;
    const node = await getIfExists(client, nodeRef, undefined, nodeName);
    if (!node) return; // registration creates the Node; the next pass publishes
    const have = await getIfExists(client, csiNodeRef, undefined, nodeName);
    const listed = ((have?.spec as { drivers?: CsiNodeDriver[] } | undefined)?.drivers ?? []);
    const drivers: CsiNodeDriver[] = [];
    for (const name of this.o.drivers.names()) {
      const d = this.o.drivers.get(name);
      if (!d) continue;
      try {
        drivers.push(driverEntry(name, await d.nodeGetInfo()));
      } catch (err) {
        // A registered driver that failed to answer once keeps its entry (the kubelet drops a
        // driver only when it deregisters); a new one waits for its first answer.
        const prev = listed.find((e) => e.name === name);
        if (prev) drivers.push(prev);
        this.o.log.warn({ driver: name, err: err instanceof Error ? err.message : String(err) }, 'CSI driver did not answer NodeGetInfo');
      }
    }
    const want = desiredCsiNode(nodeName, node.metadata.uid ?? '', drivers);
    if (!have) {
      await client.create(csiNodeRef, undefined, want);
      return;
    }
    if (deepEqual(have.spec, want.spec) && deepEqual(have.metadata.ownerReferences, want.metadata.ownerReferences)) return;
    await client.update(csiNodeRef, undefined, { ...have, metadata: { ...have.metadata, ownerReferences: want.metadata.ownerReferences ?? [] }, spec: want.spec });
  }

  async start(signal: AbortSignal): Promise<void> {
    const timer = this.o.timer ?? realTimer;
    while (!signal.aborted) {
      await this.sync().catch((err: unknown) => this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'CSINode update failed; will retry'));
      await new Promise<void>((resolve) => {
        const cancel = timer.setTimeout(resolve, this.o.periodMs ?? 15_000);
        signal.addEventListener('abort', () => {
          cancel();
          resolve();
        }, { once: true });
      });
    }
  }
}
