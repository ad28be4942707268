import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiClient } from '../../machinery/client';
import { errors } from '../../machinery/errors';
import type { KObject } from '../../machinery/types';
import { markResizeFinished, nodeExpansionNeeded, resizeFinishedStatus } from './csi-expand';

test('nodeExpansionNeeded: only when the PV is larger than the claim status says', () => {
  const cases: [string, string, bigint | undefined][] = [
    ['2Gi', '1Gi', 2n * 1024n ** 3n],
    ['1Gi', '1Gi', undefined],
    ['1Gi', '1073741824', undefined],
    ['1G', '1Gi', undefined],
    ['2Gi', '', undefined],
    ['', '1Gi', undefined],
    ['garbage', '1Gi', undefined],
  ];
  for (const [pv, claim, want] of cases) assert.equal(nodeExpansionNeeded(pv, claim), want, `${pv} vs ${claim}`);
});

test('resizeFinishedStatus: capacity set, resize conditions and the storage resize status dropped, the rest kept', () => {
  const pending = { type: 'FileSystemResizePending', status: 'True' };
  const resizing = { type: 'Resizing', status: 'True' };
  const other = { type: 'ModifyingVolume', status: 'True' };
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['pending', { phase: 'Bound', capacity: { storage: '1Gi' }, conditions: [pending], allocatedResources: { storage: '2Gi' }, allocatedResourceStatuses: { storage: 'NodeResizePending' } },
      { phase: 'Bound', capacity: { storage: '2Gi' }, allocatedResources: { storage: '2Gi' } }],
    ['other conditions and statuses stay', { capacity: { storage: '1Gi' }, conditions: [resizing, other], allocatedResourceStatuses: { storage: 'NodeResizeInProgress', 'example.com/x': 'y' } },
      { capacity: { storage: '2Gi' }, conditions: [other], allocatedResourceStatuses: { 'example.com/x': 'y' } }],
    ['no status yet', {}, { capacity: { storage: '2Gi' } }],
  ];
  for (const [name, st, want] of cases) assert.deepEqual(resizeFinishedStatus(st, '2Gi'), want, name);
});

test('markResizeFinished: writes the status subresource and re-reads the claim on a conflict', async () => {
  let stored: KObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns', resourceVersion: '1' }, status: { capacity: { storage: '1Gi' }, conditions: [{ type: 'FileSystemResizePending' }] } };
  const writes: [string | undefined, string | undefined][] = [];
  let conflicts = 1;
  const client = {
    get: () => Promise.resolve(structuredClone(stored)),
    update: (_r: unknown, _ns: unknown, o: KObject, _opts: unknown, sub?: string) => {
      writes.push([o.metadata.resourceVersion, sub]);
      if (conflicts-- > 0) {
        // Someone else wrote in between: the next read sees version 2.
        stored = { ...stored, metadata: { ...stored.metadata, resourceVersion: '2' } };
        return Promise.reject(errors.modified({ group: '', resource: 'persistentvolumeclaims' }, 'c'));
      }
      stored = o;
      return Promise.resolve(o);
    },
  } as unknown as ApiClient;
  const got = await markResizeFinished(client, 'ns', 'c', '2Gi');
  assert.deepEqual(writes, [['1', 'status'], ['2', 'status']]);
  assert.deepEqual(got.status, { capacity: { storage: '2Gi' } });
});
