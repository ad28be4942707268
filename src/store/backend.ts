// The revisioned key-value contract every storage driver implements (sqlite://, memory://, etcd://).
// Revisions are one global, strictly increasing counter (like etcd's): every create, update and
// delete gets the next revision. Values are opaque strings (the apiserver stores JSON).

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that produced this value (becomes metadata.resourceVersion). */
  modRevision: number;
  /** Revision at which the key was (last) created. */
  createRevision: number;
}

export interface ListOptions {
  /** Keys starting with this prefix, in key order. */
  prefix: string;
  /** At most this many items (0 or absent: all). */
  limit?: number;
  /** Only keys strictly greater than this one (paging continuation). */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The store's revision the list is consistent with. */
  revision: number;
  /** More keys remain after the last returned item. */
  more: boolean;
  /** How many keys remain after the last returned item (when known). */
  remaining?: number;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** put: the new value. delete: the value as it was when deleted (modRevision = delete revision). */
  kv: KeyValue;
  /** The value before this event, when there was one. */
  prev?: KeyValue;
  /** True for a put that created the key. */
  created: boolean;
  revision: number;
}

export interface Watch {
  /** Stops delivery; idempotent. */
  stop(): void;
}

export interface Backend {
  /** Resolves when the driver is open and usable. */
  readonly ready: Promise<void>;
  get(key: string): Promise<KeyValue | undefined>;
  list(opts: ListOptions): Promise<ListResult>;
  /** Throws StoreError KeyExists. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces the value. With expectedRevision, fails with RevisionMismatch unless the key's
   * modRevision equals it. Throws KeyNotFound when absent.
   */
  update(key: string, value: string, expectedRevision?: number): Promise<KeyValue>;
  /** Removes the key; returns the deleted value (modRevision = revision of the delete). */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /**
   * Delivers, in revision order, every event under prefix with revision > fromRevision, first from
   * history, then live. fromRevision 0 means "from now". Throws StoreError Compacted when
   * fromRevision is older than the compacted revision. Events are delivered asynchronously.
   */
  watch(prefix: string, fromRevision: number, onEvent: (e: WatchEvent) => void): Promise<Watch>;
  /** The newest revision. */
  currentRevision(): Promise<number>;
  /** Oldest revision from which watch history is still available (0 if never compacted). */
  compactedRevision(): Promise<number>;
  /** Drops history with revision <= revision (current values are kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
