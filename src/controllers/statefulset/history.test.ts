import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../machinery/types';
import { type Revision, historyStep, newRevision, revisionTemplate, revisionsToPrune, usesCurrentRevision } from './history';

const set = (image: string, extra: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 'web', namespace: 'n', uid: 'u1' },
  spec: { replicas: 3, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } }, ...extra },
  status,
});
const rev = (image: string, n: number): Revision => newRevision(set(image), n);
const pod = (revision: string): KObject => ({ metadata: { name: 'p', labels: { 'controller-revision-hash': revision } } });

test('historyStep: create, reuse the newest, renumber an older equal one, detect a name collision', () => {
  assert.equal(historyStep(set('a'), []).op, 'create');
  const made = historyStep(set('a'), []);
  assert.ok(made.op === 'create' && made.revision.revision === 1 && made.revision.metadata.name?.startsWith('web-'));
  assert.deepEqual(historyStep(set('a'), [rev('a', 1)]), { op: 'none' });
  const b = historyStep(set('b'), [rev('a', 1)]);
  assert.ok(b.op === 'create' && b.revision.revision === 2);
  // Back to "a" after "b": revision 1 becomes 3.
  assert.deepEqual(historyStep(set('a'), [rev('a', 1), rev('b', 2)]), { op: 'renumber', name: rev('a', 1).metadata.name, revision: 3 });
  // Same name, other data: a collision.
  const clash = { ...rev('a', 1), data: { spec: { template: { other: true } } } };
  assert.deepEqual(historyStep(set('a'), [clash]), { op: 'collision' });
});

test('revision data: the template as a replacing patch; revisionTemplate drops the directive', () => {
  const r = rev('a', 1);
  assert.equal((r.data?.spec?.template as Record<string, unknown>)['$patch'], 'replace');
  assert.deepEqual(revisionTemplate(r), (set('a').spec as { template: unknown }).template);
  assert.equal(r.metadata.ownerReferences?.[0]?.controller, true);
  assert.equal(r.metadata.labels?.['controller.kubernetes.io/hash'], r.metadata.name?.slice('web-'.length));
});

test('revisionsToPrune: oldest unused beyond the limit; live and used revisions stay', () => {
  const revs = ['a', 'b', 'c', 'd', 'e'].map((img, i) => rev(img, i + 1));
  const names = revs.map((r) => r.metadata.name ?? '');
  const s = set('e', { revisionHistoryLimit: 1 });
  // live: d (current), e (update); a pod still runs b → a and c are history; keep 1 (c).
  assert.deepEqual(revisionsToPrune(s, revs, [pod(names[1] ?? '')], [names[3] ?? '', names[4] ?? '']), [names[0]]);
  assert.deepEqual(revisionsToPrune(set('e'), revs, [], [names[4] ?? '']), [], 'default limit 10');
});

test('usesCurrentRevision: below the partition under RollingUpdate only', () => {
  const cases: [Record<string, unknown>, Record<string, unknown>, number, boolean][] = [
    [{ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, {}, 1, true],
    [{ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, {}, 2, false],
    [{ updateStrategy: { type: 'RollingUpdate' } }, { currentReplicas: 2 }, 1, true],
    [{ updateStrategy: { type: 'RollingUpdate' } }, { currentReplicas: 2 }, 2, false],
    [{ updateStrategy: { type: 'OnDelete' } }, { currentReplicas: 3 }, 0, false],
  ];
  for (const [spec, status, i, want] of cases) assert.equal(usesCurrentRevision(set('a', spec, status), i), want, JSON.stringify([spec, status, i]));
});
