// The protobuf schema Berth decodes, in a compact notation, and the lookup from (apiVersion, kind)
// to the top-level message.
//
// Each message is a whitespace-separated list of fields, in Go struct order (= JSON output order):
//
//   <number>:<jsonName>:<type>[!]
//
// <type> is [*][[]][{}]<base>:
//   *    Go pointer: kept when present on the wire even if zero, omitted (or null) when absent
//   []   repeated (Go slice)
//   {}   map with string keys (repeated entry messages: key = 1, value = 2)
//   base s string, b bool, i32/i64/u32/u64 varints, f32/f64 floats, by bytes (JSON base64),
//        a special (Time, MicroTime, Duration, FieldsV1, Quantity, IntOrString, RawExtension,
//        StrList), a message of the same package (Name) or of another (pkg.Name)
// jsonName ~ marks an embedded Go struct whose fields are inlined into the parent's JSON.
// A trailing ! means the Go JSON tag has no omitempty, so zero values are still written.
import { appsV1 } from './schema-apps';
import { autoscalingV1 } from './schema-asv1';
import { autoscalingV2 } from './schema-asv2';
import { authenticationV1 } from './schema-authn';
import { authorizationV1 } from './schema-authz';
import { coordinationV1 } from './schema-coord';
import { coreObjects } from './schema-core-objects';
import { corePod } from './schema-core-pod';
import { coreVolumes } from './schema-core-volumes';
import { metaV1 } from './schema-meta';
import { policyV1 } from './schema-policy';
import { storageV1 } from './schema-storage';

export interface SchemaPackage {
  pkg: string;
  messages: Record<string, string>;
}

export type ScalarType = 's' | 'b' | 'i32' | 'i64' | 'u32' | 'u64' | 'f32' | 'f64' | 'by';
export type SpecialType =
  | 'Time' | 'MicroTime' | 'Duration' | 'FieldsV1' | 'Quantity' | 'IntOrString' | 'RawExtension' | 'StrList';

const scalarTypes = new Set<string>(['s', 'b', 'i32', 'i64', 'u32', 'u64', 'f32', 'f64', 'by']);
const specialTypes = new Set<string>(['Time', 'MicroTime', 'Duration', 'FieldsV1', 'Quantity', 'IntOrString', 'RawExtension', 'StrList']);

export type FieldType =
  | { kind: 'scalar'; name: ScalarType }
  | { kind: 'special'; name: SpecialType }
  | { kind: 'message'; name: string };

export interface FieldDef {
  no: number;
  /** JSON name; empty for an inlined embedded struct. */
  json: string;
  inline: boolean;
  pointer: boolean;
  repeated: boolean;
  map: boolean;
  omitempty: boolean;
  type: FieldType;
}

export interface MessageDef {
  /** Qualified, e.g. core.PodSpec. */
  name: string;
  fields: FieldDef[];
  byNumber: Map<number, FieldDef>;
}

const packages: SchemaPackage[] = [
  metaV1, corePod, coreVolumes, coreObjects, appsV1, autoscalingV1, autoscalingV2, storageV1, coordinationV1, policyV1,
  authenticationV1, authorizationV1,
];

const sources = new Map<string, string>();
for (const p of packages) for (const [name, spec] of Object.entries(p.messages)) sources.set(`${p.pkg}.${name}`, spec);

const FIELD_RE = /^(\d+):(~|[A-Za-z_][\w]*):(\*?)(\[\]|\{\})?([\w.]+)(!?)$/;

function parseType(pkg: string, base: string, where: string): FieldType {
  if (scalarTypes.has(base)) return { kind: 'scalar', name: base as ScalarType };
  if (specialTypes.has(base)) return { kind: 'special', name: base as SpecialType };
  const name = base.includes('.') ? base : `${pkg}.${base}`;
  if (!sources.has(name)) throw new Error(`protobuf schema: ${where} refers to unknown message ${name}`);
  return { kind: 'message', name };
}

function parseMessage(name: string, spec: string): MessageDef {
  const pkg = name.slice(0, name.indexOf('.'));
  const fields: FieldDef[] = [];
  const byNumber = new Map<number, FieldDef>();
  for (const tok of spec.trim().split(/\s+/)) {
    const m = FIELD_RE.exec(tok);
    if (!m) throw new Error(`protobuf schema: bad field "${tok}" in ${name}`);
    const [, no = '', json = '', ptr, wrap, base = '', bang] = m;
    const inline = json === '~';
    const f: FieldDef = {
      no: Number(no),
      json: inline ? '' : json,
      inline,
      pointer: ptr === '*',
      repeated: wrap === '[]',
      map: wrap === '{}',
      omitempty: bang !== '!',
      type: parseType(pkg, base, `${name}.${json}`),
    };
    if (byNumber.has(f.no)) throw new Error(`protobuf schema: ${name} has field ${f.no} twice`);
    if (inline && f.type.kind !== 'message') throw new Error(`protobuf schema: ${name} inlines a non-message`);
    fields.push(f);
    byNumber.set(f.no, f);
  }
  return { name, fields, byNumber };
}

const parsed = new Map<string, MessageDef>();

/** Looks up a message by qualified name; parsed on first use, so startup pays nothing. */
export function message(name: string): MessageDef {
  let def = parsed.get(name);
  if (!def) {
    const spec = sources.get(name);
    if (spec === undefined) throw new Error(`protobuf schema: unknown message ${name}`);
    def = parseMessage(name, spec);
    parsed.set(name, def);
  }
  return def;
}

/** Every message name in the schema (for tests that check the whole table parses). */
export function messageNames(): string[] {
  return [...sources.keys()];
}

const coreKinds = ['Namespace', 'Pod', 'ConfigMap', 'Secret', 'ServiceAccount', 'Service', 'Endpoints', 'Node', 'Event',
  'PersistentVolume', 'PersistentVolumeClaim', 'Binding'];

const topLevel = new Map<string, string>([
  ...coreKinds.map((k): [string, string] => [`v1/${k}`, `core.${k}`]),
  ['apps/v1/Deployment', 'apps.Deployment'],
  ['apps/v1/ReplicaSet', 'apps.ReplicaSet'],
  ['apps/v1/StatefulSet', 'apps.StatefulSet'],
  ['autoscaling/v1/HorizontalPodAutoscaler', 'asv1.HorizontalPodAutoscaler'],
  ['autoscaling/v1/Scale', 'asv1.Scale'],
  ['autoscaling/v2/HorizontalPodAutoscaler', 'asv2.HorizontalPodAutoscaler'],
  ['storage.k8s.io/v1/StorageClass', 'storage.StorageClass'],
  ['coordination.k8s.io/v1/Lease', 'coord.Lease'],
  ['policy/v1/Eviction', 'policy.Eviction'],
  ['authentication.k8s.io/v1/TokenRequest', 'authn.TokenRequest'],
  ['authentication.k8s.io/v1/SelfSubjectReview', 'authn.SelfSubjectReview'],
  ['authorization.k8s.io/v1/SelfSubjectAccessReview', 'authz.SelfSubjectAccessReview'],
  ['authorization.k8s.io/v1/SelfSubjectRulesReview', 'authz.SelfSubjectRulesReview'],
]);

/** Kinds registered in every group version upstream (DeleteOptions rides along with DELETE and eviction). */
const everywhere = new Map([['DeleteOptions', 'meta.DeleteOptions'], ['Status', 'meta.Status']]);

/** The top-level message for an envelope's type, or undefined when Berth has no schema for it. */
export function topLevelMessage(apiVersion: string, kind: string): string | undefined {
  return topLevel.get(`${apiVersion}/${kind}`) ?? (apiVersion === '' ? undefined : everywhere.get(kind));
}
