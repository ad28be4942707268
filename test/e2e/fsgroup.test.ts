// A non-root pod writes to its volumes through securityContext.fsGroup, as with the kubelet: a
// block (ext4) claim's root is root-owned 0755, so without fsGroup user 1000 is refused; with
// fsGroup 2000 the volume is given group 2000, group rw and setgid, and new files inherit it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Berth, startBerth } from './harness';
import { kubectl } from './kubectl';
import { startTestRegistry } from './registry';
import { eventually } from './util';

describe('fsGroup on volumes', { timeout: 300_000 }, () => {
  let b: Berth;
  let registry: Awaited<ReturnType<typeof startTestRegistry>>;
  const k = (args: string[], input?: string) => kubectl(args, { kubeconfig: b.kubeconfig, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  const finished = (name: string) => eventually(async () => {
    const p = (await k(['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])).stdout;
    return p === 'Succeeded' || p === 'Failed' ? p : undefined;
  }, `pod ${name} to finish`, 90_000);
  const pod = (name: string, claim: string, securityContext: Record<string, unknown>) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      restartPolicy: 'Never', terminationGracePeriodSeconds: 1, securityContext,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'id; echo hi > /data/f && echo > /scratch/g && ls -ln /data/f /scratch/g && stat -c "%a %g" /data'], volumeMounts: [{ name: 'v', mountPath: '/data' }, { name: 's', mountPath: '/scratch' }] }],
      volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }, { name: 's', emptyDir: {} }],
    },
  });

  before(async () => {
    registry = await startTestRegistry();
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
  });
  after(async () => {
    await k(['delete', 'pods', '--all', '--wait=true']).catch(() => undefined);
    await k(['delete', 'pvc', '--all', '--wait=true']).catch(() => undefined);
    await b?.destroy();
    await registry?.stop();
  });

  test('user 1000 is refused without fsGroup and writes with fsGroup 2000 (block claim and emptyDir)', async () => {
    for (const c of ['plain', 'grouped']) {
      await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: c }, spec: { storageClassName: 'block', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '32Mi' } } } }));
    }
    await k(['apply', '-f', '-'], JSON.stringify(pod('nogroup', 'plain', { runAsUser: 1000, runAsGroup: 1000 })));
    assert.equal(await finished('nogroup'), 'Failed');
    assert.match((await k(['logs', 'nogroup'])).stdout, /Permission denied/);

    await k(['apply', '-f', '-'], JSON.stringify(pod('withgroup', 'grouped', { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000 })));
    assert.equal(await finished('withgroup'), 'Succeeded', (await k(['logs', 'withgroup'])).stdout);
    const out = (await k(['logs', 'withgroup'])).stdout;
    assert.match(out, /uid=1000 gid=1000 groups=.*2000/);
    assert.match(out, /-rw-r--r--\s+1 1000\s+2000 .* \/data\/f/, 'a new file inherits the group (setgid)');
    assert.match(out, /1000\s+2000 .* \/scratch\/g/, 'the emptyDir too');
    assert.match(out, /^2775 2000$/m, 'the volume root: group 2000, rwx, setgid');
  });
});
