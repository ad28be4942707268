// SPDY/3 framing (draft 3, section 2.2): control frames carry a version and a type, data frames
// a stream id. Pure encode/decode; header blocks are handled as opaque (compressed) bytes here.

export const ControlType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const RstStatus = { ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, Cancel: 5, InternalError: 6 } as const;

export type Frame =
  | { control: true; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; payload: Buffer };

/** Splits complete frames off the front of `buf`; the rest waits for more bytes. */
export function parseFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const len = buf.readUIntBE(off + 5, 3);
    if (buf.length - off < 8 + len) break;
    const first = buf.readUInt32BE(off);
    const flags = buf.readUInt8(off + 4);
    const payload = buf.subarray(off + 8, off + 8 + len);
    if (first & 0x80000000) frames.push({ control: true, type: first & 0xffff, flags, payload });
    else frames.push({ control: false, streamId: first & 0x7fffffff, flags, payload });
    off += 8 + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/**
 * The largest control frame accepted. Header blocks are compressed; a client's headers are a few
 * hundred bytes, so anything near the 16 MiB the 24-bit length allows is an attack.
 */
export const maxControlFrame = 1 << 20;

export class FrameTooLarge extends Error {}

/**
 * Collects a connection's bytes as a list of chunks and cuts frames out once complete, so a
 * frame that arrives in many pieces is copied once rather than on every piece.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;

  /** The frames completed by `chunk`; throws FrameTooLarge for an oversized control frame. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
    const out: Frame[] = [];
    while (this.length >= 8) {
      const head = this.peek(8);
      const len = head.readUIntBE(5, 3);
      if ((head.readUInt8(0) & 0x80) !== 0 && len > maxControlFrame) {
        throw new FrameTooLarge(`SPDY control frame of ${len} bytes exceeds the ${maxControlFrame}-byte limit`);
      }
      if (this.length < 8 + len) break;
      out.push(...parseFrames(this.take(8 + len)).frames);
    }
    return out;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, n);
  }

  private take(n: number): Buffer {
    this.length -= n;
    const first = this.chunks[0];
    if (first && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const c = this.chunks[0];
      if (!c) break;
      if (c.length <= need) {
        parts.push(c);
        this.chunks.shift();
        need -= c.length;
      } else {
        parts.push(c.subarray(0, need));
        this.chunks[0] = c.subarray(need);
        need = 0;
      }
    }
    return Buffer.concat(parts, n);
  }
}

function header(first: number, flags: number, length: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(first >>> 0, 0);
  h.writeUInt32BE(((flags & 0xff) << 24 | length) >>> 0, 4);
  return h;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([header(0x80030000 | type, flags, payload.length), payload]);
}

export function dataFrame(streamId: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([header(streamId & 0x7fffffff, flags, payload.length), payload]);
}

function words(...vals: number[]): Buffer {
  const b = Buffer.alloc(vals.length * 4);
  vals.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

export const frames = {
  synReply: (streamId: number, flags: number, block: Buffer) => controlFrame(ControlType.SynReply, flags, Buffer.concat([words(streamId & 0x7fffffff), block])),
  rst: (streamId: number, status: number) => controlFrame(ControlType.RstStream, 0, words(streamId & 0x7fffffff, status)),
  ping: (id: number) => controlFrame(ControlType.Ping, 0, words(id)),
  goAway: (lastGood: number, status = 0) => controlFrame(ControlType.GoAway, 0, words(lastGood & 0x7fffffff, status)),
  windowUpdate: (streamId: number, delta: number) => controlFrame(ControlType.WindowUpdate, 0, words(streamId & 0x7fffffff, delta & 0x7fffffff)),
};

/** The stream id every stream-scoped control frame starts with. */
export function controlStreamId(payload: Buffer): number {
  return payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
}

/** Where the compressed header block starts in a SYN_STREAM (after ids, priority, slot) or SYN_REPLY/HEADERS. */
export function headerBlockOffset(type: number): number {
  return type === ControlType.SynStream ? 10 : 4;
}

/** A decompressed header block: count, then length-prefixed names and values (multi-values NUL-joined). */
export function decodeHeaderBlock(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  if (b.length < 4) return out;
  const n = b.readUInt32BE(0);
  let off = 4;
  for (let i = 0; i < n && off + 4 <= b.length; i++) {
    const nl = b.readUInt32BE(off);
    const name = b.subarray(off + 4, off + 4 + nl).toString('latin1').toLowerCase();
    off += 4 + nl;
    if (off + 4 > b.length) break;
    const vl = b.readUInt32BE(off);
    const value = b.subarray(off + 4, off + 4 + vl).toString('utf8');
    off += 4 + vl;
    out[name] = value.split('\0')[0] ?? '';
  }
  return out;
}

export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [words(entries.length)];
  for (const [k, v] of entries) {
    const name = Buffer.from(k.toLowerCase(), 'latin1');
    const value = Buffer.from(v, 'utf8');
    parts.push(words(name.length), name, words(value.length), value);
  }
  return Buffer.concat(parts);
}
