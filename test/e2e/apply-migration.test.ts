// Moving objects between client-side and server-side `kubectl apply`, as kube-apiserver's
// lastAppliedManager and lastAppliedUpdater allow (test/cmd/apply.sh "upgrade"/"downgrade").
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { create, getJson, type Kubectl, kubectlFor, type Meta, namespaceObj } from './util';

let b: Berth;
let k: Kubectl;
const ns = 'migrating';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface Deploy {
  metadata: Meta;
  spec: { replicas: number };
}

const deployment = (name: string, o: { replicas?: number; labels?: Record<string, string> } = {}) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: o.labels ?? { app: name } },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } },
    },
  });

const clientSide = (input: string) => k(['apply', '-f', '-'], { input, allowFail: true });
const serverSide = (input: string, ...flags: string[]) => k(['apply', '--server-side', ...flags, '-f', '-'], { input, allowFail: true });
const deploy = (name: string) => getJson<Deploy>(k, ['deploy', '-n', ns, name]);

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await create(k, namespaceObj(ns));
});
after(() => b?.destroy());

describe('client-side to server-side apply', () => {
  test('the same file applies server-side without --force-conflicts', async () => {
    const file = deployment('same');
    assert.match((await clientSide(file)).stdout, /^deployment\.apps\/same created$/m);
    const r = await serverSide(file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^deployment\.apps\/same serverside-applied$/m);
  });

  test('a label kubectl applied client-side can be changed server-side; the annotation follows', async () => {
    const v1 = deployment('label', { labels: { app: 'label', tier: 'a' } });
    const v2 = deployment('label', { labels: { app: 'label', tier: 'b' } });
    await clientSide(v1);
    const r = await serverSide(v2);
    assert.equal(r.code, 0, r.stderr);
    const d = await deploy('label');
    assert.equal(d?.metadata.labels?.['tier'], 'b');
    const last = JSON.parse(d?.metadata.annotations?.[LAST_APPLIED] ?? '{}') as { metadata?: Meta };
    assert.equal(last.metadata?.labels?.['tier'], 'b', 'the annotation holds the server-side configuration');
    const view = await k(['apply', 'view-last-applied', '-n', ns, 'deploy/label', '-o', 'json']);
    assert.match(view.stdout, /"tier": "b"/);

    // Back to client-side with the new file: the three-way merge starts from v2, so nothing reverts.
    const back = await clientSide(v2);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /^deployment\.apps\/label (unchanged|configured)$/m);
    assert.deepEqual((await deploy('label'))?.metadata.labels, { app: 'label', tier: 'b' });
  });

  test('a label added server-side is removed by a later client-side apply of a file without it', async () => {
    const plain = deployment('prune');
    await clientSide(plain);
    assert.equal((await serverSide(deployment('prune', { labels: { app: 'prune', extra: 'x' } }))).code, 0);
    // Only an annotation that recorded "extra" lets kubectl's three-way merge see it as dropped.
    await clientSide(plain);
    assert.deepEqual((await deploy('prune'))?.metadata.labels, { app: 'prune' });
  });

  test('a changed replicas conflicts, naming .spec.replicas, for another field manager', async () => {
    await clientSide(deployment('other'));
    const r = await serverSide(deployment('other', { replicas: 5 }), '--field-manager=not-kubectl');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/);
    assert.equal((await deploy('other'))?.spec.replicas, 2);
  });

  test('a changed replicas conflicts, naming .spec.replicas, once live drifted from the annotation', async () => {
    await clientSide(deployment('drift'));
    await k(['patch', 'deploy', '-n', ns, 'drift', '--type=merge', '-p', '{"spec":{"replicas":4}}']);
    const r = await serverSide(deployment('drift', { replicas: 5 }));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl-patch" using apps\/v1: \.spec\.replicas/);
    assert.equal((await deploy('drift'))?.spec.replicas, 4);
  });

  test('a changed replicas kubectl itself applied, still live, is taken over (upstream allows it)', async () => {
    await clientSide(deployment('scaled'));
    const r = await serverSide(deployment('scaled', { replicas: 5 }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await deploy('scaled'))?.spec.replicas, 5);
  });

  test('an object applied server-side from the start never gains the annotation', async () => {
    await serverSide(deployment('fresh'));
    await serverSide(deployment('fresh', { replicas: 3 }));
    assert.equal((await deploy('fresh'))?.metadata.annotations?.[LAST_APPLIED], undefined);
  });
});
