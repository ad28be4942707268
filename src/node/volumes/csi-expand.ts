// Node-side volume expansion, as the kubelet finishes it: once the controller grew a volume
// (PV capacity above the claim's status.capacity, claim condition FileSystemResizePending), the
// node grows the filesystem with NodeExpandVolume and then records the new size on the claim.
import type { ApiClient } from '../../machinery/client';
import { ApiError } from '../../machinery/errors';
import { parseQuantity, quantityValue } from '../../machinery/quantity';
import { pvcRef } from '../../machinery/refs';
import type { KObject } from '../../machinery/types';

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

const bytes = (q: string): bigint | undefined => {
  try {
    return q === '' ? undefined : quantityValue(parseQuantity(q));
  } catch {
    return undefined;
  }
};

/** Bytes NodeExpandVolume must reach, or undefined when the filesystem is as large as the PV (or a size is unknown). */
export function nodeExpansionNeeded(pvCapacity: string, claimCapacity: string): bigint | undefined {
  const pv = bytes(pvCapacity);
  const claim = bytes(claimCapacity);
  return pv !== undefined && claim !== undefined && pv > claim ? pv : undefined;
}

/** Conditions a finished node expansion removes. */
const RESIZE_CONDITIONS = new Set(['FileSystemResizePending', 'Resizing']);

/** The claim status after the filesystem reached `capacity`: capacity set, resize conditions and the storage resize status gone. */
export function resizeFinishedStatus(status: Record<string, unknown>, capacity: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...status, capacity: { ...obj(status.capacity), storage: capacity } };
  if (Array.isArray(status.conditions)) {
    const kept = status.conditions.filter((c) => !RESIZE_CONDITIONS.has(String(obj(c).type)));
    if (kept.length > 0) out.conditions = kept;
    else delete out.conditions;
  }
  const statuses = { ...obj(status.allocatedResourceStatuses) };
  delete statuses.storage;
  if (Object.keys(statuses).length > 0) out.allocatedResourceStatuses = statuses;
  else delete out.allocatedResourceStatuses;
  return out;
}

/** Writes resizeFinishedStatus through the status subresource, re-reading on conflicts. Returns the claim as written. */
export async function markResizeFinished(client: ApiClient, namespace: string, name: string, capacity: string): Promise<KObject> {
  for (let attempt = 0; ; attempt++) {
    const claim = await client.get(pvcRef, namespace, name);
    try {
      return await client.update(pvcRef, namespace, { ...claim, status: resizeFinishedStatus(obj(claim.status), capacity) }, {}, 'status');
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'Conflict') || attempt >= 4) throw e;
    }
  }
}
