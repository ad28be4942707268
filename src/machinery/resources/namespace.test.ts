import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../types';
import { finalizeNamespace, namespaceDef } from './namespace';

const created = (spec: Record<string, unknown> | undefined): KObject => {
  const o: KObject = { metadata: { name: 'dev' }, ...(spec === undefined ? {} : { spec }) };
  namespaceDef.default?.(o);
  namespaceDef.prepareForCreate?.(o, new Date('2026-01-01T00:00:00Z'));
  return o;
};

test('create always ends up with the "kubernetes" finalizer (upstream PrepareForCreate)', () => {
  const cases: [string, Record<string, unknown> | undefined, string[]][] = [
    ['no spec', undefined, ['kubernetes']],
    ['no finalizers', {}, ['kubernetes']],
    ['empty list', { finalizers: [] }, ['kubernetes']],
    ['only custom ones: appended', { finalizers: ['example.com/a'] }, ['example.com/a', 'kubernetes']],
    ['already there: kept once, order kept', { finalizers: ['kubernetes', 'example.com/a'] }, ['kubernetes', 'example.com/a']],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual((created(spec).spec as { finalizers?: unknown }).finalizers, want, name);
});

test('defaulting alone never adds finalizers (it also runs on updates and finalize)', () => {
  const o: KObject = { metadata: { name: 'dev' }, spec: {} };
  namespaceDef.default?.(o);
  assert.deepEqual(o.spec, {});
  assert.deepEqual(o.status, { phase: 'Active' });
});

test('updates keep the stored finalizers; only finalize changes them', () => {
  const old = created({});
  const upd: KObject = { metadata: { name: 'dev' }, spec: { finalizers: [] } };
  namespaceDef.default?.(upd);
  namespaceDef.prepareForUpdate?.(upd, old);
  assert.deepEqual((upd.spec as { finalizers: string[] }).finalizers, ['kubernetes']);
  const fin = finalizeNamespace(old, { metadata: { name: 'dev' }, spec: { finalizers: [] } });
  assert.deepEqual((fin.spec as { finalizers: string[] }).finalizers, []);
});
