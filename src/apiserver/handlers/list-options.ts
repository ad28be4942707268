// List/watch query options: selectors become a predicate; continue tokens carry the key to
// resume after, as upstream's opaque base64 continue token does.
import { errors } from '../../machinery/errors';
import type { ResourceDef } from '../../machinery/resource';
import type { KObject } from '../../machinery/types';
import { objectFilter } from './filters';

export interface ListQuery {
  filter?: (o: KObject) => boolean;
  limit?: number;
  startAfter?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
}

export function encodeContinue(key: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: key })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; start?: unknown };
    if (t.v !== 'meta.k8s.io/v1' || typeof t.start !== 'string') throw new Error('unknown token format');
    return t.start;
  } catch (err) {
    throw errors.badRequest(`continue key is not valid: ${(err as Error).message}`, err);
  }
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for ${name}: "${v}" is not an integer`);
  return Number(v);
}

export function parseListQuery(def: ResourceDef, q: URLSearchParams): ListQuery {
  const filter = objectFilter(def, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '');
  const limit = intParam(q, 'limit');
  const cont = q.get('continue');
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  const rv = q.get('resourceVersion');
  const sie = q.get('sendInitialEvents');
  return {
    ...(filter ? { filter } : {}),
    ...(limit !== undefined && limit > 0 ? { limit } : {}),
    ...(cont ? { startAfter: decodeContinue(cont) } : {}),
    ...(rv ? { resourceVersion: rv } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
    ...(sie !== null ? { sendInitialEvents: sie === 'true' } : {}),
  };
}

/** A resourceVersion query parameter as a store revision (400 when malformed). */
export function parseRevision(rv: string | undefined): number {
  if (!rv) return 0;
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: "${rv}"`);
  return Number(rv);
}
