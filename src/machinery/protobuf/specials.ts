// apimachinery types whose protobuf message is not what their JSON looks like. Each decoder takes
// the message's bytes and returns the JSON value Go's MarshalJSON would write for it.
import { canonicalQuantity } from '../quantity';
import { formatDuration, formatMicroTime, formatTime } from './go-json';
import type { SpecialType } from './schema';
import { Reader, WireError, WireType, type Tag } from './wire';

export interface SpecialContext {
  /** Count of field numbers the schema does not know, skipped like proto does. */
  unknown: number;
}

function expect(tag: Tag, wire: number, what: string): void {
  if (tag.wire !== wire) throw new WireError(`wrong wire type ${tag.wire} for ${what}`, tag.offset);
}

/** Walks a small message, handing known fields to `on` and skipping (and counting) the rest. */
function fields(r: Reader, ctx: SpecialContext, on: (tag: Tag) => boolean): void {
  while (!r.done()) {
    const tag = r.tag();
    if (!on(tag)) {
      ctx.unknown++;
      r.skip(tag);
    }
  }
}

function jsonBytes(raw: Uint8Array | undefined, what: string): unknown {
  if (raw === undefined) return null;
  // Go writes the raw bytes into the JSON stream as-is, so they must already be JSON.
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')) as unknown;
  } catch {
    throw new WireError(`${what} is not JSON`, -1);
  }
}

function timestamp(r: Reader, ctx: SpecialContext): { seconds: bigint; nanos: number } {
  let seconds = 0n;
  let nanos = 0;
  fields(r, ctx, (t) => {
    if (t.field === 1) {
      expect(t, WireType.Varint, 'Timestamp.seconds');
      seconds = r.int64();
    } else if (t.field === 2) {
      expect(t, WireType.Varint, 'Timestamp.nanos');
      nanos = r.int32();
    } else return false;
    return true;
  });
  return { seconds, nanos };
}

function quantity(r: Reader, ctx: SpecialContext): string {
  let text = '';
  fields(r, ctx, (t) => {
    if (t.field !== 1) return false;
    expect(t, WireType.Bytes, 'Quantity.string');
    text = r.string();
    return true;
  });
  if (text === '') return '0';
  const canonical = canonicalQuantity(text);
  if (canonical === undefined) throw new WireError(`invalid quantity ${JSON.stringify(text)}`, -1);
  return canonical;
}

function intOrString(r: Reader, ctx: SpecialContext): number | string {
  let type = 0n;
  let intVal = 0;
  let strVal = '';
  fields(r, ctx, (t) => {
    if (t.field === 1) {
      expect(t, WireType.Varint, 'IntOrString.type');
      type = r.int64();
    } else if (t.field === 2) {
      expect(t, WireType.Varint, 'IntOrString.intVal');
      intVal = r.int32();
    } else if (t.field === 3) {
      expect(t, WireType.Bytes, 'IntOrString.strVal');
      strVal = r.string();
    } else return false;
    return true;
  });
  if (type === 0n) return intVal;
  if (type === 1n) return strVal;
  throw new WireError(`IntOrString has impossible type ${type}`, -1);
}

/** Messages whose only field 1 is bytes: FieldsV1.Raw and RawExtension.raw. */
function rawField(r: Reader, ctx: SpecialContext, what: string): Uint8Array | undefined {
  let raw: Uint8Array | undefined;
  fields(r, ctx, (t) => {
    if (t.field !== 1) return false;
    expect(t, WireType.Bytes, what);
    raw = r.bytes();
    return true;
  });
  return raw;
}

function stringList(r: Reader, ctx: SpecialContext): string[] | null {
  let items: string[] | null = null;
  fields(r, ctx, (t) => {
    if (t.field !== 1) return false;
    expect(t, WireType.Bytes, 'items');
    (items ??= []).push(r.string());
    return true;
  });
  return items;
}

/** Decodes one special from its message bytes. An empty Time/MicroTime message is Go's zero time. */
export function decodeSpecial(name: SpecialType, r: Reader, ctx: SpecialContext): unknown {
  switch (name) {
    case 'Time': {
      if (r.done()) return null;
      return formatTime(timestamp(r, ctx).seconds);
    }
    case 'MicroTime': {
      if (r.done()) return null;
      const { seconds, nanos } = timestamp(r, ctx);
      // Upstream truncates to microseconds before building the time.
      return formatMicroTime(seconds, nanos - (nanos % 1000));
    }
    case 'Duration': {
      let d = 0n;
      fields(r, ctx, (t) => {
        if (t.field !== 1) return false;
        expect(t, WireType.Varint, 'Duration.duration');
        d = r.int64();
        return true;
      });
      return formatDuration(d);
    }
    case 'Quantity': return quantity(r, ctx);
    case 'IntOrString': return intOrString(r, ctx);
    case 'FieldsV1': return jsonBytes(rawField(r, ctx, 'FieldsV1.Raw'), 'FieldsV1');
    case 'RawExtension': return jsonBytes(rawField(r, ctx, 'RawExtension.raw'), 'embedded object');
    case 'StrList': return stringList(r, ctx);
  }
}

/** What Go writes for a non-pointer special that never appeared on the wire. */
export function specialZero(name: SpecialType): unknown {
  switch (name) {
    case 'Duration': return '0s';
    case 'Quantity': return '0';
    case 'IntOrString': return 0;
    default: return null;
  }
}
