// The protobuf bodies kubectl 1.32+ sends for `kubectl auth can-i` and `kubectl auth whoami`
// decode to the JSON Go would write for the same objects (these commands have no client dry run
// to compare with, so the expected JSON is spelled out).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startFakeApiserver, type FakeApiserver } from './kubectl-harness';

const BINS = ['/usr/bin/kubectl', '/usr/lib/google-cloud-sdk/bin/kubectl.1.33'].filter((b) => existsSync(b));
const skip = BINS.length === 0 && 'kubectl is not installed';
const meta = { creationTimestamp: null };

let s: FakeApiserver;
before(async () => {
  if (!skip) s = await startFakeApiserver();
});
after(async () => {
  if (!skip) await s.close();
});

async function sent(args: string[], bin: string): Promise<{ path: string; object: Record<string, unknown> }> {
  const n = s.posts.length;
  // The fake server echoes the body, so can-i answers "no" (exit 1); only the request matters here.
  await s.kubectl(args, bin);
  assert.equal(s.posts.length, n + 1, `kubectl ${args.join(' ')} should POST once`);
  const post = s.posts[n]!;
  assert.equal(post.contentType, 'application/vnd.kubernetes.protobuf');
  return post;
}

for (const bin of BINS) {
  describe(`kubectl auth bodies (${bin})`, { skip }, () => {
    test('can-i on a resource and subresource', async () => {
      const p = await sent(['auth', 'can-i', 'get', 'pods', '--subresource=log', '-n', 'x'], bin);
      assert.equal(p.path, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
      assert.equal(JSON.stringify(p.object), JSON.stringify({
        kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: meta,
        spec: { resourceAttributes: { namespace: 'x', verb: 'get', resource: 'pods', subresource: 'log' } },
        status: { allowed: false },
      }));
    });
    test('can-i on a path', async () => {
      const p = await sent(['auth', 'can-i', 'get', '/logs/'], bin);
      assert.deepEqual(p.object.spec, { nonResourceAttributes: { path: '/logs/', verb: 'get' } });
    });
    test('can-i --list', async () => {
      const p = await sent(['auth', 'can-i', '--list', '-n', 'y'], bin);
      assert.equal(p.path, '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews');
      assert.equal(JSON.stringify(p.object), JSON.stringify({
        kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: meta, spec: { namespace: 'y' },
        status: { resourceRules: null, nonResourceRules: null, incomplete: false },
      }));
    });
    test('whoami', async () => {
      const p = await sent(['auth', 'whoami'], bin);
      assert.equal(p.path, '/apis/authentication.k8s.io/v1/selfsubjectreviews');
      assert.equal(JSON.stringify(p.object), JSON.stringify({
        kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: meta, status: { userInfo: {} },
      }));
    });
  });
}
