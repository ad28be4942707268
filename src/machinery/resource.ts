// What the apiserver needs to know about one resource: names, scope, versions, subresources,
// and its strategy (defaulting, preparation, validation, table columns, field selectors).
import type { FieldError } from './field-errors';
import type { KObject } from './types';

export type Subresource =
  | 'status'
  | 'scale'
  | 'binding'
  | 'log'
  | 'exec'
  | 'attach'
  | 'portforward'
  | 'proxy'
  | 'eviction'
  | 'ephemeralcontainers'
  | 'finalize'
  | 'token';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** '' or 'name' (the Name column) as upstream sets it. */
  format: string;
  description: string;
  /** 0 = default columns, 1 = shown only with -o wide. */
  priority: 0 | 1;
}

export interface TableDef {
  columns: TableColumn[];
  /** One cell per column, in order. `now` is injected so ages are testable. */
  row(obj: KObject, now: Date): unknown[];
}

/** Where the scale subresource reads and writes replicas (apps/v1 workloads). */
export interface ScaleDef {
  specReplicasPath: string[];
  statusReplicasPath: string[];
  /** The selector string for Scale.status.selector. */
  selector(obj: KObject): string;
}

/** Every verb a stored resource serves, in the order discovery lists them. */
export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The authenticated user a review is evaluated for. */
export interface ReviewUser {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface ResourceDef extends ResourceDefHooks {
  group: string; // '' for core
  /** Served versions; the first is preferred and is the storage version. */
  versions: string[];
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  subresources: Subresource[];
  /** metadata.generation is maintained (set to 1 on create, bumped when spec changes). */
  generation: boolean;

  /** kube-apiserver defaulting, in place. Called on create and on every update, before validation. */
  default?(obj: KObject): void;
  /** Clears what a create may not set (e.g. status for kinds with a status subresource). */
  prepareForCreate?(obj: KObject, now: Date): void;
  /** Main-resource update: e.g. keeps old status. */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** status-subresource update: keeps old spec. */
  prepareForStatusUpdate?(obj: KObject, old: KObject, now: Date): void;
  /**
   * Full validation of the object as it would be stored (create and update), including its
   * ObjectMeta rules; the apiserver adds the generic ObjectMeta update rules itself.
   */
  validate?(obj: KObject): FieldError[];
  /** Extra checks on update: immutable fields, etc. */
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
  /** Warnings returned with a successful create or update (deprecated fields), as upstream's strategies give. */
  warnings?(obj: KObject): string[];
  /** Field selector values besides metadata.name and metadata.namespace. */
  fields?(obj: KObject): Record<string, string>;
  table: TableDef;
  scale?: ScaleDef;
  /** Converts a stored object (storage version) to another served version, and back. */
  convertTo?(obj: KObject, version: string): KObject;
  convertFrom?(obj: KObject, version: string): KObject;
  /** Served verbs (discovery, OpenAPI, REST); all eight when absent. */
  verbs?: string[];
  /**
   * Marks a create-only "virtual" kind (access reviews, whoami): a POST is validated with
   * `validate`, answered with what this returns (the object with its status filled) and never
   * stored. `now` stamps kinds that carry a creation time.
   */
  review?(obj: KObject, user: ReviewUser, now: Date): KObject;
}

/** The verbs a resource serves. */
export function servedVerbs(def: Pick<ResourceDef, 'verbs'>): string[] {
  return def.verbs ?? ALL_VERBS;
}

export function apiVersionOf(def: ResourceDef, version = def.versions[0] ?? 'v1'): string {
  return def.group === '' ? version : `${def.group}/${version}`;
}

export interface ResourceDefHooks {
  /**
   * Seconds a delete waits before the object goes away (pods bound to a node: the kubelet
   * finishes the deletion). 0 = delete now. `requested` is DeleteOptions.gracePeriodSeconds.
   */
  gracefulDeletionSeconds?(obj: KObject, requested: number | undefined): number;
  /** What a DELETE answers with: the object itself (pods) or a Status (most kinds). */
  returnDeletedObject?: boolean;
  /** Something besides metadata.finalizers keeps a deleting object (a namespace's spec.finalizers). */
  blocksDeletion?(obj: KObject): boolean;
  /** Marks an object whose deletion has begun but must wait (a namespace becomes Terminating). */
  markDeleting?(obj: KObject): void;
}
