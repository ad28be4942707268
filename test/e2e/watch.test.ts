// Watch through kubectl (`get -w`) and through the raw API: resourceVersion semantics, 410 after
// compaction, bookmarks, timeouts, selector transitions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openBackend } from '../../src/store';
import { type Berth, startBerth } from './harness';
import { rawWatch } from './stream';
import { configMap, create, type Kubectl, kubectlFor, namespaceObj, spawnKubectl } from './util';

let b: Berth;
let k: Kubectl;
const ns = 'watching';
const cms = `/api/v1/namespaces/${ns}/configmaps`;

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
});
after(() => b?.destroy());

const listRv = async (path = cms) => {
  const r = await b.request('GET', path);
  assert.equal(r.status, 200, r.text);
  return (r.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
};

describe('kubectl get -w', () => {
  test('prints a row for the create, the update and the delete', async () => {
    const w = spawnKubectl(b, ['get', 'cm', '-n', ns, '-w', '--field-selector', 'metadata.name=w1']);
    try {
      await k(['create', '-n', ns, '-f', '-'], { input: configMap('w1') });
      await w.waitFor(/^w1\s+0\s+\S+\s*$/m);
      await k(['patch', '-n', ns, 'cm', 'w1', '--type=merge', '-p', '{"data":{"k":"v"}}']);
      await w.waitFor(/^w1\s+1\s+\S+\s*$/m);
      await k(['delete', '-n', ns, 'cm', 'w1']);
      await w.waitFor(/(^w1\s[^\n]*\n[^]*){3}/m);
      assert.match(w.stdout, /^NAME\s+DATA\s+AGE\s*$/m);
      assert.equal(w.stdout.match(/^NAME\s/gm)?.length, 1, `one header only:\n${w.stdout}`);
      assert.equal(w.stderr.replace(/^No resources found.*\n?/m, ''), '');
    } finally {
      await w.stop();
    }
  });

  test('--output-watch-events names each event', async () => {
    const w = spawnKubectl(b, ['get', 'cm', '-n', ns, '-w', '--output-watch-events', '--field-selector', 'metadata.name=w2']);
    try {
      await k(['create', '-n', ns, '-f', '-'], { input: configMap('w2') });
      await w.waitFor(/^ADDED\s+w2\s+0\s/m);
      await k(['label', '-n', ns, 'cm', 'w2', 'x=y']);
      await w.waitFor(/^MODIFIED\s+w2\s+0\s/m);
      await k(['delete', '-n', ns, 'cm', 'w2']);
      await w.waitFor(/^DELETED\s+w2\s+0\s/m);
      assert.match(w.stdout, /^EVENT\s+NAME\s+DATA\s+AGE\s*$/m);
    } finally {
      await w.stop();
    }
  });
});

describe('raw watch', () => {
  test('from a list resourceVersion: only later changes, in order, with increasing versions', async () => {
    await b.request('POST', cms, { metadata: { name: 'before-list' } });
    const rv = await listRv();
    const w = await rawWatch(b, `${cms}?watch=true&resourceVersion=${rv}`);
    try {
      assert.equal(w.status, 200);
      assert.equal((await b.request('POST', cms, { metadata: { name: 'r1' } })).status, 201);
      const put = await b.request('PUT', `${cms}/r1`, { metadata: { name: 'r1' }, data: { a: 'b' } });
      assert.equal(put.status, 200, put.text);
      assert.equal((await b.request('DELETE', `${cms}/r1`)).status, 200);
      await w.next((e) => e.type === 'DELETED');
      const seen = w.events.map((e) => [e.type, e.object.metadata?.name]);
      assert.deepEqual(seen, [['ADDED', 'r1'], ['MODIFIED', 'r1'], ['DELETED', 'r1']]);
      const rvs = w.events.map((e) => Number(e.object.metadata?.resourceVersion));
      assert.ok(rvs.every((v, i) => v > Number(rv) && (i === 0 || v > (rvs[i - 1] ?? 0))), `versions ${rvs.join(',')} after ${rv}`);
      assert.deepEqual(w.events[1]?.object.data, { a: 'b' });
    } finally {
      w.close();
    }
  });

  test('resourceVersion unset: synthetic ADDED for what exists, then changes', async () => {
    const w = await rawWatch(b, `${cms}?watch=true&fieldSelector=metadata.name%3Dbefore-list`);
    try {
      await w.next((e) => e.type === 'ADDED' && e.object.metadata?.name === 'before-list');
      await b.request('DELETE', `${cms}/before-list`);
      await w.next((e) => e.type === 'DELETED');
    } finally {
      w.close();
    }
  });

  test('a label selector turns "stops matching" into DELETED and "starts matching" into ADDED', async () => {
    const rv = await listRv();
    const w = await rawWatch(b, `${cms}?watch=true&resourceVersion=${rv}&labelSelector=tier%3Dfront`);
    try {
      await b.request('POST', cms, { metadata: { name: 'sel', labels: { tier: 'front' } } });
      await w.next((e) => e.type === 'ADDED');
      await k(['label', '-n', ns, 'cm', 'sel', 'tier=back', '--overwrite']);
      await w.next((e) => e.type === 'DELETED');
      await k(['label', '-n', ns, 'cm', 'sel', 'tier=front', '--overwrite']);
      await w.next((e) => e.type === 'ADDED', 2);
      assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'DELETED', 'ADDED']);
    } finally {
      w.close();
    }
  });

  test('timeoutSeconds ends the stream; allowWatchBookmarks is accepted', { timeout: 30_000 }, async () => {
    const w = await rawWatch(b, `${cms}?watch=true&resourceVersion=${await listRv()}&allowWatchBookmarks=true&timeoutSeconds=1`);
    assert.equal(w.status, 200);
    await w.ended;
    assert.ok(w.events.every((e) => e.type === 'BOOKMARK'), JSON.stringify(w.events));
  });

  test('sendInitialEvents: ADDED for current objects, then a BOOKMARK marking the end', async () => {
    const created = await b.request('POST', cms, { metadata: { name: 'init-a' } });
    const createdRv = Number((created.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
    const w = await rawWatch(b, `${cms}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=5`);
    try {
      const bm = await w.next((e) => e.type === 'BOOKMARK');
      assert.equal(bm.object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
      const idx = w.events.indexOf(bm);
      assert.ok(w.events.slice(0, idx).some((e) => e.type === 'ADDED' && e.object.metadata?.name === 'init-a'));
      assert.ok(Number(bm.object.metadata?.resourceVersion) >= createdRv, `bookmark at ${bm.object.metadata?.resourceVersion}, object at ${createdRv}`);
    } finally {
      w.close();
    }
  });

  test('a malformed resourceVersion is a 400, not a stream', async () => {
    const r = await b.request('GET', `${cms}?watch=true&resourceVersion=abc`);
    assert.equal(r.status, 400, r.text);
  });
});

describe('compaction', () => {
  test('a watch from a compacted revision gets an ERROR event with a 410 Expired Status', { timeout: 60_000 }, async () => {
    const old = await listRv();
    await b.request('POST', cms, { metadata: { name: 'after-old' } });
    // There is no way to ask the server to compact (the compactor runs every 5 minutes); compact the
    // stopped server's store through the Backend contract, as the compactor would.
    await b.stop();
    const backend = openBackend(`sqlite://${join(b.dataDir, 'state.db')}`);
    await backend.ready;
    await backend.compact(await backend.currentRevision());
    await backend.close();
    await b.restart();

    const w = await rawWatch(b, `${cms}?watch=true&resourceVersion=${old}`);
    assert.equal(w.status, 200);
    const err = await w.next((e) => e.type === 'ERROR');
    assert.equal(err.object.kind, 'Status');
    assert.equal(err.object.code, 410);
    assert.equal(err.object.reason, 'Expired');
    assert.match(err.object.message ?? '', /too old resource version/);
    await w.ended;

    // kubectl get -w copes: it lists afresh and watches from there.
    const got = await k(['get', 'cm', '-n', ns, 'after-old', '-o', 'name']);
    assert.equal(got.stdout.trim(), 'configmap/after-old');
    // A fresh list's version is watchable.
    const fresh = await rawWatch(b, `${cms}?watch=true&resourceVersion=${await listRv()}&timeoutSeconds=1`);
    await fresh.ended;
    assert.ok(!fresh.events.some((e) => e.type === 'ERROR'), JSON.stringify(fresh.events));
  });
});
