// The API client every component (controllers, node agent, docker API) talks through. In
// `berth server` it is served in-process; `berth agent` gets an HTTP implementation.
import type { KObject } from './types';

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export interface ListOpts {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ObjectList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KObject[];
}

export interface DeleteOpts {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface WriteOpts {
  fieldManager?: string;
  force?: boolean;
  dryRun?: boolean;
}

export interface ClientWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KObject;
}

export interface ApiClient {
  get(r: ResourceRef, namespace: string | undefined, name: string, subresource?: string): Promise<KObject>;
  list(r: ResourceRef, namespace: string | undefined, opts?: ListOpts): Promise<ObjectList>;
  create(r: ResourceRef, namespace: string | undefined, obj: KObject, opts?: WriteOpts, subresource?: string): Promise<KObject>;
  update(r: ResourceRef, namespace: string | undefined, obj: KObject, opts?: WriteOpts, subresource?: string): Promise<KObject>;
  patch(
    r: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: WriteOpts,
    subresource?: string,
  ): Promise<KObject>;
  /** Returns the object as it is after the call (with deletionTimestamp if finalizers remain) or a Status. */
  delete(r: ResourceRef, namespace: string | undefined, name: string, opts?: DeleteOpts): Promise<KObject>;
  /**
   * Watches from resourceVersion (as a list+watch informer would); the handler gets each event.
   * Resolves to a stop function. An expired version throws ApiError Expired.
   */
  watch(
    r: ResourceRef,
    namespace: string | undefined,
    opts: ListOpts & { allowWatchBookmarks?: boolean },
    onEvent: (e: ClientWatchEvent) => void,
  ): Promise<() => void>;
}

/** GET that answers undefined for NotFound (other errors are thrown). */
export async function getIfExists(client: ApiClient, r: ResourceRef, namespace: string | undefined, name: string): Promise<KObject | undefined> {
  try {
    return await client.get(r, namespace, name);
  } catch (e) {
    if ((e as { reason?: unknown }).reason === 'NotFound') return undefined;
    throw e;
  }
}
