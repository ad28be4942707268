// The serviceaccounts/token subresource (authentication.k8s.io/v1 TokenRequest), with
// kube-apiserver's checks and answers (pkg/registry/core/serviceaccount/storage/token.go).
import { rfc3339 } from '../../machinery/clock';
import { errors } from '../../machinery/errors';
import { fe } from '../../machinery/field-errors';
import { nodeDef } from '../../machinery/resources/node';
import { podDef } from '../../machinery/resources/pod';
import { secretDef } from '../../machinery/resources/secret';
import { serviceAccountDef } from '../../machinery/resources/serviceaccount';
import { type JsonObject, type KObject, isObject } from '../../machinery/types';
import type { Ref, TokenFacts } from './claims';
import type { ResourceDef } from '../../machinery/resource';

export interface ObjectReader {
  tryGet(def: ResourceDef, ns: string | undefined, name: string): Promise<KObject | undefined>;
}

export interface TokenRequestEnv {
  reader: ObjectReader;
  now: Date;
  /** The audiences the API server itself accepts (the default for a request that names none). */
  apiAudiences: readonly string[];
  sign(facts: Omit<TokenFacts, 'id'>): string;
}

const KIND = 'TokenRequest';
const GROUP = 'authentication.k8s.io';
const DEFAULT_EXPIRATION = 3600;
const MIN_EXPIRATION = 600;
/** What the kubelet asks for in the projected volume the ServiceAccount admission adds. */
export const WARN_ONLY_EXPIRATION = 3607;
/** Such tokens stay valid a year, so workloads that don't reread their token keep working (upstream's safe transition). */
const EXTENDED_EXPIRATION = 365 * 24 * 3600;

/** Issues a token for service account NS/NAME as the TokenRequest in `body` asks; returns the answered TokenRequest. */
export async function requestToken(env: TokenRequestEnv, ns: string, name: string, body: KObject): Promise<KObject> {
  const meta = body.metadata;
  if (meta.name && meta.name !== name) {
    throw errors.invalid(KIND, GROUP, name, [fe.invalid('metadata.name', meta.name, 'must match the service account name if specified')]);
  }
  if (meta.namespace && meta.namespace !== ns) {
    throw errors.invalid(KIND, GROUP, name, [fe.invalid('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')]);
  }
  const sa = await env.reader.tryGet(serviceAccountDef, ns, name);
  if (!sa) throw errors.notFound({ group: '', resource: 'serviceaccounts' }, name);

  const spec: JsonObject = isObject(body.spec) ? { ...body.spec } : {};
  const audiences = stringList(spec.audiences);
  spec.audiences = audiences.length > 0 ? audiences : [...env.apiAudiences];
  spec.expirationSeconds ??= DEFAULT_EXPIRATION;
  const exp = spec.expirationSeconds;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) throw errors.badRequest(`spec.expirationSeconds: must be an integer, got ${JSON.stringify(exp)}`);
  if (exp < MIN_EXPIRATION) throw invalid(fe.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
  if (exp > 2 ** 32) throw invalid(fe.invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  if (spec.boundObjectRef === null) delete spec.boundObjectRef;

  const bound = isObject(spec.boundObjectRef) ? await boundObject(env.reader, ns, name, spec.boundObjectRef) : {};
  const kubeAudiences = (spec.audiences as string[]).every((a) => env.apiAudiences.includes(a));
  const extend = bound.pod !== undefined && exp === WARN_ONLY_EXPIRATION && kubeAudiences;
  const token = env.sign({
    namespace: ns,
    serviceAccount: { name, uid: sa.metadata.uid ?? '' },
    ...bound,
    audiences: spec.audiences as string[],
    expirationSeconds: extend ? EXTENDED_EXPIRATION : exp,
    ...(extend ? { warnAfterSeconds: exp } : {}),
    now: env.now,
  });
  const { creationTimestamp: _c, ...restMeta } = meta;
  return {
    apiVersion: `${GROUP}/v1`,
    kind: KIND,
    metadata: { ...restMeta, name, namespace: ns, creationTimestamp: rfc3339(env.now) },
    spec,
    status: { token, expirationTimestamp: rfc3339(new Date(env.now.getTime() + exp * 1000)) },
  };
}

function invalid(e: ReturnType<typeof fe.invalid>): Error {
  // Upstream validates before the name is filled in, so the message quotes an empty name.
  return errors.invalid(KIND, GROUP, '', [e]);
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

/** The Pod or Secret a token is bound to (and a pod's node): must exist, with the uid the reference names. */
async function boundObject(reader: ObjectReader, ns: string, saName: string, ref: JsonObject): Promise<{ pod?: Ref; secret?: Ref; node?: Ref }> {
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
  const refName = typeof ref.name === 'string' ? ref.name : '';
  const refUid = typeof ref.uid === 'string' ? ref.uid : '';
  if (apiVersion !== 'v1' || (kind !== 'Pod' && kind !== 'Secret')) {
    const gvk = apiVersion.includes('/') ? `${apiVersion}, Kind=${kind}` : `/${apiVersion}, Kind=${kind}`;
    throw errors.badRequest(`cannot bind token to object of type ${gvk}`);
  }
  const def = kind === 'Pod' ? podDef : secretDef;
  const obj = await reader.tryGet(def, ns, refName);
  if (!obj) throw errors.notFound({ group: '', resource: def.plural }, refName);
  const uid = obj.metadata.uid ?? '';
  if (refUid && refUid !== uid) {
    throw errors.conflict({ group: '', resource: kind }, refName, `the UID in the bound object reference (${refUid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (kind === 'Secret') return { secret: { name: refName, uid } };
  const spec = isObject(obj.spec) ? obj.spec : {};
  if ((spec.serviceAccountName ?? 'default') !== saName) {
    throw errors.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  }
  const nodeName = typeof spec.nodeName === 'string' ? spec.nodeName : '';
  // A pod's node is named in the token only if it can be read; a missing node is not an error.
  const node = nodeName ? await reader.tryGet(nodeDef, undefined, nodeName) : undefined;
  return { pod: { name: refName, uid }, ...(node ? { node: { name: nodeName, uid: node.metadata.uid ?? '' } } : {}) };
}
