// Service account tokens with the real kubectl: `kubectl create token` (protobuf from 1.32 on, JSON
// before), the token as a bearer credential (whoami works, everything beyond the default RBAC of
// authenticated users is Forbidden), and the API credentials volume ServiceAccount admission adds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Berth, startBerth } from './harness';
import { kubectlVersions } from './kubectl';
import { eventually, getJson, type Kubectl, kubectlFor } from './util';

let b: Berth;
let k: Kubectl;

before(async () => {
  b = await startBerth();
  k = kubectlFor(b);
  await eventually(async () => (await k(['get', 'serviceaccount', 'default', '-o', 'name'], { allowFail: true })).code === 0, 'the default service account');
});
after(() => b?.destroy());

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
const createToken = async (args: string[]) => (await k(['create', 'token', ...args])).stdout.trim();

describe('kubectl create token', () => {
  for (const version of kubectlVersions().filter((v) => v === '1.27' || v === '1.32' || v === '1.33')) {
    test(`kubectl ${version} gets a signed token for the service account`, async () => {
      const t = (await k(['create', 'token', 'default', '--duration=15m'], { version })).stdout.trim();
      assert.match(t, JWT);
      const c = claims(t);
      assert.equal(c.iss, 'https://kubernetes.default.svc.cluster.local');
      assert.equal(c.sub, 'system:serviceaccount:default:default');
      assert.deepEqual(c.aud, ['https://kubernetes.default.svc.cluster.local']);
      assert.equal((c.exp as number) - (c.iat as number), 900);
    });
  }

  test('refusals are upstream\'s', async () => {
    const ghost = await k(['create', 'token', 'ghost'], { allowFail: true });
    assert.notEqual(ghost.code, 0);
    // kubectl wraps the server's message in its own.
    assert.match(ghost.stderr, /^error: failed to create token: serviceaccounts "ghost" not found$/m);
    const short = await k(['create', 'token', 'default', '--duration=5m'], { allowFail: true });
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
  });
});

describe('a service account token as a credential', () => {
  test('whoami is the service account; listing pods is Forbidden with upstream\'s message', async () => {
    const t = await createToken(['default']);
    const who = await k(['--token', t, 'auth', 'whoami']);
    assert.match(who.stdout, /^Username\s+system:serviceaccount:default:default$/m);
    assert.match(who.stdout, /^Groups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]$/m);
    const sa = await getJson<{ metadata: { uid: string } }>(k, ['serviceaccount', 'default']);
    assert.match(who.stdout, new RegExp(`^UID\\s+${sa?.metadata.uid ?? '?'}$`, 'm'));

    const pods = await k(['--token', t, 'get', 'pods'], { allowFail: true });
    assert.notEqual(pods.code, 0);
    assert.match(
      pods.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"/,
    );
    assert.equal((await k(['--token', t, 'auth', 'can-i', 'create', 'pods'], { allowFail: true })).stdout.trim(), 'no');
    assert.equal((await k(['--token', t, 'auth', 'can-i', 'create', 'selfsubjectreviews.authentication.k8s.io'])).stdout.trim(), 'yes');
  });

  test('forged, foreign-audience and orphaned tokens are Unauthorized', async () => {
    const t = await createToken(['default']);
    const [h, , s] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims(t), sub: 'system:serviceaccount:kube-system:default' })).toString('base64url');
    await k(['create', 'serviceaccount', 'robot']);
    const robot = await createToken(['robot']);
    const vault = await createToken(['default', '--audience=vault']);
    assert.match((await k(['--token', robot, 'auth', 'whoami'])).stdout, /system:serviceaccount:default:robot/);
    await k(['delete', 'serviceaccount', 'robot']);
    for (const [what, token] of [['forged', `${h ?? ''}.${forged}.${s ?? ''}`], ['audience vault', vault], ['deleted service account', robot]] as const) {
      const r = await k(['--token', token, 'auth', 'whoami'], { allowFail: true });
      assert.notEqual(r.code, 0, what);
      assert.match(r.stderr, /Unauthorized/, what);
    }
  });

  test('a pod-bound token names the pod and dies with it', async () => {
    await k(['run', 'bound', '--image=busybox', '--restart=Never']);
    const pod = await getJson<{ metadata: { uid: string } }>(k, ['pod', 'bound']);
    const uid = pod?.metadata.uid ?? '';
    const t = await createToken(['default', '--bound-object-kind=Pod', '--bound-object-name=bound', `--bound-object-uid=${uid}`]);
    assert.deepEqual((claims(t)['kubernetes.io'] as { pod: unknown }).pod, { name: 'bound', uid });
    const who = await k(['--token', t, 'auth', 'whoami']);
    assert.match(who.stdout, new RegExp(`^Extra: authentication.kubernetes.io/pod-uid\\s+\\[${uid}\\]$`, 'm'));
    await k(['delete', 'pod', 'bound', '--wait=true']);
    const r = await k(['--token', t, 'auth', 'whoami'], { allowFail: true });
    assert.match(r.stderr, /Unauthorized/);
  });
});

describe('ServiceAccount admission', () => {
  test('a pod gets the kube-api-access projected volume mounted in every container', async () => {
    await k(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'creds' },
        spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }] },
      }),
    });
    type Spec = { volumes: { name: string; projected?: unknown }[]; initContainers: { volumeMounts: unknown[] }[]; containers: { volumeMounts: unknown[] }[]; serviceAccountName: string };
    const pod = await getJson<{ spec: Spec }>(k, ['pod', 'creds']);
    const vol = pod?.spec.volumes[0];
    assert.match(vol?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol?.projected, {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    });
    const mount = { name: vol?.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    for (const c of [...(pod?.spec.initContainers ?? []), ...(pod?.spec.containers ?? [])]) assert.deepEqual(c.volumeMounts, [mount]);
    assert.equal(pod?.spec.serviceAccountName, 'default');
    const described = (await k(['describe', 'pod', 'creds'])).stdout;
    assert.match(described, new RegExp(`^\\s+/var/run/secrets/kubernetes.io/serviceaccount from ${vol?.name ?? '?'} \\(ro\\)$`, 'm'));
    assert.match(described, /^\s+TokenExpirationSeconds:\s+3607$/m);
    assert.match(described, /^\s+ConfigMapName:\s+kube-root-ca.crt$/m);
  });

  test('automountServiceAccountToken: false on the service account keeps pods without it, unless the pod says true', async () => {
    await k(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false }) });
    await k(['run', 'quiet', '--image=busybox', '--restart=Never', '--overrides={"spec":{"serviceAccountName":"quiet"}}']);
    const pod = await getJson<{ spec: { volumes?: unknown[]; containers: { volumeMounts?: unknown[] }[] } }>(k, ['pod', 'quiet']);
    assert.equal(pod?.spec.volumes, undefined);
    assert.equal(pod?.spec.containers[0]?.volumeMounts, undefined);
    // The pod's own setting wins over its service account's.
    await k(['run', 'loud', '--image=busybox', '--restart=Never', '--overrides={"spec":{"serviceAccountName":"quiet","automountServiceAccountToken":true}}']);
    const loud = await getJson<{ spec: { volumes?: { name: string }[] } }>(k, ['pod', 'loud']);
    assert.match(loud?.spec.volumes?.[0]?.name ?? '', /^kube-api-access-/);
  });
});
