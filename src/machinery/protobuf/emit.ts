// Turns decoded field values into JSON by Go's encoding/json rules, so the object equals what a
// JSON client would have sent for the same Go struct:
// - non-pointer scalars/strings: zero when absent; omitted if zero and the tag has omitempty
// - pointers, slices, maps: absent is nil, so omitted with omitempty and null without
// - non-pointer structs: always written (omitempty never applies to a struct), with their zeros
// - specials (Time, Quantity, ...) already decoded to their MarshalJSON form
// - map keys sorted by bytes, as encoding/json sorts them
import { message, type FieldDef, type MessageDef, type ScalarType } from './schema';
import { specialZero } from './specials';

/** A decoded message: the value of each field seen on the wire. */
export type Values = Map<FieldDef, unknown>;

function scalarZero(t: ScalarType): unknown {
  switch (t) {
    case 's': return '';
    case 'b': return false;
    case 'by': return undefined;
    default: return 0;
  }
}

function isEmptyScalar(t: ScalarType, v: unknown): boolean {
  if (v === undefined) return true;
  if (t === 'by') return (v as Uint8Array).length === 0;
  return v === scalarZero(t);
}

/** Sets a key even when it is "__proto__", the way JSON.parse makes own properties. */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** JSON for one element of f's type; undefined means "absent" (only for byte slices). */
function element(f: FieldDef, v: unknown): unknown {
  const t = f.type;
  if (t.kind === 'scalar') {
    if (t.name === 'by') return v === undefined ? null : Buffer.from(v as Uint8Array).toString('base64');
    return v === undefined ? scalarZero(t.name) : v;
  }
  if (t.kind === 'special') return v === undefined ? specialZero(t.name) : v;
  return toJson(message(t.name), (v as Values | undefined) ?? new Map());
}

function mapJson(f: FieldDef, m: Map<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = [...m.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const k of keys) put(out, k, element(f, m.get(k)));
  return out;
}

/** Writes field f (value v, undefined when absent) into out, or leaves it out as Go would. */
function emitField(out: Record<string, unknown>, f: FieldDef, v: unknown): void {
  if (f.repeated || f.map) {
    const size = v === undefined ? 0 : f.map ? (v as Map<string, unknown>).size : (v as unknown[]).length;
    if (f.omitempty && size === 0) return;
    if (v === undefined) return put(out, f.json, null);
    put(out, f.json, f.map ? mapJson(f, v as Map<string, unknown>) : (v as unknown[]).map((e) => element(f, e)));
    return;
  }
  if (f.pointer) {
    if (v === undefined) {
      if (!f.omitempty) put(out, f.json, null);
      return;
    }
    put(out, f.json, element(f, v));
    return;
  }
  if (f.type.kind === 'scalar' && f.omitempty && isEmptyScalar(f.type.name, v)) return;
  put(out, f.json, element(f, v));
}

export function toJson(def: MessageDef, values: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of def.fields) {
    const v = values.get(f);
    if (!f.inline) {
      emitField(out, f, v);
      continue;
    }
    // Embedded struct: its fields are promoted, but a field of the outer struct with the same
    // name wins (Go's shallower-depth rule).
    const inner = toJson(message(f.type.name), (v as Values | undefined) ?? new Map());
    for (const [k, iv] of Object.entries(inner)) {
      if (!def.fields.some((o) => !o.inline && o.json === k)) put(out, k, iv);
    }
  }
  return out;
}
