// Create-only "virtual" kinds (SelfSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview):
// a POST is evaluated for the requesting user and answered 201; nothing reaches the store.
import { ApiError, errors } from '../../machinery/errors';
import { servedVerbs, type ResourceDef } from '../../machinery/resource';
import { type RequestContext, toRequestVersion, toStorageVersion } from './context';
import { checkFields } from './field-validation';
import { writeObject } from './output';
import { checkKind, dryRun, readObject } from './rest-write';

/** Verbs addressed to one named object; a kind serving none of them has no item path at all. */
const ITEM_VERBS = ['get', 'update', 'patch', 'delete'];

/**
 * Refuses a verb the resource doesn't serve the way kube-apiserver's router does: the path is
 * registered for some other method (405), or not registered at all (404).
 */
export function checkVerb(rc: RequestContext): void {
  const { def, info } = rc;
  const verbs = servedVerbs(def);
  if (verbs.includes(info.verb)) return;
  if (info.name && !ITEM_VERBS.some((v) => verbs.includes(v))) throw errors.pathNotFound();
  throw errors.methodNotAllowed();
}

export async function handleReview(rc: RequestContext): Promise<void> {
  const { def, info } = rc;
  if (!def.review) throw errors.internal(new Error(`${def.plural} is not a review kind`));
  if (info.verb !== 'create') throw errors.methodNotAllowed();
  const body = await readObject(rc);
  checkKind(rc, body);
  checkFields(rc, body);
  // Accepted and validated like any create; there is nothing to store either way.
  dryRun(rc.url.searchParams);
  const obj = toStorageVersion(def, body, info.version);
  const errs = def.validate?.(obj) ?? [];
  if (errs.length > 0) throw invalidReview(def, errs);
  const { name, groups, uid, extra } = rc.user;
  const out = def.review(obj, { name, groups: [...groups], ...(uid ? { uid } : {}), ...(extra ? { extra } : {}) }, rc.deps.clock.now());
  writeObject(rc, 201, toRequestVersion(def, out, info.version));
}

/**
 * Upstream's review storage reports errors against the decoded internal object, whose kind is
 * empty: the message reads `.authorization.k8s.io "" is invalid: ...` and details carry only the group.
 */
function invalidReview(def: ResourceDef, errs: Parameters<typeof errors.invalid>[3]): ApiError {
  const e = errors.invalid('', def.group, '', errs);
  return new ApiError('Invalid', e.message, { group: def.group, ...(e.details?.causes ? { causes: e.details.causes } : {}) });
}
