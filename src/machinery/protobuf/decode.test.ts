import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../errors';
import { decodeK8sProtobuf, ProtobufDecodeError, UnsupportedProtobufKindError } from './decode';
import { formatDuration, formatMicroTime, formatTime } from './go-json';
import { decodeProtobufBody } from './index';
import { message, messageNames, topLevelMessage } from './schema';

// A minimal encoder, enough to build bodies kubectl would not send.
type Part = Uint8Array;
function varint(v: number | bigint): number[] {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n > 0n ? b | 0x80 : b);
  } while (n > 0n);
  return out;
}
const cat = (...parts: Part[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const vf = (no: number, v: number | bigint): Part => Uint8Array.from([...varint(no << 3), ...varint(v)]);
const bf = (no: number, payload: Part | string): Part => {
  const p = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return Uint8Array.from([...varint((no << 3) | 2), ...varint(p.length), ...p]);
};
const msg = (no: number, ...fields: Part[]): Part => bf(no, cat(...fields));
const entry = (no: number, k: string, v: Part | string): Part => msg(no, bf(1, k), bf(2, v));
const envelope = (apiVersion: string, kind: string, raw: Part, ...extra: Part[]): Uint8Array =>
  cat(Uint8Array.of(0x6b, 0x38, 0x73, 0), msg(1, bf(1, apiVersion), bf(2, kind)), bf(2, raw), ...extra);
const decode = (apiVersion: string, kind: string, ...fields: Part[]) => decodeK8sProtobuf(envelope(apiVersion, kind, cat(...fields)));
const meta = (...fields: Part[]): Part => msg(1, ...fields);

describe('schema table', () => {
  test('every message parses and every reference resolves', () => {
    for (const name of messageNames()) {
      for (const f of message(name).fields) if (f.type.kind === 'message') message(f.type.name);
    }
    assert.ok(messageNames().length > 250);
  });
  test('top-level kinds', () => {
    assert.equal(topLevelMessage('v1', 'Pod'), 'core.Pod');
    assert.equal(topLevelMessage('autoscaling/v2', 'HorizontalPodAutoscaler'), 'asv2.HorizontalPodAutoscaler');
    assert.equal(topLevelMessage('apps/v1', 'DeleteOptions'), 'meta.DeleteOptions');
    assert.equal(topLevelMessage('batch/v1', 'Job'), undefined);
    assert.equal(topLevelMessage('v1', 'toString'), undefined);
  });
});

describe('Go JSON forms', () => {
  test('Time, MicroTime', () => {
    assert.equal(formatTime(1700000000n), '2023-11-14T22:13:20Z');
    assert.equal(formatTime(0n), '1970-01-01T00:00:00Z');
    assert.equal(formatTime(-62135596800n), null);
    assert.equal(formatMicroTime(1700000000n, 123456000), '2023-11-14T22:13:20.123456Z');
    assert.equal(formatMicroTime(5n, 0), '1970-01-01T00:00:05.000000Z');
  });
  test('Duration prints as time.Duration.String does', () => {
    const s = 1_000_000_000n;
    const cases: [bigint, string][] = [[0n, '0s'], [1n, '1ns'], [1100n, '1.1µs'], [1_500_000n, '1.5ms'],
      [s, '1s'], [1500n * 1_000_000n, '1.5s'], [60n * s, '1m0s'], [3661n * s, '1h1m1s'], [-s, '-1s'],
      [90n * 60n * s, '1h30m0s'], [-(2n ** 63n), '-2562047h47m16.854775808s']];
    for (const [d, want] of cases) assert.equal(formatDuration(d), want);
  });
});

describe('decodeK8sProtobuf', () => {
  test('typeMeta goes on the object, kind first; zero Time is null; non-pointer structs are written', () => {
    const d = decode('v1', 'Namespace', meta(bf(1, 'x')));
    assert.equal(JSON.stringify(d.object),
      '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x","creationTimestamp":null},"spec":{},"status":{}}');
    assert.equal(d.unknownFields, 0);
  });
  test('timestamps; a pointer Time present but empty is null', () => {
    const d = decode('v1', 'ConfigMap', meta(msg(8, vf(1, 1700000000), vf(2, 999)), msg(9)));
    assert.deepEqual(d.object.metadata, { creationTimestamp: '2023-11-14T22:13:20Z', deletionTimestamp: null });
    const lease = decode('coordination.k8s.io/v1', 'Lease', msg(2, msg(4, vf(1, 1700000000), vf(2, 123456789)), vf(2, 0)));
    assert.deepEqual(lease.object.spec, { leaseDurationSeconds: 0, renewTime: '2023-11-14T22:13:20.123456Z' });
  });
  test('unknown fields are skipped and counted', () => {
    const d = decode('v1', 'Namespace', meta(bf(1, 'x'), vf(999, 1)), bf(77, 'new'));
    assert.deepEqual(d.object.metadata, { name: 'x', creationTimestamp: null });
    assert.equal(d.unknownFields, 2);
  });
  test('maps: sorted keys, last duplicate wins, missing value is the zero value; bytes are base64', () => {
    const d = decode('v1', 'Secret', meta(entry(11, 'b', '2'), entry(11, 'a', '1'), entry(11, 'b', '3'), msg(12, bf(1, 'k'))),
      entry(2, 'bin', Uint8Array.of(0xff, 0)), entry(2, 'empty', ''), vf(5, 0));
    assert.equal(JSON.stringify(d.object.metadata), '{"creationTimestamp":null,"labels":{"a":"1","b":"3"},"annotations":{"k":""}}');
    assert.deepEqual(d.object.data, { bin: '/wA=', empty: '' });
    assert.equal(d.object.immutable, false, 'Secret.immutable is *bool: a present false stays');
  });
  test('a "__proto__" map key is an own property, as JSON.parse would make it', () => {
    const d = decode('v1', 'ConfigMap', entry(2, '__proto__', 'x'));
    const data = d.object.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(data), ['__proto__']);
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
  });
  test('pointer zeros stay, absent pointers go, non-omitempty slices are null', () => {
    const withZero = decode('apps/v1', 'Deployment', msg(2, vf(1, 0)));
    assert.equal((withZero.object.spec as Record<string, unknown>).replicas, 0);
    const without = decode('apps/v1', 'Deployment', msg(2));
    assert.equal('replicas' in (without.object.spec as object), false);
    const pod = decode('v1', 'Pod', msg(2));
    assert.deepEqual(pod.object.spec, { containers: null });
  });
  test('packed and unpacked repeated scalars; negative int64', () => {
    const sc = (...f: Part[]) => decode('v1', 'Pod', msg(2, msg(14, ...f)));
    const packed = sc(bf(4, Uint8Array.from([...varint(1), ...varint(3000000000)])), vf(4, -5));
    assert.deepEqual((packed.object.spec as { securityContext: unknown }).securityContext, { supplementalGroups: [1, 3000000000, -5] });
    const neg = sc(vf(2, -1));
    assert.deepEqual((neg.object.spec as { securityContext: unknown }).securityContext, { runAsUser: -1 });
  });
  test('a repeated occurrence of a message field merges into it', () => {
    const d = decode('v1', 'Namespace', meta(bf(1, 'x')), meta(bf(3, 'ns')));
    assert.deepEqual(d.object.metadata, { name: 'x', namespace: 'ns', creationTimestamp: null });
  });
  test('Eviction with DeleteOptions (pointer zero grace period)', () => {
    const d = decode('policy/v1', 'Eviction', meta(bf(1, 'p1')), msg(2, vf(1, 0), bf(5, 'All'), bf(4, 'Foreground')));
    assert.deepEqual(d.object.deleteOptions, { gracePeriodSeconds: 0, propagationPolicy: 'Foreground', dryRun: ['All'] });
  });
  test('IntOrString, Quantity (canonicalised), FieldsV1', () => {
    const port = (...f: Part[]) => decode('v1', 'Service', msg(2, msg(1, ...f)));
    const spec = (o: Record<string, unknown>) => (o.spec as { ports: unknown[] }).ports[0];
    assert.deepEqual(spec(port(vf(3, 80), msg(4, vf(1, 1), bf(3, 'http'))).object), { port: 80, targetPort: 'http' });
    assert.deepEqual(spec(port(vf(3, 80), msg(4, vf(2, 8080))).object), { port: 80, targetPort: 8080 });
    assert.deepEqual(spec(port(vf(3, 80)).object), { port: 80, targetPort: 0 }, 'a non-pointer struct: Go writes its zero');
    const pvc = decode('v1', 'PersistentVolumeClaim', msg(2, msg(2, entry(2, 'storage', bf(1, '0.5Gi')))));
    assert.deepEqual((pvc.object.spec as { resources: unknown }).resources, { requests: { storage: '512Mi' } });
    const mf = decode('v1', 'Namespace', meta(msg(17, bf(1, 'kubectl'), msg(7, bf(1, '{"f:metadata":{}}')))));
    assert.deepEqual((mf.object.metadata as { managedFields: unknown }).managedFields, [{ manager: 'kubectl', fieldsV1: { 'f:metadata': {} } }]);
  });
});

describe('decodeK8sProtobuf: errors name what broke', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['empty body', () => decodeK8sProtobuf(new Uint8Array(0)), /does not start with the Kubernetes protobuf prefix/],
    ['JSON sent as protobuf', () => decodeK8sProtobuf(new TextEncoder().encode('{"kind":"Pod"}')), /prefix/],
    ['truncated envelope', () => decodeK8sProtobuf(Uint8Array.of(0x6b, 0x38, 0x73, 0, 0x12, 0x09, 1)), /^envelope: length 9 runs past/],
    ['missing kind', () => decodeK8sProtobuf(envelope('v1', '', new Uint8Array(0))), /Kind' is missing/],
    ['gzip content encoding', () => decodeK8sProtobuf(envelope('v1', 'Pod', new Uint8Array(0), bf(3, 'gzip'))), /content encoding "gzip"/],
    ['wrong wire type', () => decode('v1', 'Namespace', meta(vf(1, 5))), /^metadata\.name: wrong wire type \(varint, want length-delimited\) for field 1/],
    ['truncated deep inside', () => decode('v1', 'Pod', msg(2, msg(2, bf(1, 'c'), Uint8Array.of(0x32, 0x05, 0x18)))),
      /^spec\.containers\[0\]\.ports: length 5 runs past the end/],
    ['bad quantity', () => decode('v1', 'Pod', msg(2, entry(32, 'cpu', bf(1, 'lots')))), /^spec\.overhead\["cpu"\]: invalid quantity "lots"/],
    ['IntOrString type 2', () => decode('v1', 'Service', msg(2, msg(1, msg(4, vf(1, 2))))), /impossible type 2/],
    ['FieldsV1 not JSON', () => decode('v1', 'Namespace', meta(msg(17, msg(7, bf(1, '{'))))), /managedFields\[0\]\.fieldsV1: FieldsV1 is not JSON/],
    ['time out of range', () => decode('v1', 'Namespace', meta(msg(8, vf(1, 2n ** 62n)))), /creationTimestamp: timestamp .* out of range/],
  ];
  for (const [name, run, want] of bad) {
    test(name, () => assert.throws(run, (e: unknown) => e instanceof ProtobufDecodeError && want.test(e.message)));
  }
  test('an unknown kind is its own error', () => {
    assert.throws(() => decode('batch/v1', 'Job'), UnsupportedProtobufKindError);
  });
});

describe('decodeProtobufBody (the API server entry point)', () => {
  test('malformed is 400 BadRequest, unknown kind is 415', () => {
    assert.throws(() => decodeProtobufBody(Uint8Array.of(1, 2)), (e: unknown) =>
      e instanceof ApiError && e.code === 400 && /failed to decode protobuf body/.test(e.message));
    assert.throws(() => decodeProtobufBody(envelope('batch/v1', 'Job', new Uint8Array(0))), (e: unknown) =>
      e instanceof ApiError && e.code === 415 && /protobuf is not supported for batch\/v1, Kind=Job/.test(e.message));
  });
  test('a good body is the object', () => {
    assert.deepEqual(decodeProtobufBody(envelope('v1', 'ServiceAccount', meta(bf(1, 'sa')))),
      { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'sa', creationTimestamp: null } });
  });
});
