// The channel framing of Kubernetes' WebSocket protocols: every message starts with a channel
// byte (binary protocols) or an ASCII digit followed by base64 (base64.* protocols).
import { Writable } from 'node:stream';
import type WebSocket from 'ws';

export const CLOSE_CHANNEL = 255;

export interface Framing {
  base64: boolean;
}

export function framingOf(protocol: string): Framing {
  return { base64: protocol.startsWith('base64.') };
}

export function encodeMessage(f: Framing, channel: number, data: Buffer): Buffer | string {
  if (f.base64) return String.fromCharCode(48 + channel) + data.toString('base64');
  const out = Buffer.alloc(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

export function decodeMessage(f: Framing, msg: Buffer, isBinary: boolean): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  if (f.base64 && !isBinary) {
    const channel = (msg[0] ?? 48) - 48;
    return { channel, data: Buffer.from(msg.subarray(1).toString('latin1'), 'base64') };
  }
  return { channel: msg[0] ?? 0, data: msg.subarray(1) };
}

/** A writable whose chunks go out as messages on one channel (sent in order, with backpressure). */
export function channelWriter(ws: WebSocket, f: Framing, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb();
      ws.send(encodeMessage(f, channel, chunk), { binary: !f.base64 }, (err) => cb(err ?? null));
    },
  });
}
