// Drives the real kubectl binaries (1.27, 1.28, 1.32, 1.33) against a throwaway HTTP server that
// serves only /version, discovery and OpenAPI from hand-made defs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { discoveryResponse } from '../discovery/discovery';
import { testDefs } from '../discovery/test-defs';
import { openapiResponse } from './handler';

const KUBECTL = (minor: number): string => (minor === 32 ? 'kubectl' : `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`);
const log: { method: string; url: string; accept: string; status: number; type: string }[] = [];
let server: Server;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-openapi-e2e-'));
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    const accept = String(req.headers.accept ?? '');
    const path = url.split('?')[0] ?? '';
    let status = 404;
    let headers: Record<string, string> = { 'Content-Type': 'application/json' };
    let body: string | Buffer = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
    if (path === '/version') {
      status = 200;
      body = JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: '0', gitTreeState: 'clean',
        buildDate: '2024-12-11T00:00:00Z', goVersion: 'go1.23.3', compiler: 'gc', platform: 'linux/amd64' });
    } else if (path.startsWith('/openapi/') || path === '/swagger-2.0.0.pb-v1') {
      ({ status, headers, body } = openapiResponse(url, accept, testDefs, String(req.headers['if-none-match'] ?? '')));
    } else {
      const r = discoveryResponse(path, accept, testDefs);
      if (r) ({ status, headers, body } = r);
    }
    log.push({ method: req.method ?? '', url, accept, status, type: headers['Content-Type'] ?? '' });
    res.writeHead(status, headers);
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  writeFileSync(join(dir, 'config'), `apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "http://127.0.0.1:${port}"}}]
users: [{name: t, user: {}}]
contexts: [{name: t, context: {cluster: t, user: t, namespace: default}}]
current-context: t
`);
  writeFileSync(join(dir, 'pvc.yaml'), `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`);
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function kubectl(minor: number, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, KUBECONFIG: join(dir, 'config'), HOME: dir };
  return new Promise((resolve) => {
    execFile(KUBECTL(minor), [...args, `--cache-dir=${join(dir, `cache-${minor}-${Math.random()}`)}`], { env, timeout: 60_000 },
      (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

const onPath = (bin: string): boolean => (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, bin)));
const available = (minor: number): boolean => (minor === 32 ? onPath('kubectl') : existsSync(KUBECTL(minor)));

test('kubectl explain persistentvolumeclaim.spec prints upstream-like fields', async (t) => {
  if (!available(32)) return t.skip('no kubectl on PATH');
  const r = await kubectl(32, 'explain', 'persistentvolumeclaim.spec');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /KIND:\s+PersistentVolumeClaim/);
  assert.match(r.out, /VERSION:\s+v1/);
  assert.match(r.out, /FIELD: spec <PersistentVolumeClaimSpec>/);
  assert.match(r.out, /FIELDS:\n\s+accessModes\t<\[\]string>\n\s+accessModes contains the desired access modes/);
  assert.match(r.out, /resources\t<VolumeResourceRequirements>/);
  assert.match(r.out, /storageClassName\t<string>\n\s+storageClassName is the name of the StorageClass/);
  // As upstream: the field's own description, then its type's.
  assert.match(r.out, /DESCRIPTION:\n\s+spec defines the desired characteristics of a volume requested by a pod\n[\s\S]*persistentvolumeclaims\n\s+PersistentVolumeClaimSpec describes the common attributes/);
  assert.match(r.out, /dataSource\t<TypedLocalObjectReference>\n\s+dataSource field can be used to specify either/);
  assert.match(r.out, /volumeMode\t<string>\n\s+enum: Block, Filesystem\n\s+volumeMode defines/);
  assert.doesNotMatch(r.out, /<no description>/);
});

test('kubectl explain prints enums and model-typed field descriptions', async (t) => {
  if (!available(32)) return t.skip('no kubectl on PATH');
  const type = await kubectl(32, 'explain', 'deployment.spec.strategy.type');
  assert.equal(type.code, 0, type.err);
  assert.match(type.out, /FIELD: type <string>\nENUM:\n\s+Recreate\n\s+RollingUpdate\n/);
  assert.match(type.out, /Possible enum values:\n\s+- `"Recreate"` Kill all existing pods/);
  const sc = await kubectl(32, 'explain', 'pod.spec.securityContext');
  assert.equal(sc.code, 0, sc.err);
  assert.match(sc.out, /DESCRIPTION:\n\s+SecurityContext holds pod-level security attributes[\s\S]*\n\s+PodSecurityContext holds pod-level/);
  assert.match(sc.out, /appArmorProfile\t<AppArmorProfile>\n\s+appArmorProfile is the AppArmor options/);
});

test('kubectl explain deployment.spec.template (1.33) and --recursive', async (t) => {
  if (!available(33)) return t.skip('no kubectl 1.33');
  const r = await kubectl(33, 'explain', 'deployment.spec.template');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /GROUP:\s+apps/);
  assert.match(r.out, /FIELD: template <PodTemplateSpec>/);
  assert.match(r.out, /spec\t<PodSpec>/);
  const rec = await kubectl(33, 'explain', 'pods.spec.containers.resources', '--recursive');
  assert.equal(rec.code, 0, rec.err);
  assert.match(rec.out, /limits\t<map\[string\]Quantity>/);
});

test('kubectl 1.27 explain pods.spec', async (t) => {
  if (!available(27)) return t.skip('no kubectl 1.27');
  const r = await kubectl(27, 'explain', 'pods.spec');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /KIND:\s+Pod/);
  assert.match(r.out, /containers\t<\[\]Container> -required-/);
  assert.match(r.out, /securityContext\t<PodSecurityContext>\n\s+SecurityContext holds pod-level security attributes/);
});

test('kubectl 1.27 explain with the v2 (protobuf) template parses our encoding', async (t) => {
  if (!available(27)) return t.skip('no kubectl 1.27');
  const r = await kubectl(27, 'explain', 'deployment.spec.strategy', '--output=plaintext-openapiv2');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /KIND:\s+Deployment/);
  assert.match(r.out, /RESOURCE: strategy <Object>/);
  assert.match(r.out, /rollingUpdate\t<Object>/);
  assert.match(r.out, /type\t<string>\n\s+Type of deployment[\s\S]*Possible enum values:/);
});

test('kubectl api-resources lists names, short names, versions, scope, kinds', async (t) => {
  if (!available(32)) return t.skip('no kubectl on PATH');
  const r = await kubectl(32, 'api-resources');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => l.trim().split(/\s+/));
  assert.deepEqual(lines[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
  const rows = lines.slice(1).map((l) => l.join(' '));
  for (const want of ['pods po v1 true Pod', 'persistentvolumeclaims pvc v1 true PersistentVolumeClaim',
    'namespaces ns v1 false Namespace', 'deployments deploy apps/v1 true Deployment',
    'horizontalpodautoscalers hpa autoscaling/v2 true HorizontalPodAutoscaler',
    'storageclasses sc storage.k8s.io/v1 false StorageClass']) {
    assert.ok(rows.includes(want), `missing row "${want}" in\n${r.out}`);
  }
});

for (const minor of [27, 28, 32]) {
  test(`kubectl 1.${minor} apply --dry-run=client passes validation`, async (t) => {
    if (!available(minor)) return t.skip(`no kubectl 1.${minor}`);
    const from = log.length;
    const r = await kubectl(minor, 'apply', '--dry-run=client', '-f', join(dir, 'pvc.yaml'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /persistentvolumeclaim\/data created \(dry run\)/);
    const openapi = log.slice(from).filter((e) => e.url.startsWith('/openapi'));
    t.diagnostic(openapi.map((e) => `${e.method} ${e.url.replace(/hash=\w+/, 'hash=…')} [${e.accept}] -> ${e.status} ${e.type}`).join('\n'));
    if (minor <= 28) {
      const v2 = openapi.find((e) => e.url.split('?')[0] === '/openapi/v2');
      assert.ok(v2, 'kubectl 1.27/1.28 fetch /openapi/v2');
      assert.match(v2.accept, /application\/com\.github\.proto-openapi\.spec\.v2@v1\.0\+protobuf/);
      assert.equal(v2.type, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    }
  });
}
