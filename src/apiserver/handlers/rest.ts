// REST verbs for every served resource: dispatch on verb and subresource.
import { errors } from '../../machinery/errors';
import { negotiate } from '../http/negotiate';
import { writeBody } from '../http/respond';
import { type ApiDeps, type RequestContext, toRequestVersion } from './context';
import { handleDelete, handleDeleteCollection } from './rest-delete';
import { handleCreate, handlePatch, handleUpdate } from './rest-write';
import { checkVerb, handleReview } from './rest-review';
import { encodeContinue, type ListQuery, parseListQuery, parseRevision } from './list-options';
import { toScale } from './scale';
import { buildTable, partialMetadata } from './table';
import { tableOpts, typedList, writeObject } from './output';
import { handleWatch } from './watch';
import { handleTokenRequest } from './token-request';


export async function handleResource(deps: ApiDeps, base: Omit<RequestContext, 'def' | 'deps'>): Promise<void> {
  const info = base.info;
  const def = deps.registry.lookup(info.group, info.version, info.resource);
  if (!def) throw errors.pathNotFound();
  const rc: RequestContext = { ...base, def, deps };
  checkScope(rc);
  if (!info.subresource) checkVerb(rc);
  if (def.review && !info.subresource) return handleReview(rc);
  if (info.subresource) {
    const sub = info.subresource;
    if (!def.subresources.includes(sub as never)) throw errors.pathNotFound();
    const connector = deps.connectors.get(`${def.plural}/${sub}`);
    if (connector) return connector(rc);
    if (sub === 'status' || sub === 'scale' || sub === 'finalize' || sub === 'binding') return writeSubresource(rc);
    if (sub === 'token') return handleTokenRequest(rc);
    throw errors.badRequest(`the ${sub} subresource of ${def.plural} needs a node agent, and none serves "${info.name ?? ''}"`);
  }
  switch (info.verb) {
    case 'get':
      return handleGet(rc);
    case 'list':
      return handleList(rc);
    case 'watch':
      return handleWatch(rc);
    case 'create':
      return handleCreate(rc);
    case 'update':
      return handleUpdate(rc);
    case 'patch':
      return handlePatch(rc);
    case 'delete':
      return handleDelete(rc);
    case 'deletecollection':
      return handleDeleteCollection(rc);
  }
}

function checkScope(rc: RequestContext): void {
  const { def, info } = rc;
  if (def.namespaced) {
    const crossNamespace = info.verb === 'list' || info.verb === 'watch' || (info.verb === 'create' && !!info.name);
    if (info.namespace === undefined && !crossNamespace) throw errors.pathNotFound();
  } else if (info.namespace !== undefined && !(def.group === '' && def.plural === 'namespaces' && info.name === info.namespace)) {
    // Only /api/v1/namespaces/NAME[/status|/finalize] names a cluster-scoped object under a namespace.
    throw errors.pathNotFound();
  }
  if (info.verb === 'create' && info.name && !info.subresource) throw errors.methodNotAllowed();
}

async function writeSubresource(rc: RequestContext): Promise<void> {
  const { info } = rc;
  if (info.verb === 'get') {
    if (info.subresource === 'binding' || info.subresource === 'finalize') throw errors.methodNotAllowed();
    const obj = await rc.deps.store.get(rc.def, info.namespace, info.name ?? '');
    const out = info.subresource === 'scale' ? toScale(rc.def, obj) : toRequestVersion(rc.def, obj, info.version);
    return writeObject(rc, 200, out);
  }
  if (info.verb === 'create' && info.subresource === 'binding') return handleCreate(rc);
  if (info.verb === 'update' && info.subresource !== 'binding') return handleUpdate(rc);
  if (info.verb === 'patch' && info.subresource !== 'binding' && info.subresource !== 'finalize') return handlePatch(rc);
  throw errors.methodNotAllowed();
}

async function handleGet(rc: RequestContext): Promise<void> {
  const { info, def } = rc;
  const obj = await rc.deps.store.get(def, info.namespace, info.name ?? '');
  const repr = negotiate(rc.req.headers.accept, true);
  if (repr === 'table') {
    const table = buildTable(def, [toRequestVersion(def, obj, info.version)], rc.deps.clock.now(), { resourceVersion: obj.metadata.resourceVersion ?? '' }, tableOpts(rc.url));
    return writeBody(rc.res, 200, table, false);
  }
  return writeObject(rc, 200, toRequestVersion(def, obj, info.version));
}

async function handleList(rc: RequestContext): Promise<void> {
  const { info, def } = rc;
  const q = parseListQuery(def, rc.url.searchParams);
  const repr = negotiate(rc.req.headers.accept, true);
  await checkListRevision(rc, q);
  const page = await rc.deps.store.list(def, info.namespace, {
    ...(q.filter ? { filter: q.filter } : {}),
    ...(q.limit ? { limit: q.limit } : {}),
    ...(q.startAfter ? { startAfter: q.startAfter } : {}),
  });
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(page.revision) };
  if (page.continueAfter) meta.continue = encodeContinue(page.continueAfter, page.revision);
  if (page.remaining !== undefined && page.continueAfter) meta.remainingItemCount = page.remaining;
  const items = page.items.map((o) => toRequestVersion(def, o, info.version));
  if (repr === 'table') return writeBody(rc.res, 200, buildTable(def, items, rc.deps.clock.now(), meta, tableOpts(rc.url)), false);
  if (repr === 'partial') {
    return writeBody(rc.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: items.map(partialMetadata) }, false);
  }
  return writeBody(rc.res, 200, typedList(def, info.version, meta, items), repr === 'yaml');
}


/**
 * What a list can promise about revisions. Berth serves lists from the newest state: an Exact
 * read of an older revision, or a continue token whose revision has been compacted away, is
 * refused as upstream refuses reads it cannot serve consistently (410).
 */
async function checkListRevision(rc: RequestContext, q: ListQuery): Promise<void> {
  const backend = rc.deps.store.backend;
  if (q.continueRevision !== undefined && q.continueRevision < (await backend.compactedRevision())) {
    throw errors.expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
  }
  const rv = parseRevision(q.resourceVersion);
  if (rv === 0) return;
  const current = await backend.currentRevision();
  if (rv > current) throw errors.timeout(`Too large resource version: ${rv}, current: ${current}`);
  if (q.resourceVersionMatch === 'Exact' && rv !== current) {
    if (rv < (await backend.compactedRevision())) throw errors.expired(`too old resource version: ${rv} (${current})`);
    throw errors.gone(`an exact read at resourceVersion ${rv} is not served (the current revision is ${current}): list with resourceVersionMatch=NotOlderThan instead`);
  }
}
