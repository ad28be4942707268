// Self-test of the harness pieces that need no server.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { extractManifests, freePort, kubectl, kubectlVersions, readKubeconfig, seedDir, seedManifests } from './harness';

const seedFile = join(seedDir(), '000_8022b9678c1fa44f.txt');

interface Meta {
  kind: string;
  metadata: { name: string };
}
const docsOf = (y: string) => parseAllDocuments(y).map((d) => d.toJS() as Meta);

describe('seedManifests', { skip: !existsSync(seedFile) && `no seed at ${seedFile}` }, () => {
  const blocks = seedManifests();
  const ids = blocks.map((b) => docsOf(b).map((o) => `${o.kind}/${o.metadata.name}`).join('+'));

  test('finds every Kubernetes block in order, and not the docker-compose one', () => {
    assert.deepEqual(ids, [
      'Deployment/shared-volume-deployment',
      'PersistentVolume/nfs-pv+PersistentVolumeClaim/nfs-pvc',
      'Pod/mongo-pod',
      'PersistentVolumeClaim/csi-pvc',
      'Pod/mongo-pod',
    ]);
    assert.ok(!blocks.some((b) => b.includes('nfs-server-alpine')));
  });

  test('indented blocks come out dedented and parse to the same objects', () => {
    const deploy = blocks[0] ?? '';
    assert.ok(deploy.startsWith('apiVersion: apps/v1\nkind: Deployment\n'));
    const d = docsOf(deploy)[0] as unknown as { spec: { template: { spec: { containers: { name: string }[] } } } };
    assert.deepEqual(d.spec.template.spec.containers.map((c) => c.name), ['writer', 'reader']);
    const pvc = docsOf(blocks[3] ?? '')[0] as unknown as { spec: { storageClassName: string } };
    assert.equal(pvc.spec.storageClassName, 'vultr-block-storage-hdd');
    const mongo = docsOf(blocks[2] ?? '')[0] as unknown as { spec: { volumes: { persistentVolumeClaim: { claimName: string } }[] } };
    assert.equal(mongo.spec.volumes[0]?.persistentVolumeClaim.claimName, 'nfs-pvc');
  });
});

describe('extractManifests', () => {
  test('takes yaml/yml fences at any indent, skips other languages and non-Kubernetes YAML', () => {
    const md = [
      '```yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: a}',
      '```',
      '  ```Shell',
      '  kubectl apply -f x.yml',
      '  ```',
      '   ```yml',
      '   apiVersion: v1',
      '   kind: Secret',
      '   metadata:',
      '     name: b',
      '   ```',
      '```YAML',
      'version: "3"',
      'services: {}',
      '```',
      '```yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      '---',
      'not: kubernetes',
      '```',
    ].join('\n');
    assert.deepEqual(extractManifests(md), ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n']);
  });
});

describe('helpers', () => {
  test('freePort gives a bindable port', async () => {
    const p = await freePort();
    assert.ok(p > 0 && p < 65536);
  });

  test('readKubeconfig pulls the token and CA', () => {
    const kc = `apiVersion: v1\nkind: Config\nclusters:\n- name: berth\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: ${Buffer.from('PEM').toString('base64')}\nusers:\n- name: admin\n  user:\n    token: abc\n`;
    assert.deepEqual(readKubeconfig(kc), { token: 'abc', caPem: 'PEM' });
  });

  test('kubectl runs and reports its exit code', { skip: !existsSync('/usr/bin/kubectl') && 'no kubectl' }, async () => {
    const ok = await kubectl(['version', '--client', '-o', 'json']);
    assert.equal(ok.code, 0);
    assert.ok(JSON.parse(ok.stdout).clientVersion);
    const bad = await kubectl(['no-such-command'], { allowFail: true });
    assert.notEqual(bad.code, 0);
    await assert.rejects(kubectl(['no-such-command']), /exited/);
    const v = kubectlVersions()[0];
    if (v) {
      const pinned = await kubectl(['version', '--client', '-o', 'json'], { version: v });
      assert.equal(JSON.parse(pinned.stdout).clientVersion.minor, v.split('.')[1]);
    }
  });
});
