// List/watch query options: selectors become a predicate; continue tokens carry the key to
// resume after, as upstream's opaque base64 continue token does.
import { errors } from '../../machinery/errors';
import type { ResourceDef } from '../../machinery/resource';
import type { KObject } from '../../machinery/types';
import { type FieldError, fe } from '../../machinery/field-errors';
import { objectFilter } from './filters';

export interface ListQuery {
  filter?: (o: KObject) => boolean;
  limit?: number;
  startAfter?: string;
  /** The revision the continue token's first page was read at. */
  continueRevision?: number;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
}

export function encodeContinue(key: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: key })).toString('base64url');
}

function decodeContinue(token: string): { start: string; rv: number } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; start?: unknown; rv?: unknown };
    if (t.v !== 'meta.k8s.io/v1' || typeof t.start !== 'string' || typeof t.rv !== 'number') throw new Error('unknown token format');
    return { start: t.start, rv: t.rv };
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

/** ListOptions validation as upstream's ValidateListOptions: bad combinations are 422. */
function validateListOptions(q: URLSearchParams, watch: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const match = q.get('resourceVersionMatch') ?? '';
  const rv = q.get('resourceVersion') ?? '';
  const sie = q.get('sendInitialEvents');
  if (match !== '') {
    if (watch && sie === null) errs.push(fe.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(fe.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && (rv === '' || rv === '0')) errs.push(fe.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    // A watch-list (sendInitialEvents) may leave resourceVersion empty: a consistent read of now.
    if (rv === '' && sie === null) errs.push(fe.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (q.get('continue')) errs.push(fe.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  if (sie !== null) {
    if (!watch) errs.push(fe.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
    else {
      if (q.get('allowWatchBookmarks') !== 'true') errs.push(fe.forbidden('allowWatchBookmarks', 'allowWatchBookmarks must be set to true when sendInitialEvents is provided'));
      if (match !== 'NotOlderThan') errs.push(fe.forbidden('resourceVersionMatch', "sendInitialEvents requires setting resourceVersionMatch to 'NotOlderThan'"));
    }
  }
  if (q.get('continue') && rv !== '' && rv !== '0') errs.push(fe.forbidden('resourceVersion', 'specifying resource version is not allowed when using continue'));
  return errs;
}

export function parseListQuery(def: ResourceDef, q: URLSearchParams, watch = false): ListQuery {
  const errs = validateListOptions(q, watch);
  if (errs.length) throw errors.invalid('ListOptions', 'meta.k8s.io', '', errs);
  const filter = objectFilter(def, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '');
  const limit = intParam(q, 'limit');
  const cont = q.get('continue');
  const token = cont ? decodeContinue(cont) : undefined;
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  const rv = q.get('resourceVersion');
  const sie = q.get('sendInitialEvents');
  const match = q.get('resourceVersionMatch');
  return {
    ...(filter ? { filter } : {}),
    ...(limit !== undefined && limit > 0 ? { limit } : {}),
    ...(token ? { startAfter: token.start, continueRevision: token.rv } : {}),
    ...(match === 'Exact' || match === 'NotOlderThan' ? { resourceVersionMatch: match } : {}),
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
