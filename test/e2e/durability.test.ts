// Every acknowledged write survives kill -9; restarts keep objects and resourceVersions keep rising.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { configMapObj, create, type Kubectl, kubectlFor, namespaceObj } from './util';

let b: Berth;
let k: Kubectl;
const ns = 'durable';
const cms = `/api/v1/namespaces/${ns}/configmaps`;

interface Item {
  metadata: { name: string; resourceVersion: string; uid: string };
  data?: Record<string, string>;
}

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
});
after(() => b?.destroy());

const listAll = async () => {
  const r = await b.request('GET', cms);
  assert.equal(r.status, 200, r.text);
  const list = r.body as { metadata: { resourceVersion: string }; items: Item[] };
  return { rv: Number(list.metadata.resourceVersion), byName: new Map(list.items.map((i) => [i.metadata.name, i])) };
};

describe('durability', () => {
  test('8 concurrent writers, kill -9 mid-way: every acknowledged ConfigMap is there after restart', async () => {
    const acked = new Map<string, Item>();
    let maxRv = 0;
    let killed = false;
    const killAt = 300;
    const writer = async (w: number) => {
      for (let n = 0; !killed; n++) {
        const name = `w${w}-${n}`;
        let r;
        try {
          r = await b.request('POST', cms, { metadata: { name }, data: { writer: String(w), n: String(n) } });
        } catch {
          return; // the server is gone
        }
        if (r.status !== 201) {
          if (killed) return;
          assert.fail(`POST ${name}: ${r.status} ${r.text}`);
        }
        const item = r.body as Item;
        acked.set(name, item);
        maxRv = Math.max(maxRv, Number(item.metadata.resourceVersion));
        if (acked.size >= killAt && !killed) {
          killed = true;
          b.kill9();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    assert.ok(acked.size >= killAt, `${acked.size} writes acknowledged`);
    assert.equal(new Set([...acked.values()].map((i) => i.metadata.resourceVersion)).size, acked.size, 'every write has its own resourceVersion');

    await b.restart();
    const { rv, byName } = await listAll();
    const missing = [...acked.keys()].filter((n) => !byName.has(n));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.size} acknowledged ConfigMaps lost`);
    for (const [name, item] of acked) {
      const got = byName.get(name);
      assert.equal(got?.metadata.uid, item.metadata.uid, name);
      assert.equal(got?.metadata.resourceVersion, item.metadata.resourceVersion, name);
      assert.deepEqual(got?.data, item.data, name);
    }
    assert.ok(rv >= maxRv, `list resourceVersion ${rv} < acknowledged ${maxRv}`);

    const after = await b.request('POST', cms, { metadata: { name: 'after-crash' } });
    assert.equal(after.status, 201, after.text);
    assert.ok(Number((after.body as Item).metadata.resourceVersion) > rv, 'resourceVersions keep increasing after a crash');
  });

  test('a clean restart keeps every object and its resourceVersion; new writes get higher versions', async () => {
    await create(k, configMapObj('before-restart', ns, { k: 'v' }));
    await create(k, namespaceObj('also-kept'));
    const before = await listAll();
    await b.restart();
    const afterList = await listAll();
    assert.equal(afterList.byName.size, before.byName.size);
    for (const [name, item] of before.byName) assert.equal(afterList.byName.get(name)?.metadata.resourceVersion, item.metadata.resourceVersion, name);
    assert.ok(afterList.rv >= before.rv, `the revision went back from ${before.rv} to ${afterList.rv}`);
    assert.match((await k(['get', 'ns', 'also-kept'])).stdout, /^also-kept\s+Active\s/m);
    assert.equal((await k(['get', 'cm', '-n', ns, 'before-restart', '-o', 'jsonpath={.data.k}'])).stdout, 'v');

    const r = await b.request('POST', cms, { metadata: { name: 'after-restart' } });
    assert.equal(r.status, 201, r.text);
    assert.ok(Number((r.body as Item).metadata.resourceVersion) > before.rv);
  });
});
