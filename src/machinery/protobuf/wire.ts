// Protobuf wire-format reader. Request bodies are untrusted, so every read is bounds-checked and
// every loop consumes input: malformed bytes end in a WireError naming the offset, never a crash
// or a hang.

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  Bytes: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;

const wireNames = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'];

export function wireTypeName(wire: number): string {
  return wireNames[wire] ?? `invalid wire type ${wire}`;
}

/** Malformed input. offset is where in the buffer it broke, or -1 for a bad value rather than bad bytes. */
export class WireError extends Error {
  constructor(message: string, readonly offset: number) {
    super(offset >= 0 ? `${message} at offset ${offset}` : message);
    this.name = 'WireError';
  }
}

/** Field numbers are 29 bits; 0 is reserved and never valid on the wire. */
const MAX_FIELD = 2 ** 29 - 1;
/** Groups are obsolete and Kubernetes never sends them; the cap only keeps skipping cheap. */
const MAX_GROUP_DEPTH = 64;

const utf8 = new TextDecoder('utf-8');

export interface Tag {
  field: number;
  wire: number;
  /** Offset of the tag itself, for error messages. */
  offset: number;
}

/** Reads one message's bytes: [pos, end) of buf. */
export class Reader {
  pos: number;
  readonly end: number;

  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  tag(): Tag {
    const offset = this.pos;
    const v = this.varint();
    const wire = Number(v & 7n);
    const field = v >> 3n;
    if (field === 0n || field > BigInt(MAX_FIELD)) throw new WireError(`invalid field number ${field}`, offset);
    if (wire > 5) throw new WireError(`invalid wire type ${wire} for field ${field}`, offset);
    return { field: Number(field), wire, offset };
  }

  /** An unsigned varint of up to 64 bits (10 bytes; the 10th may carry only one bit). */
  varint(): bigint {
    const start = this.pos;
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint', start);
      const b = this.buf[this.pos++] ?? 0;
      if (i === 9 && b > 1) throw new WireError('varint overflows 64 bits', start);
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return result;
    }
    throw new WireError('varint longer than 10 bytes', start);
  }

  /** int32 on the wire is sign-extended to 64 bits; the low 32 bits are the value. */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()));
  }

  int64(): bigint {
    return BigInt.asIntN(64, this.varint());
  }

  uint32(): number {
    return Number(BigInt.asUintN(32, this.varint()));
  }

  uint64(): bigint {
    return this.varint();
  }

  bool(): boolean {
    return this.varint() !== 0n;
  }

  private need(n: number, what: string): number {
    const start = this.pos;
    if (n > this.end - this.pos) throw new WireError(`truncated ${what}: need ${n} bytes, have ${this.end - this.pos}`, start);
    this.pos += n;
    return start;
  }

  private view(start: number, n: number): DataView {
    return new DataView(this.buf.buffer, this.buf.byteOffset + start, n);
  }

  fixed32(): number {
    return this.view(this.need(4, 'fixed32'), 4).getUint32(0, true);
  }

  fixed64(): bigint {
    return this.view(this.need(8, 'fixed64'), 8).getBigUint64(0, true);
  }

  float(): number {
    return this.view(this.need(4, 'float'), 4).getFloat32(0, true);
  }

  double(): number {
    return this.view(this.need(8, 'double'), 8).getFloat64(0, true);
  }

  /** Length prefix plus bounds check; returns the [start, end) of the payload and moves past it. */
  span(): { start: number; end: number } {
    const offset = this.pos;
    const len = this.varint();
    if (len > BigInt(this.end - this.pos)) {
      throw new WireError(`length ${len} runs past the end of the message (${this.end - this.pos} bytes left)`, offset);
    }
    const start = this.pos;
    this.pos += Number(len);
    return { start, end: this.pos };
  }

  /** A view into the buffer, not a copy. */
  bytes(): Uint8Array {
    const { start, end } = this.span();
    return this.buf.subarray(start, end);
  }

  /** Invalid UTF-8 becomes U+FFFD, as Go's encoding/json does when it writes such a string. */
  string(): string {
    return utf8.decode(this.bytes());
  }

  /** A reader over a length-delimited payload (an embedded message or packed run). */
  sub(): Reader {
    const { start, end } = this.span();
    return new Reader(this.buf, start, end);
  }

  /** Reads a packed run of scalars; each element read must consume input, so this terminates. */
  packed<T>(read: (r: Reader) => T): T[] {
    const r = this.sub();
    const out: T[] = [];
    while (!r.done()) out.push(read(r));
    return out;
  }

  /** Skips a field's value the way a proto parser skips unknown fields. */
  skip(tag: Tag): void {
    switch (tag.wire) {
      case WireType.Varint: this.varint(); return;
      case WireType.Fixed64: this.need(8, 'fixed64'); return;
      case WireType.Fixed32: this.need(4, 'fixed32'); return;
      case WireType.Bytes: this.span(); return;
      case WireType.StartGroup: this.skipGroup(tag); return;
      default: throw new WireError(`unexpected end-group for field ${tag.field}`, tag.offset);
    }
  }

  private skipGroup(open: Tag): void {
    const stack = [open.field];
    while (stack.length > 0) {
      if (this.done()) throw new WireError(`unterminated group for field ${open.field}`, open.offset);
      const t = this.tag();
      if (t.wire === WireType.EndGroup) {
        if (t.field !== stack.pop()) throw new WireError(`mismatched end-group for field ${t.field}`, t.offset);
      } else if (t.wire === WireType.StartGroup) {
        if (stack.length >= MAX_GROUP_DEPTH) throw new WireError('groups nested too deeply', t.offset);
        stack.push(t.field);
      } else {
        this.skip(t);
      }
    }
  }
}
