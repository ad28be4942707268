import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors';
import type { KObject } from '../types';
import { applyPatch } from './apply';
import { recordUpdate } from './managed-fields';

const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
const now = new Date('2024-05-01T10:00:00.123Z');
const later = new Date('2024-05-01T11:00:00Z');
const base = { manager: 'kubectl', force: false, now, apiVersion: 'apps/v1', gvk };

const deployment = (replicas: number, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas, template: { spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } }, ...extra },
});

/** A stored object: what the apiserver keeps after a write. */
const stored = (o: KObject): KObject => ({ ...o, metadata: { ...o.metadata, uid: 'u1', resourceVersion: '1' } });

describe('applyPatch', () => {
  test('create: the applier owns what it set, encoded as FieldsV1', () => {
    const out = applyPatch(undefined, deployment(3), base);
    assert.deepEqual(out.metadata.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
    assert.equal((out.spec as { replicas: number }).replicas, 3);
  });

  test('conflict with a client-side-apply Update manager', () => {
    const created = stored({ ...deployment(3) });
    created.metadata.managedFields = recordUpdate(undefined, created, { manager: 'kubectl-client-side-apply', now, apiVersion: 'apps/v1', gvk }) ?? [];
    assert.throws(
      () => applyPatch(created, deployment(5), { ...base, now: later }),
      (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, 409);
        assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
        assert.deepEqual(e.details, {
          causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }],
        });
        return true;
      },
    );
  });

  test('force takes ownership; same values are shared without conflict', () => {
    const created = stored(deployment(3));
    created.metadata.managedFields = recordUpdate(undefined, created, { manager: 'kubectl-client-side-apply', now, apiVersion: 'apps/v1', gvk }) ?? [];
    const out = applyPatch(created, deployment(5), { ...base, force: true, now: later });
    assert.equal((out.spec as { replicas: number }).replicas, 5);
    const csa = out.metadata.managedFields?.find((m) => m.manager === 'kubectl-client-side-apply');
    const spec = csa?.fieldsV1?.['f:spec'] as Record<string, unknown>;
    assert.equal(spec['f:replicas'], undefined);
    assert.ok(spec['f:template'], 'the shared template stays owned by both');
    const mine = out.metadata.managedFields?.find((m) => m.manager === 'kubectl');
    assert.equal(mine?.time, '2024-05-01T11:00:00Z');
  });

  test('several conflicts are grouped by manager', () => {
    const created = stored(deployment(3, { minReadySeconds: 1 }));
    created.metadata.managedFields = recordUpdate(undefined, created, { manager: 'kubectl-edit', now, apiVersion: 'apps/v1', gvk }) ?? [];
    assert.throws(
      () => applyPatch(created, deployment(5, { minReadySeconds: 2 }), base),
      (e: unknown) =>
        e instanceof ApiError &&
        e.message === 'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.minReadySeconds\n- .spec.replicas',
    );
  });

  test('fields the applier drops are pruned unless another manager owns them', () => {
    const first = applyPatch(undefined, { ...deployment(1), metadata: { name: 'web', labels: { a: '1', b: '2' } } }, base);
    const live = stored(first);
    const second = applyPatch(live, { ...deployment(1), metadata: { name: 'web', labels: { a: '1' } } }, { ...base, now: later });
    assert.deepEqual(second.metadata.labels, { a: '1' });
    // Another manager co-owns label b: dropping it from the applied config keeps it.
    const other = applyPatch(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { b: '2' } } }, { ...base, manager: 'other' });
    const third = applyPatch(stored(other), { ...deployment(1), metadata: { name: 'web', labels: { a: '1' } } }, { ...base, now: later });
    assert.deepEqual(third.metadata.labels, { a: '1', b: '2' });
  });

  test('an object nobody tracked belongs to before-first-apply', () => {
    const live = stored(deployment(3));
    assert.throws(
      () => applyPatch(live, deployment(4), base),
      (e: unknown) => e instanceof ApiError && e.message === 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
    );
  });

  test('status is not owned through the main resource', () => {
    const out = applyPatch(undefined, { ...deployment(1), status: { replicas: 1 } }, base);
    assert.equal(out.metadata.managedFields?.[0]?.fieldsV1?.['f:status'], undefined);
  });

  test('managedFields in the configuration is 400', () => {
    assert.throws(
      () => applyPatch(undefined, { ...deployment(1), metadata: { name: 'web', managedFields: [] } }, base),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'metadata.managedFields must be nil',
    );
  });

  test('finalizers are a set: v: elements', () => {
    const out = applyPatch(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['example.com/x'] } }, { ...base, apiVersion: 'v1', gvk: { group: '', kind: 'ConfigMap' } });
    assert.deepEqual(out.metadata.managedFields?.[0]?.fieldsV1, { 'f:metadata': { 'f:finalizers': { 'v:"example.com/x"': {} } } });
  });
});
