// What a REST handler needs for one request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../machinery/clock';
import { apiVersionOf, type ResourceDef } from '../../machinery/resource';
import type { KObject } from '../../machinery/types';
import type { UserInfo } from '../auth';
import type { ResourceRequest } from '../http/request-info';
import type { ObjectStore } from '../object-store';
import type { ServiceAccountTokens } from '../serviceaccount/tokens';
import type { Registry } from '../registry';

export interface ApiDeps {
  registry: Registry;
  store: ObjectStore;
  clock: Clock;
  /** Handlers for connect-style subresources (pods/log, pods/exec, ...), added by the node layer. */
  connectors: Map<string, (rc: RequestContext) => Promise<void>>;
  /** Issues and checks service account tokens (serviceaccounts/token); absent, that subresource is 404. */
  serviceAccountTokens?: ServiceAccountTokens;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: ResourceRequest;
  def: ResourceDef;
  deps: ApiDeps;
  userAgent: string;
  /** Who authenticated: reviews (SelfSubjectAccessReview, whoami) answer for this user. */
  user: UserInfo;
}

/** The object as served in the requested version (conversion from the storage version). */
export function toRequestVersion(def: ResourceDef, obj: KObject, version: string): KObject {
  const storage = def.versions[0];
  const out = version !== storage && def.convertTo ? def.convertTo(obj, version) : obj;
  const { apiVersion: _a, kind: _k, ...rest } = out;
  return { apiVersion: apiVersionOf(def, version), kind: def.kind, ...rest };
}

/** A request body in the requested version, converted to the storage version. */
export function toStorageVersion(def: ResourceDef, obj: KObject, version: string): KObject {
  const storage = def.versions[0] ?? version;
  const out = version !== storage && def.convertFrom ? def.convertFrom(obj, version) : obj;
  const { apiVersion: _a, kind: _k, ...rest } = out;
  return { apiVersion: apiVersionOf(def, storage), kind: def.kind, ...rest };
}
