// managedFields written by clients, through the in-process client (the handlers' patch path).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allResources } from '../../machinery/resources';
import type { KObject } from '../../machinery/types';
import { MemoryBackend } from '../../store/memory';
import { admissionPlugins } from '../admission/plugins';
import { bootstrap } from '../bootstrap';
import { InProcessClient } from '../inprocess-client';
import { ObjectStore } from '../object-store';
import { Registry } from '../registry';

const registry = new Registry(allResources);
const ref = { group: 'apps', version: 'v1', plural: 'deployments' };

async function setup(): Promise<{ client: InProcessClient; live: KObject }> {
  const clock = { now: () => new Date('2026-11-28T10:00:00Z') };
  let n = 0;
  const store = new ObjectStore(new MemoryBackend(), clock, { uid: () => `uid-${++n}`, suffix: (k) => 'x'.repeat(k) }, admissionPlugins(registry));
  await bootstrap(store, registry, { ip: '127.0.0.1', port: 6443 });
  const client = new InProcessClient({ registry, store, clock, connectors: new Map() });
  const live = await client.create(
    ref,
    'default',
    {
      metadata: { name: 'd' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    },
    { fieldManager: 'creator' },
  );
  return { client, live };
}

describe('managedFields sent by clients', () => {
  test('a merge patch of managedFields: [{}] or [] resets them: the object keeps none', async () => {
    for (const reset of [[{}], []]) {
      const { client, live } = await setup();
      assert.equal(live.metadata.managedFields?.length, 1);
      const out = await client.patch(ref, 'default', 'd', 'merge', { metadata: { managedFields: reset } });
      assert.equal(out.metadata.managedFields, undefined);
      assert.equal((await client.get(ref, 'default', 'd')).metadata.managedFields, undefined);
    }
  });

  test('a JSON patch that only renames a manager is stored, not dropped as a no-op', async () => {
    const { client, live } = await setup();
    await client.patch(ref, 'default', 'd', 'json', [{ op: 'replace', path: '/metadata/managedFields/0/manager', value: 'renamed' }]);
    const got = await client.get(ref, 'default', 'd');
    assert.deepEqual(got.metadata.managedFields?.map((m) => m.manager), ['renamed']);
    assert.notEqual(got.metadata.resourceVersion, live.metadata.resourceVersion);
  });

  test('an identical write stays a no-op (same resourceVersion, same managedFields)', async () => {
    const { client, live } = await setup();
    const out = await client.patch(ref, 'default', 'd', 'merge', { spec: { replicas: 1 } }, { fieldManager: 'other' });
    assert.equal(out.metadata.resourceVersion, live.metadata.resourceVersion);
    assert.deepEqual(out.metadata.managedFields, live.metadata.managedFields);
  });

  test('malformed managedFields keys fall back to the live entries instead of failing', async () => {
    const { client, live } = await setup();
    const at = '/metadata/managedFields/0/fieldsV1/f:spec/f:template/f:spec/f:containers';
    for (const [key, value] of [['k:a', {}], ['v:{', {}], ['k:[1]', {}], ['i:x', {}], ['q', {}], ['f:x', 'not-an-object']] as const) {
      const out = await client.patch(ref, 'default', 'd', 'json', [{ op: 'add', path: `${at}/${key}`, value }], { fieldManager: 'other' });
      assert.deepEqual(out.metadata.managedFields, live.metadata.managedFields, key);
    }
  });
});
