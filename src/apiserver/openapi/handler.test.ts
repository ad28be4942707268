import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { testDefs } from '../discovery/test-defs';
import { setModelsPath } from './models';
import { openapiResponse, V2_PROTO_ACCEPT, V2_PROTO_CONTENT_TYPE } from './handler';
import { decodeSwagger } from './proto';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON documents are navigated loosely in assertions
type J = any;

const json = (path: string, accept = 'application/json'): J => {
  const r = openapiResponse(path, accept, testDefs);
  assert.ok(r);
  assert.equal(r.status, 200, String(r.body));
  return JSON.parse(String(r.body));
};

test('v3 index lists group-versions with hashed URLs', () => {
  const idx = json('/openapi/v3');
  assert.deepEqual(Object.keys(idx.paths), ['api/v1', 'apis/apps/v1', 'apis/autoscaling/v1', 'apis/autoscaling/v2', 'apis/storage.k8s.io/v1']);
  assert.match(idx.paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
});

test('v3 document: PATCH has GVK, fieldValidation and patch content types', () => {
  const doc = json('/openapi/v3/api/v1');
  const patch = doc.paths['/api/v1/namespaces/{namespace}/persistentvolumeclaims/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'PersistentVolumeClaim' });
  assert.ok(patch.parameters.some((p: J) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.deepEqual(Object.keys(patch.requestBody.content), ['application/json-patch+json', 'application/merge-patch+json',
    'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
  const pvc = doc.components.schemas['io.k8s.api.core.v1.PersistentVolumeClaim'];
  assert.deepEqual(pvc['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'PersistentVolumeClaim' }]);
  const spec = doc.components.schemas['io.k8s.api.core.v1.PersistentVolumeClaimSpec'];
  assert.match(spec.properties.storageClassName.description, /storageClassName is the name of the StorageClass/);
  const res = doc.components.schemas['io.k8s.api.core.v1.VolumeResourceRequirements'];
  assert.equal(res.properties.requests.additionalProperties.$ref, '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity');
  assert.deepEqual(doc.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }]);
  const podSpec = doc.components.schemas['io.k8s.api.core.v1.PodSpec'];
  assert.equal(podSpec.properties.containers['x-kubernetes-patch-merge-key'], 'name');
  assert.ok(podSpec.required.includes('containers'));
  assert.ok(doc.paths['/api/v1/watch/namespaces/{namespace}/pods/{name}']);
});

test('v3 schemas: model-typed fields keep their own description beside the ref, enums on strings', () => {
  const schemas = json('/openapi/v3/api/v1').components.schemas;
  const spec = schemas['io.k8s.api.core.v1.PersistentVolumeClaimSpec'].properties;
  // client-node has no JSDoc for these; it comes from kubernetes-models.
  assert.match(spec.dataSource.description, /^dataSource field can be used to specify either/);
  assert.deepEqual(spec.dataSource.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.TypedLocalObjectReference' }]);
  // Upstream's line breaks in a list survive (kubernetes-models keeps one JSDoc line per line).
  assert.match(spec.dataSourceRef.description, /dataSourceRef\n {2}allows any non-core object/);
  assert.match(schemas['io.k8s.api.core.v1.PersistentVolumeClaim'].properties.spec.description, /^spec defines the desired characteristics/);
  assert.deepEqual(spec.volumeMode.enum, ['Block', 'Filesystem']);
  assert.match(spec.volumeMode.description, /claim spec\.\n\nPossible enum values:\n - `"Block"` means/);
  assert.deepEqual(spec.accessModes.items.enum, ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod']);
  // kubernetes-models narrows apiVersion/kind to the kind's own value; that is no enum upstream.
  assert.equal(schemas['io.k8s.api.core.v1.PersistentVolumeClaim'].properties.kind.enum, undefined);
  // client-node's escapes are undone: "image's", not "image\'s".
  assert.match(schemas['io.k8s.api.core.v1.Container'].properties.args.description, /The container image's CMD/);
});

test('v3 apps document reaches core schemas; scale uses autoscaling/v1 Scale', () => {
  const doc = json('/openapi/v3/apis/apps/v1');
  assert.ok(doc.components.schemas['io.k8s.api.core.v1.PodTemplateSpec']);
  const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch;
  assert.deepEqual(scale['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
});

test('v3 hash handling: immutable on match, redirect on stale, 304 on ETag', () => {
  const url = json('/openapi/v3').paths['apis/apps/v1'].serverRelativeURL as string;
  const ok = openapiResponse(url, 'application/json', testDefs);
  assert.equal(ok?.headers['Cache-Control'], 'public, immutable');
  const stale = openapiResponse('/openapi/v3/apis/apps/v1?hash=ABC', 'application/json', testDefs);
  assert.equal(stale?.status, 301);
  assert.equal(stale?.headers.Location, url);
  const again = openapiResponse(url, 'application/json', testDefs, ok?.headers.ETag ?? '');
  assert.equal(again?.status, 304);
  assert.equal(openapiResponse('/openapi/v3/apis/nope/v1', '', testDefs)?.status, 404);
  assert.equal(openapiResponse('/api/v1', '', testDefs).status, 404);
});

test('v2 JSON and protobuf agree', () => {
  const doc = json('/openapi/v2');
  assert.equal(doc.swagger, '2.0');
  assert.ok(doc.definitions['io.k8s.api.apps.v1.Deployment']);
  const r = openapiResponse('/openapi/v2', `${V2_PROTO_ACCEPT}, application/json`, testDefs);
  assert.equal(r?.headers['Content-Type'], V2_PROTO_CONTENT_TYPE);
  assert.ok(Buffer.isBuffer(r?.body));
  const decoded: J = decodeSwagger(r?.body);
  assert.equal(decoded.swagger, '2.0');
  const dep = decoded.definitions.additional_properties.find((d: J) => d.name === 'io.k8s.api.apps.v1.Deployment');
  const gvk = dep.value.vendor_extension.find((e: J) => e.name === 'x-kubernetes-group-version-kind');
  assert.deepEqual(JSON.parse(gvk.value.yaml), [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  assert.equal(decoded.paths.path.length, Object.keys(doc.paths).length);
  const strategy = decoded.definitions.additional_properties.find((d: J) => d.name === 'io.k8s.api.apps.v1.DeploymentStrategy');
  const type = strategy.value.properties.additional_properties.find((p: J) => p.name === 'type');
  assert.deepEqual(type.value.enum.map((a: J) => JSON.parse(a.yaml)), ['Recreate', 'RollingUpdate']);
});

test('missing models answer 503 naming npm run build', () => {
  setModelsPath(join(tmpdir(), 'berth-no-such-models.json'));
  try {
    const r = openapiResponse('/openapi/v3/api/v1', 'application/json', [...testDefs]);
    assert.equal(r?.status, 503);
    assert.match(String(r?.body), /npm run build/);
  } finally {
    setModelsPath(undefined);
  }
});
