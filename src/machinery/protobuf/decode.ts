// Decodes a Kubernetes protobuf request body (the k8s\0 envelope around runtime.Unknown) into the
// JSON object a JSON client would have sent for the same Go value, so everything downstream of
// body parsing is unaware of the wire format.
import { message, topLevelMessage, type FieldDef, type MessageDef, type ScalarType } from './schema';
import { toJson, type Values } from './emit';
import { decodeSpecial, type SpecialContext } from './specials';
import { Reader, WireError, WireType, wireTypeName, type Tag } from './wire';

/** The body is not valid Kubernetes protobuf; message names the field path and what broke. */
export class ProtobufDecodeError extends Error {
  constructor(message: string, readonly path = '') {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ProtobufDecodeError';
  }
}

/** The envelope is fine but Berth has no schema for its type. */
export class UnsupportedProtobufKindError extends Error {
  constructor(readonly apiVersion: string, readonly kind: string) {
    super(`protobuf is not supported for ${apiVersion ? `${apiVersion}, ` : ''}Kind=${kind}; send application/json`);
    this.name = 'UnsupportedProtobufKindError';
  }
}

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
  /** Fields the schema does not know (newer clients); skipped, as a proto parser would. */
  unknownFields: number;
}

export const K8S_PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** Nesting bound: the schema has no recursive messages, so real bodies stay far below this. */
const MAX_DEPTH = 100;

interface Ctx extends SpecialContext {
  depth: number;
}

const scalarWire: Record<ScalarType, number> = {
  s: WireType.Bytes, by: WireType.Bytes, b: WireType.Varint, i32: WireType.Varint, i64: WireType.Varint,
  u32: WireType.Varint, u64: WireType.Varint, f32: WireType.Fixed32, f64: WireType.Fixed64,
};

function readScalar(type: ScalarType, r: Reader): unknown {
  switch (type) {
    case 's': return r.string();
    // Copied: the caller's buffer may be reused after decoding.
    case 'by': return Uint8Array.from(r.bytes());
    case 'b': return r.bool();
    case 'i32': return r.int32();
    case 'u32': return r.uint32();
    // JSON numbers: exact up to 2^53, like JSON.parse of what Go would print.
    case 'i64': return Number(r.int64());
    case 'u64': return Number(r.uint64());
    case 'f32': return r.float();
    case 'f64': return r.double();
  }
}

function checkWire(f: FieldDef, tag: Tag, want: number): void {
  if (tag.wire !== want) {
    throw new WireError(`wrong wire type (${wireTypeName(tag.wire)}, want ${wireTypeName(want)}) for field ${f.no}`, tag.offset);
  }
}

/** One value of f's element type: a scalar, a special's JSON, or a nested message's Values. */
function readValue(f: FieldDef, tag: Tag, r: Reader, ctx: Ctx, path: string, into?: Values): unknown {
  const t = f.type;
  if (t.kind === 'scalar') {
    checkWire(f, tag, scalarWire[t.name]);
    return readScalar(t.name, r);
  }
  checkWire(f, tag, WireType.Bytes);
  if (t.kind === 'special') {
    const sub = r.sub();
    try {
      return decodeSpecial(t.name, sub, ctx);
    } catch (err) {
      // Name the element (list index, map key), not just the field.
      if (err instanceof WireError || err instanceof RangeError) throw new ProtobufDecodeError(err.message, path);
      throw err;
    }
  }
  return decodeMessage(message(t.name), r.sub(), ctx, path, into);
}

/** A map entry message: key = 1 (string), value = 2. A missing part is its type's zero value. */
function readEntry(f: FieldDef, r: Reader, ctx: Ctx, path: string): [string, unknown] {
  let key = '';
  let value: unknown;
  let have = false;
  while (!r.done()) {
    const tag = r.tag();
    if (tag.field === 1) {
      if (tag.wire !== WireType.Bytes) throw new WireError(`wrong wire type for map key of field ${f.no}`, tag.offset);
      key = r.string();
    } else if (tag.field === 2) {
      value = readValue(f, tag, r, ctx, `${path}[${JSON.stringify(key)}]`, f.type.kind === 'message' && have ? value as Values : undefined);
      have = true;
    } else {
      ctx.unknown++;
      r.skip(tag);
    }
  }
  return [key, have ? value : undefined];
}

const packable = (f: FieldDef): boolean => f.type.kind === 'scalar' && f.type.name !== 's' && f.type.name !== 'by';

export function decodeMessage(def: MessageDef, r: Reader, ctx: Ctx, path: string, into: Values = new Map()): Values {
  if (++ctx.depth > MAX_DEPTH) throw new ProtobufDecodeError('messages nested too deeply', path);
  let where = path;
  try {
    while (!r.done()) {
      where = path;
      const tag = r.tag();
      const f = def.byNumber.get(tag.field);
      if (!f) {
        ctx.unknown++;
        r.skip(tag);
        continue;
      }
      where = f.inline ? path : path ? `${path}.${f.json}` : f.json;
      if (f.map) {
        checkWire(f, tag, WireType.Bytes);
        const m = (into.get(f) as Map<string, unknown> | undefined) ?? new Map<string, unknown>();
        const [k, v] = readEntry(f, r.sub(), ctx, where);
        m.set(k, v);
        into.set(f, m);
      } else if (f.repeated) {
        const list = (into.get(f) as unknown[] | undefined) ?? [];
        into.set(f, list);
        if (tag.wire === WireType.Bytes && packable(f)) {
          // Packed run of scalars; proto parsers accept it for any repeated scalar.
          const type = f.type.name as ScalarType;
          list.push(...r.packed((sub) => readScalar(type, sub)));
        } else {
          list.push(readValue(f, tag, r, ctx, `${where}[${list.length}]`));
        }
      } else {
        // A repeated occurrence of a message field merges into it, as proto specifies.
        const prev = f.type.kind === 'message' ? into.get(f) as Values | undefined : undefined;
        into.set(f, readValue(f, tag, r, ctx, where, prev));
      }
    }
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw err;
    if (err instanceof WireError || err instanceof RangeError) throw new ProtobufDecodeError(err.message, where);
    throw err;
  } finally {
    ctx.depth--;
  }
  return into;
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

function readEnvelope(buf: Uint8Array, ctx: Ctx): Envelope {
  const env: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '' };
  const r = new Reader(buf, K8S_PROTOBUF_MAGIC.length);
  const str = (tag: Tag, what: string): string => {
    if (tag.wire !== WireType.Bytes) throw new WireError(`wrong wire type for ${what}`, tag.offset);
    return r.string();
  };
  while (!r.done()) {
    const tag = r.tag();
    if (tag.field === 1 && tag.wire === WireType.Bytes) {
      const tm = r.sub();
      while (!tm.done()) {
        const t = tm.tag();
        if (t.field === 1 && t.wire === WireType.Bytes) env.apiVersion = tm.string();
        else if (t.field === 2 && t.wire === WireType.Bytes) env.kind = tm.string();
        else tm.skip(t);
      }
    } else if (tag.field === 2) {
      if (tag.wire !== WireType.Bytes) throw new WireError('wrong wire type for Unknown.raw', tag.offset);
      env.raw = r.bytes();
    } else if (tag.field === 3) env.contentEncoding = str(tag, 'Unknown.contentEncoding');
    else if (tag.field === 4) str(tag, 'Unknown.contentType');
    else {
      ctx.unknown++;
      r.skip(tag);
    }
  }
  return env;
}

/**
 * Decodes a Kubernetes protobuf body. Throws ProtobufDecodeError for malformed input and
 * UnsupportedProtobufKindError when the envelope names a type Berth has no schema for.
 */
export function decodeK8sProtobuf(buf: Uint8Array): DecodedObject {
  if (buf.length < K8S_PROTOBUF_MAGIC.length || K8S_PROTOBUF_MAGIC.some((b, i) => buf[i] !== b)) {
    throw new ProtobufDecodeError('the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  const ctx: Ctx = { unknown: 0, depth: 0 };
  let env: Envelope;
  try {
    env = readEnvelope(buf, ctx);
  } catch (err) {
    if (err instanceof WireError) throw new ProtobufDecodeError(err.message, 'envelope');
    throw err;
  }
  if (env.contentEncoding !== '') {
    throw new ProtobufDecodeError(`content encoding ${JSON.stringify(env.contentEncoding)} is not supported`, 'envelope');
  }
  if (env.kind === '') throw new ProtobufDecodeError("Object 'Kind' is missing", 'envelope');
  const name = topLevelMessage(env.apiVersion, env.kind);
  if (name === undefined) throw new UnsupportedProtobufKindError(env.apiVersion, env.kind);
  const values = decodeMessage(message(name), new Reader(env.raw), ctx, '');
  // TypeMeta is not in the object's message; the envelope carries it. Go prints kind first.
  const head: Record<string, unknown> = {};
  head.kind = env.kind;
  if (env.apiVersion !== '') head.apiVersion = env.apiVersion;
  const object = Object.assign(head, toJson(message(name), values));
  return { apiVersion: env.apiVersion, kind: env.kind, object, unknownFields: ctx.unknown };
}
