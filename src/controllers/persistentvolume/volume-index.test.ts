import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { VolumeIndex } from './volume-index';
import { findBestMatchForClaim } from './match';

/** A small seeded PRNG (mulberry32): failures name their seed and replay. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  return { next, pick, chance: (p: number) => next() < p };
}
type R = ReturnType<typeof rng>;

// Equal values in different spellings, and one that does not parse.
const SIZES = ['1Gi', '1024Mi', '1073741824', '2Gi', '5Gi', '5G', '10Gi', '500Mi', 'bogus'];
const MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
const CLASSES = ['', 'fast', 'slow'];
const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } });
const nodes: KObject[] = ['n1', 'n2'].map((n) => ({ metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } }));

function modes(r: R): string[] {
  const out = MODES.filter(() => r.chance(0.4));
  if (r.chance(0.1)) out.push(out[0] ?? 'ReadWriteOnce');
  return out.length ? out : ['ReadWriteOnce'];
}

function volume(r: R, name: string, claims: readonly KObject[]): KObject {
  const c = r.pick(claims);
  const ref = r.pick([undefined, undefined, undefined, null, 'pre', 'pre-uid', 'pre-olduid', 'other'] as const);
  const claimRef =
    ref === 'pre' ? { namespace: 'ns', name: c.metadata.name }
    : ref === 'pre-uid' ? { namespace: 'ns', name: c.metadata.name, uid: c.metadata.uid }
    : ref === 'pre-olduid' ? { namespace: 'ns', name: c.metadata.name, uid: 'old' }
    : ref === 'other' ? { namespace: 'ns', name: 'someone-else' }
    : ref;
  const cls = r.pick(CLASSES);
  const host = r.pick([undefined, undefined, 'n1', 'n2']);
  return {
    metadata: {
      name,
      ...(r.chance(0.3) ? { labels: { tier: r.pick(['db', 'web']) } } : {}),
      ...(r.chance(0.05) ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(r.chance(0.1) ? { annotations: { 'volume.beta.kubernetes.io/storage-class': r.pick(CLASSES) } } : {}),
    },
    spec: {
      capacity: { storage: r.pick(SIZES) },
      accessModes: modes(r),
      ...(cls || r.chance(0.5) ? { storageClassName: cls } : {}),
      ...(claimRef !== undefined ? { claimRef } : {}),
      ...(r.chance(0.2) ? { volumeMode: r.pick(['Filesystem', 'Block']) } : {}),
      ...(r.chance(0.1) ? { volumeAttributesClassName: 'gold' } : {}),
      ...(host ? { nodeAffinity: onNode(host) } : {}),
    },
    status: { phase: r.pick(['Available', 'Available', 'Available', 'Bound', 'Released', 'Pending']) },
  };
}

function claim(r: R, i: number): KObject {
  return {
    metadata: { name: `c${i}`, namespace: 'ns', uid: `uid-${i}`, ...(r.chance(0.1) ? { annotations: { 'volume.beta.kubernetes.io/storage-class': r.pick(CLASSES) } } : {}) },
    spec: {
      accessModes: modes(r),
      resources: { requests: r.chance(0.05) ? {} : { storage: r.pick(SIZES.filter((s) => s !== 'bogus')) } },
      storageClassName: r.pick(CLASSES),
      ...(r.chance(0.2) ? { selector: { matchLabels: { tier: r.pick(['db', 'web']) } } } : {}),
      ...(r.chance(0.2) ? { volumeMode: r.pick(['Filesystem', 'Block']) } : {}),
      ...(r.chance(0.05) ? { volumeAttributesClassName: 'gold' } : {}),
    },
  };
}

test('VolumeIndex picks the same volume as findBestMatchForClaim over random sets, through updates and deletes', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const claims = Array.from({ length: 6 }, (_, i) => claim(r, i));
    // A Map keeps the order a list scan would see: updates in place, re-adds at the end.
    const list = new Map<string, KObject>();
    const index = new VolumeIndex();
    const n = 1 + Math.floor(r.next() * 40);
    for (let i = 0; i < n; i++) {
      const pv = volume(r, `pv${i}`, claims);
      list.set(`pv${i}`, pv);
      index.upsert(pv);
    }
    for (let step = 0; step < 30; step++) {
      const op = r.next();
      const name = `pv${Math.floor(r.next() * (n + 5))}`;
      if (op < 0.4) {
        const pv = volume(r, name, claims);
        list.set(name, pv);
        index.upsert(pv);
      } else if (op < 0.55) {
        list.delete(name);
        index.remove(name);
      }
      const c = r.pick(claims);
      const delayBinding = r.chance(0.2);
      const node = r.pick([undefined, ...nodes]);
      const opts = { delayBinding, ...(node ? { node } : {}) };
      const want = findBestMatchForClaim(c, [...list.values()], opts)?.metadata.name;
      assert.equal(index.bestMatch(c, opts)?.metadata.name, want, `seed ${seed} step ${step} claim ${c.metadata.name ?? ''}`);
    }
  }
});

test('VolumeIndex: skipped volumes are passed over for the next best; claimedBy and isFree follow updates', () => {
  const pv = (name: string, size: string, extra: Record<string, unknown> = {}, phase = 'Available'): KObject => ({
    metadata: { name }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'x', ...extra }, status: { phase },
  });
  const c: KObject = { metadata: { name: 'c', namespace: 'ns', uid: 'u' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'x', resources: { requests: { storage: '1Gi' } } } };
  const index = new VolumeIndex();
  for (const v of [pv('big', '10Gi'), pv('small', '1Gi'), pv('mid', '2Gi')]) index.upsert(v);
  assert.equal(index.bestMatch(c)?.metadata.name, 'small');
  assert.equal(index.bestMatch(c, {}, (n) => n === 'small')?.metadata.name, 'mid');
  assert.equal(index.isFree('small'), true);
  index.upsert(pv('small', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'u' } }));
  assert.equal(index.isFree('small'), false);
  assert.deepEqual(index.claimedBy('ns', 'c').map((v) => v.metadata.name), ['small']);
  index.upsert(pv('small', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'u' } }, 'Bound'));
  assert.equal(index.bestMatch(c)?.metadata.name, 'small', 'bound to the claim: still its match');
  index.remove('small');
  assert.deepEqual(index.claimedBy('ns', 'c'), []);
  assert.equal(index.bestMatch(c)?.metadata.name, 'mid');
});
