// Service account tokens: issued through serviceaccounts/token, accepted as bearer tokens.
// A token authenticates while its signature, times and audience hold and the service account
// (and the pod or secret it is bound to) still exists with the uid it names, as upstream checks.
import { randomUUID, type KeyObject } from 'node:crypto';
import type { Clock } from '../../machinery/clock';
import { podDef } from '../../machinery/resources/pod';
import { secretDef } from '../../machinery/resources/secret';
import { serviceAccountDef } from '../../machinery/resources/serviceaccount';
import type { KObject } from '../../machinery/types';
import type { TokenAuthenticator, UserInfo } from '../auth';
import { API_AUDIENCES, buildClaims, checkClaims, type Ref, type TokenFacts, username, type VerifiedToken } from './claims';
import { looksLikeJwt, signJwt, verifyJwt } from './jwt';
import { type ObjectReader, requestToken } from './token-request';

/** A bound pod deleted longer ago than this no longer vouches for its tokens. */
const DELETED_GRACE_MS = 60_000;

export class ServiceAccountTokens implements TokenAuthenticator {
  constructor(
    private readonly key: KeyObject,
    private readonly reader: ObjectReader,
    private readonly clock: Clock,
    readonly apiAudiences: readonly string[] = API_AUDIENCES,
  ) {}

  /** POST serviceaccounts/NAME/token: the TokenRequest `body` answered with a token. */
  request(ns: string, name: string, body: KObject): Promise<KObject> {
    return requestToken({ reader: this.reader, now: this.clock.now(), apiAudiences: this.apiAudiences, sign: (f) => this.sign(f) }, ns, name, body);
  }

  sign(facts: Omit<TokenFacts, 'id'>): string {
    return signJwt(buildClaims({ ...facts, id: randomUUID() }), this.key);
  }

  /** The service account user a token stands for; undefined for a token that isn't ours or no longer holds. */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    if (!looksLikeJwt(token)) return undefined;
    const v = verifyJwt(token, this.key);
    if ('error' in v) return undefined;
    const now = this.clock.now();
    const c = checkClaims(v.claims, now, this.apiAudiences);
    if ('error' in c) return undefined;
    const t = c.token;
    const sa = await this.reader.tryGet(serviceAccountDef, t.namespace, t.serviceAccount.name);
    if (!live(sa, t.serviceAccount, now, 0)) return undefined;
    if (t.pod && !live(await this.reader.tryGet(podDef, t.namespace, t.pod.name), t.pod, now, DELETED_GRACE_MS)) return undefined;
    if (t.secret && !live(await this.reader.tryGet(secretDef, t.namespace, t.secret.name), t.secret, now, 0)) return undefined;
    return userFor(t);
  }
}

/** Exists with the same uid and is not (long) deleted. */
function live(obj: KObject | undefined, ref: Ref, now: Date, graceMs: number): boolean {
  if (!obj || obj.metadata.uid !== ref.uid) return false;
  const deleting = obj.metadata.deletionTimestamp;
  return !deleting || Date.parse(deleting) > now.getTime() - graceMs;
}

export function userFor(t: VerifiedToken): UserInfo {
  const extra: Record<string, string[]> = {};
  if (t.id) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${t.id}`];
  if (t.node) {
    extra['authentication.kubernetes.io/node-name'] = [t.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [t.node.uid];
  }
  if (t.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [t.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [t.pod.uid];
  }
  return {
    name: username(t.namespace, t.serviceAccount.name),
    uid: t.serviceAccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${t.namespace}`, 'system:authenticated'],
    extra,
  };
}
