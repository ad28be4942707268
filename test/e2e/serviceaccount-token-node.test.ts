// On real containers: a pod finds the API credentials where every Kubernetes client library looks
// (/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}), read-only, and its
// token authenticates as the pod's service account, bound to the pod.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Berth, startBerth } from './harness';
import { kubectl } from './kubectl';
import { startTestRegistry } from './registry';
import { eventually } from './util';

const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('service account credentials inside a pod', { timeout: 240_000 }, () => {
  let b: Berth;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  const k = (args: string[], allowFail = false) => kubectl(args, { kubeconfig: b.kubeconfig, timeoutMs: 60_000, allowFail });

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
    await eventually(async () => (await k(['get', 'serviceaccount', 'default', '-o', 'name'], true)).code === 0, 'the default service account');
    await k(['run', 'creds', '--image=busybox', '--restart=Never', '--command', '--', 'sleep', '3600']);
    await eventually(async () => (await k(['get', 'pod', 'creds', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'the pod to run', 120_000);
  });
  after(async () => {
    await k(['delete', 'pod', 'creds', '--grace-period=1', '--wait=true'], true).catch(() => undefined);
    await b?.destroy();
    await registry?.stop();
  });

  const cat = async (file: string) => (await k(['exec', 'creds', '--', 'cat', `${DIR}/${file}`])).stdout;

  test('namespace and ca.crt are the pod\'s namespace and the cluster CA', async () => {
    assert.equal(await cat('namespace'), 'default');
    assert.equal((await cat('ca.crt')).trim(), b.caPem.trim());
  });

  test('the token is bound to the pod and authenticates as its service account', async () => {
    const token = await cat('token');
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; 'kubernetes.io': { pod: { name: string } } };
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.equal(claims['kubernetes.io'].pod.name, 'creds');
    const who = await k(['--token', token, 'auth', 'whoami']);
    assert.match(who.stdout, /^Username\s+system:serviceaccount:default:default$/m);
    assert.match(who.stdout, /^Extra: authentication.kubernetes.io\/pod-name\s+\[creds\]$/m);
  });

  test('the credentials are mounted read-only', async () => {
    const r = await k(['exec', 'creds', '--', 'sh', '-c', `touch ${DIR}/x`], true);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /Read-only file system/);
  });
});
