// Status arithmetic shared by both halves of the controller: the VolumeSnapshot status copied
// from its content (upstream's updateSnapshotStatus) and the content status a CreateSnapshot
// answer gives (the sidecar's updateSnapshotContentStatus).
import type { CsiSnapshot } from '../../storage/csi/types';
import { rfc3339 } from '../../machinery/clock';
import { formatQuantity, isZeroQuantity, newQuantity, tryParseQuantity } from '../../machinery/quantity';
import { type JsonObject, type KObject, isObject } from '../../machinery/types';
import { clone } from '../../machinery/resources/common';
import type { Ev } from './names';

const NS_PER_MS = 1_000_000;
const key = (s: KObject): string => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** An RFC 3339 time (second precision, as metav1.Time) from int64 nanoseconds. */
export const timeFromNanos = (ns: number): string => rfc3339(new Date(Math.floor(ns / NS_PER_MS)));

/** resource.NewQuantity(bytes, BinarySI) as text. */
export const bytesQuantity = (bytes: number): string => formatQuantity(newQuantity(BigInt(Math.trunc(bytes)), 'BinarySI'));

function isZeroSize(v: unknown): boolean {
  const q = tryParseQuantity(v);
  return q.ok && isZeroQuantity(q.q);
}

/**
 * The snapshot status that reflects `content`, with the SnapshotCreated / SnapshotReady events
 * its change earns; undefined when nothing changes.
 */
export function snapshotStatusFrom(snapshot: KObject, content: KObject): { status: JsonObject; events: Ev[] } | undefined {
  const cs = isObject(content.status) ? content.status : {};
  const created = typeof cs['creationTime'] === 'number' ? timeFromNanos(cs['creationTime']) : undefined;
  const size = typeof cs['restoreSize'] === 'number' ? cs['restoreSize'] : undefined;
  const ready = cs['readyToUse'] === true;
  const contentErr = isObject(cs['error']) ? clone(cs['error']) : undefined;
  const old = isObject(snapshot.status) ? snapshot.status : undefined;
  const next: JsonObject = old ? clone(old) : {};
  next['boundVolumeSnapshotContentName'] ??= content.metadata.name ?? '';
  if (next['creationTime'] === undefined && created !== undefined) next['creationTime'] = created;
  if (next['readyToUse'] !== ready) {
    next['readyToUse'] = ready;
    if (ready) delete next['error'];
  }
  if (size !== undefined && (next['restoreSize'] === undefined || (isZeroSize(next['restoreSize']) && size > 0))) next['restoreSize'] = bytesQuantity(size);
  // The content's error (or its absence) wins, as upstream copies it over.
  if (contentErr !== undefined) next['error'] = contentErr;
  else if (old) delete next['error'];
  if (old && same(old, next)) return undefined;
  const events: Ev[] = [];
  if (old?.['creationTime'] === undefined && next['creationTime'] !== undefined) {
    events.push({ type: 'Normal', reason: 'SnapshotCreated', message: `Snapshot ${key(snapshot)} was successfully created by the CSI driver.` });
  }
  if (old?.['readyToUse'] !== true && next['readyToUse'] === true) {
    events.push({ type: 'Normal', reason: 'SnapshotReady', message: `Snapshot ${key(snapshot)} is ready to use.` });
  }
  return { status: next, events };
}

/** updateSnapshotContentStatus: fills what is missing, never overwrites the handle or time. */
export function contentStatusFrom(old: JsonObject | undefined, snap: Pick<CsiSnapshot, 'snapshotId' | 'readyToUse' | 'sizeBytes'>, creationNanos: number): JsonObject | undefined {
  const size = Number(snap.sizeBytes);
  const next: JsonObject = old ? clone(old) : {};
  next['snapshotHandle'] ??= snap.snapshotId;
  if (next['readyToUse'] !== snap.readyToUse) {
    next['readyToUse'] = snap.readyToUse;
    if (snap.readyToUse) delete next['error'];
  }
  next['creationTime'] ??= creationNanos;
  if (next['restoreSize'] === undefined && size > 0) next['restoreSize'] = size;
  return old && same(old, next) ? undefined : next;
}

/** The csi-snapshotter's error status: the message and time, readyToUse false. */
export function contentErrorStatus(old: JsonObject | undefined, message: string, now: Date): JsonObject | undefined {
  const e = old?.['error'];
  if (isObject(e) && e['message'] === message) return undefined;
  return { ...(old ? clone(old) : {}), error: { message, time: rfc3339(now) }, readyToUse: false };
}

/** The snapshot controller's error status; readyToUse only set false when asked. */
export function snapshotErrorStatus(old: JsonObject | undefined, message: string, setReadyFalse: boolean, now: Date): JsonObject | undefined {
  const e = old?.['error'];
  if (isObject(e) && e['message'] === message) return undefined;
  return { ...(old ? clone(old) : {}), error: { message, time: rfc3339(now) }, ...(setReadyFalse ? { readyToUse: false } : {}) };
}

/** clearVolumeContentStatus after DeleteSnapshot: the handle, readiness, time and size go. */
export function clearedContentStatus(old: JsonObject | undefined): JsonObject {
  const next: JsonObject = old ? clone(old) : {};
  for (const k of ['snapshotHandle', 'readyToUse', 'creationTime', 'restoreSize']) delete next[k];
  return next;
}
