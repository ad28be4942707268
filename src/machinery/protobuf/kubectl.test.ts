// Real kubectl bodies: each command runs once against a capturing server (kubectl sends protobuf)
// and once with --dry-run=client -o json (kubectl prints the JSON of the same Go object); the
// decoded protobuf must equal that JSON, key order included.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bigPodOverride } from './kubectl-fixtures';
import { startFakeApiserver, type FakeApiserver } from './kubectl-harness';

const KUBECTL_132 = '/usr/bin/kubectl';
const KUBECTL_133 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const skip = !existsSync(KUBECTL_132) && 'kubectl is not installed';

let s: FakeApiserver;

before(async () => {
  if (skip) return;
  s = await startFakeApiserver();
  await writeFile(join(s.dir, 'a.txt'), 'hello\nworld\n');
  await writeFile(join(s.dir, 'blob.bin'), Buffer.from([0xff, 0x00, 0xfe, 0x80]));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(s.dir, 'tls.key'), '-out', join(s.dir, 'tls.crt'), '-subj', '/CN=berth.test', '-days', '1'],
  { stdio: 'ignore' });
});

after(async () => {
  if (!skip) await s.close();
});

/** Runs the command for real and as a client dry run; returns the decoded body and kubectl's JSON. */
async function both(args: string[], bin = KUBECTL_132): Promise<{ decoded: Record<string, unknown>; expected: unknown; path: string }> {
  const before = s.posts.length;
  const real = await s.kubectl(args, bin);
  assert.equal(real.code, 0, `kubectl ${args.join(' ')}: ${real.stderr}`);
  const sent = s.posts.slice(before);
  assert.equal(sent.length, 1, `expected one POST, got ${sent.length}`);
  const post = sent[0]!;
  assert.equal(post.contentType, PROTOBUF, 'kubectl should have sent protobuf');
  // Before any "--", or the flags would become the container's command.
  const dash = args.indexOf('--') < 0 ? args.length : args.indexOf('--');
  const dry = await s.kubectl([...args.slice(0, dash), '--dry-run=client', '-o', 'json', ...args.slice(dash)], bin);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(s.posts.length, before + 1, 'a client dry run sends nothing');
  return { decoded: post.object, expected: JSON.parse(dry.stdout), path: post.path };
}

async function same(args: string[], bin = KUBECTL_132): Promise<Record<string, unknown>> {
  const { decoded, expected } = await both(args, bin);
  assert.deepEqual(decoded, expected);
  // Go writes struct fields in declaration order and sorts map keys; so do we.
  assert.equal(JSON.stringify(decoded), JSON.stringify(expected));
  return decoded;
}

/**
 * kubectl run --overrides sends JSON, but kubectl debug --copy-to re-sends a stored pod as
 * protobuf. Seed the pod with kubectl's own Go-normalised JSON of the big override (from a
 * run dry run); the copy must decode to that JSON plus debug's documented changes.
 */
async function debugCopy(bin: string, name: string): Promise<void> {
  const dry = await s.kubectl(['run', name, '--image=busybox', '--restart=Never',
    `--overrides=${JSON.stringify(bigPodOverride)}`, '--dry-run=client', '-o', 'json'], bin);
  assert.equal(dry.code, 0, dry.stderr);
  const pod = JSON.parse(dry.stdout) as { metadata: Record<string, unknown>; spec: { containers: unknown[] } };
  pod.metadata.namespace = 'default';
  s.seed(`/api/v1/namespaces/default/pods/${name}`, pod);
  const before = s.posts.length;
  const r = await s.kubectl(['debug', name, `--copy-to=${name}-copy`, '--image=busybox', '--attach=false', '--container=dbg',
    '--share-processes=false', '--profile=general', '--keep-liveness', '--keep-readiness', '--keep-startup',
    '--keep-annotations', '--keep-labels'], bin);
  assert.equal(r.code, 0, r.stderr);
  const post = s.posts[before];
  assert.equal(post?.contentType, PROTOBUF);
  // What debug changes: a fresh ObjectMeta keeping labels and annotations, and one more container.
  const { labels, annotations } = pod.metadata;
  pod.metadata = { name: `${name}-copy`, namespace: 'default', creationTimestamp: null, labels, annotations };
  pod.spec.containers.push({ name: 'dbg', image: 'busybox', resources: {}, terminationMessagePolicy: 'File',
    securityContext: { capabilities: { add: ['SYS_PTRACE'] } } });
  assert.deepEqual(post.object, pod);
  assert.equal(JSON.stringify(post.object), JSON.stringify(pod));
}

describe('kubectl 1.32 protobuf creates decode to the JSON kubectl would send', { skip }, () => {
  test('create namespace', async () => {
    const o = await same(['create', 'namespace', 'x']);
    assert.deepEqual(o.metadata, { name: 'x', creationTimestamp: null });
  });
  test('create configmap with literals, a text file and a binary file', async () => {
    const o = await same(['create', 'configmap', 'c', '--from-literal=a=b', `--from-file=${join(s.dir, 'a.txt')}`,
      `--from-file=${join(s.dir, 'blob.bin')}`]);
    assert.deepEqual(o.binaryData, { 'blob.bin': Buffer.from([0xff, 0x00, 0xfe, 0x80]).toString('base64') });
  });
  test('create secret generic', async () => {
    const o = await same(['create', 'secret', 'generic', 's', '--from-literal=k=v', '--from-literal=empty=']);
    assert.deepEqual(o.data, { empty: '', k: Buffer.from('v').toString('base64') });
  });
  test('create secret tls', async () => {
    await same(['create', 'secret', 'tls', 't', `--cert=${join(s.dir, 'tls.crt')}`, `--key=${join(s.dir, 'tls.key')}`]);
  });
  test('create secret docker-registry', async () => {
    await same(['create', 'secret', 'docker-registry', 'r', '--docker-server=registry.example', '--docker-username=u',
      '--docker-password=p', '--docker-email=e@example.com']);
  });
  test('create serviceaccount', async () => {
    await same(['create', 'serviceaccount', 'sa']);
  });
  test('create deployment', async () => {
    const o = await same(['create', 'deployment', 'd', '--image=busybox', '--replicas=3', '--port=80']);
    assert.equal((o.spec as { replicas: number }).replicas, 3);
  });
  test('create deployment with zero replicas keeps the pointer zero', async () => {
    const o = await same(['create', 'deployment', 'd0', '--image=busybox', '--replicas=0', '--', 'sleep', '1d']);
    assert.equal((o.spec as { replicas: number }).replicas, 0);
  });
  for (const [kind, extra] of [
    ['clusterip', ['--tcp=80:8080', '--tcp=443:8443']],
    ['clusterip', ['--clusterip=None']],
    ['nodeport', ['--tcp=80:8080', '--node-port=30080']],
    ['loadbalancer', ['--tcp=80:http']],
    ['externalname', ['--external-name=db.example.com', '--tcp=5432']],
  ] as const) {
    test(`create service ${kind} ${extra.join(' ')}`, async () => {
      await same(['create', 'service', kind, `svc-${kind}-${extra.length}${extra[0]?.length ?? 0}`, ...extra]);
    });
  }
  test('autoscale (autoscaling/v1)', async () => {
    await same(['create', 'deployment', 'target', '--image=busybox']);
    const { decoded, expected, path } = await both(['autoscale', 'deployment', 'target', '--min=1', '--max=5', '--cpu-percent=50']);
    assert.match(path, /\/apis\/autoscaling\/v1\//);
    assert.deepEqual(decoded, expected);
  });
  test('debug --copy-to sends nearly the whole PodSpec tree', async () => {
    await debugCopy(KUBECTL_132, 'big');
  });
  test('run sends JSON, not protobuf, so it needs no decoding', async () => {
    const before = s.posts.length;
    await s.kubectl(['run', 'plain', '--image=busybox', '--restart=Never']);
    assert.equal(s.posts[before]?.contentType, 'application/json');
  });
  test('drain evicts with JSON bodies (typed, but not protobuf)', async () => {
    s.seed('/api/v1/nodes/n1', { kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1' }, spec: {} });
    s.seed('/api/v1/pods', { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{
      kind: 'Pod', apiVersion: 'v1', status: { phase: 'Running' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] },
      metadata: { name: 'p1', namespace: 'default',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] },
    }] });
    s.seed('/apis/apps/v1/namespaces/default/replicasets/rs', { kind: 'ReplicaSet', apiVersion: 'apps/v1', metadata: { name: 'rs' } });
    const before = s.posts.length;
    const r = await s.kubectl(['drain', 'n1', '--grace-period=0', '--timeout=10s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(s.posts[before]?.path, '/api/v1/namespaces/default/pods/p1/eviction');
    assert.equal(s.posts[before]?.contentType, 'application/json');
  });
  test('create token (TokenRequest; no dry run exists for it)', async () => {
    const before = s.posts.length;
    await s.kubectl(['create', 'token', 'sa', '--duration=10m', '--audience=a', '--audience=b']);
    const post = s.posts[before];
    assert.equal(post?.contentType, PROTOBUF);
    assert.deepEqual(post.object, {
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null },
      spec: { audiences: ['a', 'b'], expirationSeconds: 600, boundObjectRef: null },
      status: { token: '', expirationTimestamp: null },
    });
  });
});

describe('kubectl 1.33', { skip: skip || (!existsSync(KUBECTL_133) && 'kubectl 1.33 is not installed') }, () => {
  test('autoscale sends autoscaling/v2', async () => {
    await same(['create', 'deployment', 'target33', '--image=busybox'], KUBECTL_133);
    const { decoded, expected, path } = await both(
      ['autoscale', 'deployment', 'target33', '--min=2', '--max=5', '--cpu-percent=50'], KUBECTL_133);
    assert.match(path, /\/apis\/autoscaling\/v2\//);
    assert.deepEqual(decoded, expected);
  });
  test('debug --copy-to sends nearly the whole PodSpec tree', async () => {
    await debugCopy(KUBECTL_133, 'big33');
  });
});
