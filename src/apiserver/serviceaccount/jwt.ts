// Compact JWS (RFC 7515) with ES256, the one algorithm Berth signs service account tokens with.
// Verification accepts only ES256 so a token can't pick a weaker algorithm ("none", HS256).
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export type JwtResult = { claims: JwtClaims } | { error: string };

/** kube-apiserver's key id: the unpadded base64url SHA-256 of the public key's DER (PKIX) form. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url');
}

export function signJwt(claims: JwtClaims, key: KeyObject): string {
  const header = { alg: 'ES256', kid: keyId(key) };
  const input = `${encode(header)}.${encode(claims)}`;
  // JWS wants r||s (IEEE P1363), not the DER signature node:crypto makes by default.
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

/** Three base64url segments: worth handing to verifyJwt rather than to other authenticators. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/** The claims if `token` carries a valid ES256 signature by `key`; time and audience are not checked here. */
export function verifyJwt(token: string, key: KeyObject): JwtResult {
  if (!looksLikeJwt(token)) return { error: 'not a compact JWS' };
  const [h = '', c = '', s = ''] = token.split('.');
  const header = decode(h);
  if (!header || header.alg !== 'ES256') return { error: `unsupported signing algorithm ${JSON.stringify(header?.alg)}` };
  const sig = Buffer.from(s, 'base64url');
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (sig.length !== 64 || !verify('sha256', Buffer.from(`${h}.${c}`), { key: pub, dsaEncoding: 'ieee-p1363' }, sig)) {
    return { error: 'invalid signature' };
  }
  const claims = decode(c);
  return claims ? { claims } : { error: 'the claims are not a JSON object' };
}

function encode(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

function decode(segment: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
