import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors';
import type { KObject } from '../types';
import { applyPatch } from './apply';
import { encodeLastApplied, LAST_APPLIED_ANNOTATION } from './last-applied';
import { recordUpdate } from './managed-fields';

const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
const t0 = new Date('2024-05-01T10:00:00Z');
const t1 = new Date('2024-05-01T11:00:00Z');
const t2 = new Date('2024-05-01T12:00:00Z');
const CSA = 'kubectl-client-side-apply';

interface Shape {
  replicas?: number;
  image?: string;
  labels?: Record<string, string>;
  podLabel?: string;
}

const deployment = (o: Shape = {}): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', ...(o.labels ? { labels: o.labels } : {}) },
  spec: {
    replicas: o.replicas ?? 3,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: o.podLabel ?? 'web' } }, spec: { containers: [{ name: 'c', image: o.image ?? 'img:1' }] } },
  },
});

/**
 * What client-side `kubectl apply` leaves behind: `live` carrying the annotation (by default the
 * live configuration itself), every field owned by the client-side-apply Update manager.
 */
function clientSideApplied(live: KObject, annotation: string | null = encodeLastApplied(live)): KObject {
  const obj = structuredClone(live);
  if (annotation !== null) obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: annotation };
  obj.metadata.managedFields = recordUpdate(undefined, obj, { manager: CSA, now: t0, apiVersion: 'apps/v1', gvk }) ?? [];
  return { ...obj, metadata: { ...obj.metadata, uid: 'u1', resourceVersion: '1' } };
}

const apply = (live: KObject, applied: KObject, manager = 'kubectl') => applyPatch(live, applied, { manager, force: false, now: t1, apiVersion: 'apps/v1', gvk });

/** The conflicting fields an apply reports, or [] when it succeeds. */
function conflictsOf(fn: () => KObject): { fields: string[]; message: string } {
  try {
    fn();
    return { fields: [], message: '' };
  } catch (e) {
    assert.ok(e instanceof ApiError && e.code === 409, String(e));
    const causes = (e.details as { causes?: { field: string }[] }).causes ?? [];
    return { fields: causes.map((c) => c.field).sort(), message: e.message };
  }
}

describe('lastAppliedManager: conflicts excused by the last-applied annotation', () => {
  const cases: { name: string; live: () => KObject; applied: KObject; manager?: string; conflicts: string[]; owner?: string }[] = [
    { name: 'same values as the client-side apply', live: () => clientSideApplied(deployment()), applied: deployment(), conflicts: [] },
    {
      // lastappliedmanager_test "allowed update with no conflicts": live still equals the annotation, so kubectl owns it.
      name: 'a changed value the annotation still truthfully describes',
      live: () => clientSideApplied(deployment()),
      applied: deployment({ replicas: 5, image: 'img:2' }),
      conflicts: [],
    },
    {
      name: 'a changed value where live drifted from the annotation',
      live: () => clientSideApplied(deployment({ replicas: 100 }), encodeLastApplied(deployment())),
      applied: deployment({ replicas: 5 }),
      conflicts: ['.spec.replicas'],
      owner: CSA,
    },
    {
      name: 'only the unexcused conflicts are reported',
      live: () => clientSideApplied(deployment({ replicas: 100, labels: { app: 'web' } }), encodeLastApplied(deployment())),
      applied: deployment({ replicas: 5, labels: { app: 'new' }, podLabel: 'new', image: 'img:2' }),
      conflicts: ['.metadata.labels.app', '.spec.replicas'],
    },
    { name: 'an applier other than "kubectl"', live: () => clientSideApplied(deployment()), applied: deployment({ replicas: 5 }), manager: 'not-kubectl', conflicts: ['.spec.replicas'], owner: CSA },
    {
      name: 'a field another manager changed since',
      live: () => {
        const csa = clientSideApplied(deployment());
        const edited = deployment({ replicas: 7 });
        edited.metadata = { ...csa.metadata };
        edited.metadata.managedFields = recordUpdate(csa, edited, { manager: 'kubectl-edit', now: t1, apiVersion: 'apps/v1', gvk }) ?? [];
        return edited;
      },
      applied: deployment({ replicas: 5 }),
      conflicts: ['.spec.replicas'],
      owner: 'kubectl-edit',
    },
    { name: 'no annotation', live: () => clientSideApplied(deployment(), null), applied: deployment({ replicas: 5 }), conflicts: ['.spec.replicas'] },
    { name: 'an empty annotation', live: () => clientSideApplied(deployment(), ''), applied: deployment({ replicas: 5 }), conflicts: ['.spec.replicas'] },
    { name: 'an annotation that is not JSON', live: () => clientSideApplied(deployment(), '{"apiVersion":'), applied: deployment({ replicas: 5 }), conflicts: ['.spec.replicas'] },
    {
      name: 'an annotation of another apiVersion',
      live: () => clientSideApplied(deployment(), encodeLastApplied({ ...deployment(), apiVersion: 'extensions/v1beta1' })),
      applied: deployment({ replicas: 5 }),
      conflicts: ['.spec.replicas'],
    },
    {
      name: 'an annotation that does not fit the type',
      live: () => clientSideApplied(deployment(), JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', spec: 'not a struct' })),
      applied: deployment({ replicas: 5 }),
      conflicts: ['.spec.replicas'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = conflictsOf(() => apply(c.live(), c.applied, c.manager));
      assert.deepEqual(got.fields, c.conflicts);
      if (c.owner) assert.match(got.message, new RegExp(`conflict with "${c.owner}"`));
      // Forcing always resolves them, and the applied values land.
      const out = applyPatch(c.live(), c.applied, { manager: c.manager ?? 'kubectl', force: true, now: t1, apiVersion: 'apps/v1', gvk });
      assert.deepEqual(out.spec, c.applied.spec);
    });
  }

  test('excused fields move to the applier as if forced', () => {
    const out = apply(clientSideApplied(deployment()), deployment({ replicas: 5 }));
    const csa = out.metadata.managedFields?.find((m) => m.manager === CSA);
    assert.equal((csa?.fieldsV1?.['f:spec'] as Record<string, unknown>)['f:replicas'], undefined);
    const mine = out.metadata.managedFields?.find((m) => m.manager === 'kubectl');
    assert.ok((mine?.fieldsV1?.['f:spec'] as Record<string, unknown>)['f:replicas']);
  });
});

describe('lastAppliedUpdater: the annotation follows server-side applies', () => {
  const annotationAfter = (live: KObject, applied: KObject, manager = 'kubectl') => apply(live, applied, manager).metadata.annotations?.[LAST_APPLIED_ANNOTATION];

  test('present: rewritten to the applied configuration, as Go encodes it', () => {
    const applied = deployment({ labels: { app: 'web', tier: 'b&c' } });
    const got = annotationAfter(clientSideApplied(deployment({ labels: { app: 'web', tier: 'a' } })), applied);
    assert.equal(got, encodeLastApplied(applied));
    assert.ok(got?.endsWith('}\n'));
    assert.match(got ?? '', /^\{"apiVersion":"apps\/v1","kind":"Deployment","metadata":\{"labels":\{"app":"web","tier":"b\\u0026c"\}/);
    assert.deepEqual(JSON.parse(got ?? ''), applied);
  });

  test('absent: not added', () => {
    assert.equal(annotationAfter(clientSideApplied(deployment(), null), deployment({ replicas: 3 })), undefined);
    assert.equal(annotationAfter(clientSideApplied(deployment(), ''), deployment()), '');
    assert.equal(applyPatch(undefined, deployment(), { manager: 'kubectl', force: false, now: t0, apiVersion: 'apps/v1', gvk }).metadata.annotations, undefined);
  });

  test('another applier leaves it alone', () => {
    const live = clientSideApplied(deployment());
    const before = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
    assert.equal(annotationAfter(live, deployment(), 'other'), before);
  });

  test('the annotation sent in the configuration is not nested in itself; other annotations are kept', () => {
    const applied = deployment();
    applied.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: 'stale', note: 'x' };
    // Sending it at all conflicts with client-side apply's ownership of it, so force.
    const out = applyPatch(clientSideApplied(deployment()), applied, { manager: 'kubectl', force: true, now: t1, apiVersion: 'apps/v1', gvk });
    const got = out.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
    assert.equal(out.metadata.annotations?.['note'], 'x');
    assert.deepEqual((JSON.parse(got ?? '') as KObject).metadata.annotations, { note: 'x' });
  });

  test('past the annotations size limit it is dropped, not an error', () => {
    const live = clientSideApplied({ ...deployment(), metadata: { ...deployment().metadata, annotations: { big: 'x'.repeat(256 * 1024 - 2000) } } });
    const applied = deployment({ labels: { pad: 'y'.repeat(3000) } });
    const out = apply(live, applied);
    assert.equal(out.metadata.annotations?.[LAST_APPLIED_ANNOTATION], undefined);
    assert.equal(out.metadata.annotations?.['big']?.length, 256 * 1024 - 2000);
  });

  test('a repeated identical apply changes nothing, not even managedFields times', () => {
    const once = apply(clientSideApplied(deployment()), deployment());
    const stored = { ...once, metadata: { ...once.metadata, resourceVersion: '2' } };
    const twice = applyPatch(stored, deployment(), { manager: 'kubectl', force: false, now: t2, apiVersion: 'apps/v1', gvk });
    assert.deepEqual(twice, stored);
  });
});
