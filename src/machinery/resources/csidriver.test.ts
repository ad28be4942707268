import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../types';
import { csiDriverDef, csiNodeDef } from './csidriver';

const driver = (name: string, spec: Record<string, unknown> = {}): KObject => ({ metadata: { name }, spec });

test('CSIDriver: defaults as upstream, names must be DNS-1123 subdomains', () => {
  const d = driver('block.csi.berth.dev');
  csiDriverDef.default?.(d);
  assert.deepEqual(d.spec, { attachRequired: true, podInfoOnMount: false, requiresRepublish: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType', volumeLifecycleModes: ['Persistent'], seLinuxMount: false });
  assert.deepEqual(csiDriverDef.validate?.(d) ?? [], []);
  const bad = driver('berth.dev/block');
  csiDriverDef.default?.(bad);
  const errs = csiDriverDef.validate?.(bad) ?? [];
  assert.ok(errs.some((e) => e.field === 'metadata.name'), JSON.stringify(errs));
  const modes = driver('x.dev', { attachRequired: false, podInfoOnMount: false, requiresRepublish: false, storageCapacity: false, volumeLifecycleModes: ['Forever'] });
  assert.deepEqual((csiDriverDef.validate?.(modes) ?? []).map((e) => e.field), ['spec.volumeLifecycleModes[0]']);
});

test('CSIDriver: attachRequired is immutable; columns', () => {
  const a = driver('x.dev');
  csiDriverDef.default?.(a);
  const b = structuredClone(a);
  (b.spec as Record<string, unknown>)['attachRequired'] = false;
  assert.deepEqual(csiDriverDef.validateUpdate?.(b, a).map((e) => e.field), ['spec.attachRequired']);
  assert.deepEqual(csiDriverDef.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'ATTACHREQUIRED', 'PODINFOONMOUNT', 'STORAGECAPACITY', 'TOKENREQUESTS', 'REQUIRESREPUBLISH', 'MODES', 'AGE']);
  assert.deepEqual(csiDriverDef.table?.row(a, new Date()).slice(0, 7), ['x.dev', 'true', 'false', 'false', '<unset>', 'false', 'Persistent']);
});

test('CSINode: driver names and node IDs required, no duplicates', () => {
  const n: KObject = { metadata: { name: 'node-a' }, spec: { drivers: [{ name: 'a.dev', nodeID: 'node-a' }, { name: 'a.dev', nodeID: '' }] } };
  assert.deepEqual((csiNodeDef.validate?.(n) ?? []).map((e) => e.field), ['spec.drivers[1].name', 'spec.drivers[1].nodeID']);
  assert.deepEqual(csiNodeDef.table?.row(n, new Date()).slice(0, 2), ['node-a', 2]);
});
