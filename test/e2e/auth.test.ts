// kubectl auth can-i / can-i --list / whoami against the create-only review kinds, with kubectl
// 1.32 and 1.33 (protobuf bodies) and 1.27 (JSON bodies).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { kubectlVersions } from './kubectl';
import { type Kubectl, kubectlFor, rowNamed } from './util';

let b: Berth;
let k: Kubectl;

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
});
after(() => b?.destroy());

const versions = kubectlVersions().filter((v) => v === '1.27' || v === '1.32' || v === '1.33');

for (const version of versions) {
  describe(`kubectl ${version} auth`, () => {
    test('can-i create pods: yes', async () => {
      const r = await k(['auth', 'can-i', 'create', 'pods'], { version });
      assert.equal(r.stdout.trim(), 'yes');
    });

    test("can-i '*' '*' --all-namespaces: yes", async () => {
      const r = await k(['auth', 'can-i', '*', '*', '--all-namespaces'], { version });
      assert.equal(r.stdout.trim(), 'yes');
    });

    test('can-i on a subresource and on a path: yes', async () => {
      assert.equal((await k(['auth', 'can-i', 'get', 'pods', '--subresource=log', '-n', 'kube-system'], { version })).stdout.trim(), 'yes');
      assert.equal((await k(['auth', 'can-i', 'get', '/metrics'], { version })).stdout.trim(), 'yes');
    });

    test('can-i --list: the wildcard rules first', async () => {
      const r = await k(['auth', 'can-i', '--list'], { version });
      const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
      assert.deepEqual(lines[0], ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
      assert.deepEqual(lines[1], ['*.*', '[]', '[]', '[*]']);
      assert.deepEqual(lines[2], ['[*]', '[]', '[*]']);
      // What every authenticated user also holds (system:basic-user, system:discovery).
      assert.ok(lines.some((l) => l[0] === 'selfsubjectaccessreviews.authorization.k8s.io' && l[3] === '[create]'), r.stdout);
      assert.ok(lines.some((l) => l[0] === '[/api/*]' && l[2] === '[get]'), r.stdout);
    });

    test('whoami', async () => {
      const r = await k(['auth', 'whoami'], { version, allowFail: true });
      if (version === '1.27') {
        // kubectl 1.27 asks for authentication.k8s.io v1alpha1/v1beta1, which a 1.32 server doesn't enable by default.
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /the selfsubjectreviews API is not enabled in the cluster/);
        return;
      }
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Username\s+admin$/m);
      assert.match(r.stdout, /^Groups\s+\[system:masters system:authenticated\]$/m);
    });
  });
}

describe('the review resources over HTTP', () => {
  const ssar = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

  test('GET (list) and watch are 405; a named path does not exist', async () => {
    assert.equal((await b.request('GET', ssar)).status, 405);
    assert.equal((await b.request('GET', `${ssar}?watch=1`)).status, 405);
    assert.equal((await b.request('GET', '/apis/authentication.k8s.io/v1/selfsubjectreviews')).status, 405);
    assert.equal((await b.request('DELETE', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews')).status, 405);
    assert.equal((await b.request('GET', `${ssar}/x`)).status, 404);
  });

  test('kubectl get: MethodNotAllowed', async () => {
    const r = await k(['get', 'selfsubjectaccessreviews'], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /MethodNotAllowed/);
  });

  test('POST answers 201 with the status and stores nothing', async () => {
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } } };
    const r = await b.request('POST', ssar, body);
    assert.equal(r.status, 201);
    assert.deepEqual((r.body as { status: unknown }).status, { allowed: true });
    assert.equal((await b.request('POST', ssar, body)).status, 201, 'a second identical review is no conflict');
  });

  test('an invalid review is 422 with upstream message', async () => {
    const r = await b.request('POST', ssar, { spec: {} });
    assert.equal(r.status, 422);
    assert.equal((r.body as { message: string }).message,
      '.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  });

  test('a rules review needs a namespace', async () => {
    const r = await b.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: {} });
    assert.equal(r.status, 400);
    assert.equal((r.body as { message: string }).message, 'no namespace on request');
  });

  test('api-resources -o wide: VERBS create', async () => {
    const r = await k(['api-resources', '-o', 'wide']);
    for (const name of ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']) {
      const row = rowNamed(r.stdout, name);
      assert.equal(row['VERBS'], 'create', name);
      assert.equal(row['NAMESPACED'], 'false', name);
    }
  });
});
