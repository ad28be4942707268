import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types';
import { recordUpdate } from './managed-fields';

const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
const now = new Date('2024-05-01T10:00:00Z');
const opts = (manager: string) => ({ manager, now, apiVersion: 'apps/v1', gvk });

const obj = (labels: Record<string, string>, replicas = 1): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', uid: 'u1', labels },
  spec: { replicas, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
});

describe('recordUpdate', () => {
  test('create: maps the writer added carry "." (as upstream shows for labels), structs that exist empty do not', () => {
    const mf = recordUpdate(undefined, obj({ app: 'web' }), opts('kubectl-client-side-apply'));
    assert.deepEqual(mf, [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });

  test('an existing object without managedFields stays untracked', () => {
    assert.equal(recordUpdate(obj({ a: '1' }), obj({ a: '2' }), opts('kubectl-edit')), undefined);
  });

  test('a changed field moves from its owner to the writer; untouched ones stay', () => {
    const old = obj({ app: 'web' }, 1);
    old.metadata.managedFields = recordUpdate(undefined, old, opts('creator')) ?? [];
    const next = { ...obj({ app: 'web' }, 2), metadata: { ...old.metadata } };
    const mf = recordUpdate(old, next, { ...opts('kubectl-edit'), now: new Date('2024-05-01T12:00:00Z') }) ?? [];
    assert.deepEqual(
      mf.map((m) => m.manager),
      ['creator', 'kubectl-edit'],
    );
    assert.deepEqual(mf[1]?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal((mf[0]?.fieldsV1?.['f:spec'] as Record<string, unknown>)['f:replicas'], undefined);
  });

  test('no change records nothing new', () => {
    const old = obj({ app: 'web' });
    old.metadata.managedFields = recordUpdate(undefined, old, opts('creator')) ?? [];
    const mf = recordUpdate(old, { ...old, metadata: { ...old.metadata, resourceVersion: '9' } }, opts('other'));
    assert.deepEqual(mf?.map((m) => m.manager), ['creator']);
  });
});
