// The claims of a service account token, as kube-apiserver writes and checks them
// (pkg/serviceaccount/claims.go): registered claims plus a private "kubernetes.io" object naming
// the service account and what the token is bound to.
import type { JwtClaims } from './jwt';

/** kube-apiserver's default --service-account-issuer, also its default API audience. */
export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const API_AUDIENCES: readonly string[] = [ISSUER];

export interface Ref {
  name: string;
  uid: string;
}

export interface TokenFacts {
  namespace: string;
  serviceAccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
  audiences: string[];
  expirationSeconds: number;
  /** Set for pod-bound tokens whose expiry was extended: the time after which use is only warned about. */
  warnAfterSeconds?: number;
  now: Date;
  /** Token id (the jti claim, shown as the credential-id of the user). */
  id: string;
}

/** What a valid token says; checked against the objects it names by the authenticator. */
export interface VerifiedToken {
  namespace: string;
  serviceAccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
  id?: string;
}

/** Seconds a client's clock may run ahead of ours before nbf/iat refuse its token. */
const NBF_LEEWAY = 60;

export function username(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export function buildClaims(f: TokenFacts): JwtClaims {
  const now = Math.floor(f.now.getTime() / 1000);
  const k8s: Record<string, unknown> = { namespace: f.namespace };
  if (f.node) k8s.node = { ...f.node };
  if (f.pod) k8s.pod = { ...f.pod };
  if (f.secret) k8s.secret = { ...f.secret };
  k8s.serviceaccount = { ...f.serviceAccount };
  if (f.warnAfterSeconds !== undefined) k8s.warnafter = now + f.warnAfterSeconds;
  return {
    aud: [...f.audiences],
    exp: now + f.expirationSeconds,
    iat: now,
    iss: ISSUER,
    jti: f.id,
    'kubernetes.io': k8s,
    nbf: now,
    sub: username(f.namespace, f.serviceAccount.name),
  };
}

/** Checks issuer, times, audience and the subject's shape; `audiences` are the ones the API accepts. */
export function checkClaims(c: JwtClaims, now: Date, audiences: readonly string[]): { token: VerifiedToken } | { error: string } {
  if (c.iss !== ISSUER) return { error: `the issuer ${JSON.stringify(c.iss)} is not ${ISSUER}` };
  const t = now.getTime() / 1000;
  if (typeof c.exp !== 'number' || t >= c.exp) return { error: 'the token has expired' };
  if (typeof c.nbf === 'number' && t + NBF_LEEWAY < c.nbf) return { error: 'the token is not valid yet (nbf)' };
  if (typeof c.iat === 'number' && t + NBF_LEEWAY < c.iat) return { error: 'the token was issued in the future (iat)' };
  const aud = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? c.aud : [];
  if (!aud.some((a) => typeof a === 'string' && audiences.includes(a))) return { error: 'the token audiences do not include the API server' };
  const k = c['kubernetes.io'];
  if (typeof k !== 'object' || k === null) return { error: 'the token has no kubernetes.io claim' };
  const k8s = k as Record<string, unknown>;
  const sa = ref(k8s.serviceaccount);
  if (typeof k8s.namespace !== 'string' || !k8s.namespace || !sa) return { error: 'the kubernetes.io claim names no service account' };
  if (c.sub !== username(k8s.namespace, sa.name)) return { error: 'the subject does not match the kubernetes.io claim' };
  const pod = ref(k8s.pod);
  const secret = ref(k8s.secret);
  const node = ref(k8s.node);
  return {
    token: {
      namespace: k8s.namespace,
      serviceAccount: sa,
      ...(pod ? { pod } : {}),
      ...(secret ? { secret } : {}),
      ...(node ? { node } : {}),
      ...(typeof c.jti === 'string' ? { id: c.jti } : {}),
    },
  };
}

function ref(v: unknown): Ref | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  return typeof r.name === 'string' && r.name && typeof r.uid === 'string' ? { name: r.name, uid: r.uid } : undefined;
}
