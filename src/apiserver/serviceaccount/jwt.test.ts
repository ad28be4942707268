import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { API_AUDIENCES, ISSUER, buildClaims, checkClaims, type TokenFacts } from './claims';
import { keyId, signJwt, verifyJwt } from './jwt';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const t0 = new Date('2026-11-28T10:00:00Z');
const facts: TokenFacts = {
  namespace: 'ns1',
  serviceAccount: { name: 'robot', uid: 'sa-uid' },
  pod: { name: 'p', uid: 'pod-uid' },
  audiences: [ISSUER],
  expirationSeconds: 600,
  now: t0,
  id: 'jti-1',
};
const seg = (token: string, i: number) => JSON.parse(Buffer.from(token.split('.')[i] ?? '', 'base64url').toString()) as Record<string, unknown>;

describe('JWT signing and verification', () => {
  test('a signed token verifies and carries upstream claims and header', () => {
    const token = signJwt(buildClaims(facts), privateKey);
    assert.deepEqual(seg(token, 0), { alg: 'ES256', kid: keyId(privateKey) });
    const v = verifyJwt(token, privateKey);
    assert.ok('claims' in v);
    assert.deepEqual(v.claims, {
      aud: [ISSUER],
      exp: t0.getTime() / 1000 + 600,
      iat: t0.getTime() / 1000,
      iss: 'https://kubernetes.default.svc.cluster.local',
      jti: 'jti-1',
      'kubernetes.io': { namespace: 'ns1', pod: { name: 'p', uid: 'pod-uid' }, serviceaccount: { name: 'robot', uid: 'sa-uid' } },
      nbf: t0.getTime() / 1000,
      sub: 'system:serviceaccount:ns1:robot',
    });
  });

  test('tampering, another key and other algorithms are refused', () => {
    const token = signJwt(buildClaims(facts), privateKey);
    const [h, c, s] = token.split('.') as [string, string, string];
    const claims = seg(token, 1);
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
    const flipped = Buffer.from(s, 'base64url');
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const cases: [string, string, RegExp][] = [
      ['changed claims', `${h}.${forged}.${s}`, /invalid signature/],
      ['flipped signature bit', `${h}.${c}.${flipped.toString('base64url')}`, /invalid signature/],
      ['signed by another key', signJwt(claims, other), /invalid signature/],
      ['alg none', `${none}.${c}.${s}`, /unsupported signing algorithm "none"/],
      ['not a JWS', 'abc.def', /not a compact JWS/],
      ['truncated signature', `${h}.${c}.${s.slice(0, 20)}`, /invalid signature/],
    ];
    for (const [name, tok, want] of cases) {
      const v = verifyJwt(tok, privateKey);
      assert.ok('error' in v && want.test(v.error), `${name}: ${JSON.stringify(v)}`);
    }
  });
});

describe('checkClaims', () => {
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  const cases: [string, Partial<TokenFacts>, Date, RegExp | undefined][] = [
    ['fresh', {}, at(1), undefined],
    ['one second before expiry', {}, at(599), undefined],
    ['at expiry', {}, at(600), /expired/],
    ['long expired', {}, at(86_400), /expired/],
    ['issued in the future (beyond leeway)', {}, at(-120), /not valid yet/],
    ['small clock skew', {}, at(-30), undefined],
    ['wrong audience', { audiences: ['vault'] }, at(1), /audiences/],
    ['one of several audiences', { audiences: ['vault', ISSUER] }, at(1), undefined],
  ];
  for (const [name, change, now, want] of cases) {
    test(name, () => {
      const r = checkClaims(buildClaims({ ...facts, ...change }), now, API_AUDIENCES);
      if (want) assert.ok('error' in r && want.test(r.error), JSON.stringify(r));
      else assert.ok('token' in r, JSON.stringify(r));
    });
  }

  test('issuer and subject must be ours and agree with kubernetes.io', () => {
    const c = buildClaims(facts);
    const r1 = checkClaims({ ...c, iss: 'https://evil' }, t0, API_AUDIENCES);
    assert.ok('error' in r1 && /issuer/.test(r1.error));
    const r2 = checkClaims({ ...c, sub: 'system:serviceaccount:ns1:other' }, t0, API_AUDIENCES);
    assert.ok('error' in r2 && /subject/.test(r2.error));
    const r3 = checkClaims({ ...c, 'kubernetes.io': undefined }, t0, API_AUDIENCES);
    assert.ok('error' in r3);
    const ok = checkClaims(c, t0, API_AUDIENCES);
    assert.deepEqual(ok, { token: { namespace: 'ns1', serviceAccount: { name: 'robot', uid: 'sa-uid' }, pod: { name: 'p', uid: 'pod-uid' }, id: 'jti-1' } });
  });
});
