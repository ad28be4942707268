// The options and results of ObjectStore's operations.
import type { KObject, ManagedFieldsEntry } from '../machinery/types';

export interface WriteOptions {
  dryRun?: boolean;
  /** Computes managedFields for the write (server-side apply bookkeeping); absent: kept as is. */
  managedFields?: (old: KObject | undefined, next: KObject) => ManagedFieldsEntry[] | undefined;
}

export interface UpdateOptions extends WriteOptions {
  subresource?: string;
  /** Create when missing (server-side apply, PUT on kinds that allow it). */
  allowCreate?: boolean;
  /** Re-read and recompute on a concurrent write instead of failing (no client precondition). */
  retryOnConflict?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListPage {
  items: KObject[];
  revision: number;
  /** Key to continue after, when more keys remain. */
  continueAfter?: string;
  remaining?: number;
}

export interface StoredEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KObject;
  /** The object before this event (MODIFIED, DELETED). */
  old?: KObject;
  revision: number;
}
