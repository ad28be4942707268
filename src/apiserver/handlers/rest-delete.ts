// delete and deletecollection, with DeleteOptions from the body or the query.
import { ApiError, errors } from '../../machinery/errors';
import type { DeleteOptions } from '../object-store';
import { type KObject, isObject } from '../../machinery/types';
import { decodeBody, readBody } from '../http/body';
import { bodyFormat } from '../http/negotiate';
import { type RequestContext, toRequestVersion } from './context';
import { parseListQuery } from './list-options';
import { typedList, writeObject } from './output';

const policies = ['Orphan', 'Background', 'Foreground'] as const;

async function deleteOptions(rc: RequestContext): Promise<DeleteOptions & { orphanDependentsFalse?: boolean }> {
  const q = rc.url.searchParams;
  const raw = await readBody(rc.req);
  let body: Record<string, unknown> = {};
  if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
    const decoded = decodeBody(raw, bodyFormat(rc.req.headers['content-type']));
    if (!isObject(decoded)) throw errors.badRequest('DeleteOptions must be a JSON object');
    body = decoded;
  }
  const opts: DeleteOptions & { orphanDependentsFalse?: boolean } = {};
  const grace = body.gracePeriodSeconds ?? (q.get('gracePeriodSeconds') !== null ? Number(q.get('gracePeriodSeconds')) : undefined);
  if (grace !== undefined) {
    if (typeof grace !== 'number' || !Number.isInteger(grace)) throw errors.badRequest('gracePeriodSeconds: must be an integer');
    // Upstream treats a negative grace period as 1 second.
    opts.gracePeriodSeconds = grace < 0 ? 1 : grace;
  }
  let policy = body.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
  const orphan = body.orphanDependents ?? (q.get('orphanDependents') !== null ? q.get('orphanDependents') === 'true' : undefined);
  if (policy !== undefined && orphan !== undefined) {
    throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
      { type: 'FieldValueInvalid', field: 'propagationPolicy', value: policy, hasValue: true, detail: 'orphanDependents and deletionPropagation cannot be both set' },
    ]);
  }
  if (orphan !== undefined) policy = orphan ? 'Orphan' : 'Background';
  if (orphan === false) opts.orphanDependentsFalse = true;
  if (policy !== undefined) {
    if (!policies.includes(policy as never)) {
      throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
        { type: 'FieldValueNotSupported', field: 'propagationPolicy', value: policy, hasValue: true, detail: `supported values: ${policies.map((p) => `"${p}"`).join(', ')}` },
      ]);
    }
    opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'] & string;
  }
  if (isObject(body.preconditions)) {
    const p = body.preconditions;
    opts.preconditions = {
      ...(typeof p.uid === 'string' ? { uid: p.uid } : {}),
      ...(typeof p.resourceVersion === 'string' ? { resourceVersion: p.resourceVersion } : {}),
    };
  }
  const dry = [...q.getAll('dryRun'), ...(Array.isArray(body.dryRun) ? (body.dryRun as unknown[]) : [])];
  for (const d of dry) if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${String(d)}": supported values: "All"`);
  if (dry.length) opts.dryRun = true;
  return opts;
}

function successStatus(rc: RequestContext, obj: KObject): Record<string, unknown> {
  const { def } = rc;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name ?? '', ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: obj.metadata.uid ?? '' },
  };
}

export async function handleDelete(rc: RequestContext): Promise<void> {
  const { def, info } = rc;
  const opts = await deleteOptions(rc);
  const { orphanDependentsFalse, ...storeOpts } = opts;
  const { obj, deleted } = await rc.deps.store.delete(def, info.namespace, info.name ?? '', storeOpts);
  if (deleted && !def.returnDeletedObject) return writeObject(rc, 200, successStatus(rc, obj));
  // Upstream answers 202 only for a pending cascading delete asked with orphanDependents=false.
  writeObject(rc, !deleted && orphanDependentsFalse && !opts.dryRun ? 202 : 200, toRequestVersion(def, obj, info.version));
}

export async function handleDeleteCollection(rc: RequestContext): Promise<void> {
  const { def, info } = rc;
  if (def.namespaced && info.namespace === undefined) throw errors.pathNotFound();
  const { orphanDependentsFalse: _o, ...opts } = await deleteOptions(rc);
  const q = parseListQuery(def, rc.url.searchParams);
  const page = await rc.deps.store.list(def, info.namespace, q.filter ? { filter: q.filter } : {});
  const items: KObject[] = [];
  for (const o of page.items) {
    try {
      const { obj } = await rc.deps.store.delete(def, info.namespace, o.metadata.name ?? '', opts);
      items.push(toRequestVersion(def, obj, info.version));
    } catch (err) {
      // Something else deleted it meanwhile: that is the outcome we wanted.
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }
  // As upstream, the list answered is the one read before deleting, at its revision.
  writeObject(rc, 200, typedList(def, info.version, { resourceVersion: String(page.revision) }, items));
}
