// The semantics of a write, shared by every driver: given the key's current value and the next
// revision, either the event the write produces or the StoreError it fails with. Drivers only persist.
import { StoreError } from '../machinery/errors';
import type { KeyValue, WatchEvent } from './backend';

export type WriteOp =
  | { op: 'create'; key: string; value: string }
  | { op: 'update'; key: string; value: string; expectedRevision?: number | undefined }
  | { op: 'delete'; key: string; expectedRevision?: number | undefined };

export function planWrite(w: WriteOp, current: KeyValue | undefined, revision: number): WatchEvent {
  const { key } = w;
  if (w.op === 'create') {
    if (current) throw new StoreError('KeyExists', key, `key "${key}" already exists`, current.modRevision);
    const kv = { key, value: w.value, modRevision: revision, createRevision: revision };
    return { type: 'put', key, kv, created: true, revision };
  }
  if (!current) throw new StoreError('KeyNotFound', key, `key "${key}" not found`);
  if (w.expectedRevision !== undefined && w.expectedRevision !== current.modRevision) {
    throw new StoreError(
      'RevisionMismatch',
      key,
      `key "${key}" is at revision ${current.modRevision}, expected ${w.expectedRevision}`,
      current.modRevision,
    );
  }
  const value = w.op === 'update' ? w.value : current.value;
  const kv = { key, value, modRevision: revision, createRevision: current.createRevision };
  return { type: w.op === 'update' ? 'put' : 'delete', key, kv, prev: current, created: false, revision };
}

