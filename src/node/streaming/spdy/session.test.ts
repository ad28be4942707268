import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlType, controlFrame, dataFrame, encodeHeaderBlock, FLAG_FIN, type Frame, parseFrames } from './frames';
import { SpdySession, type SpdyStream } from './session';
import { HeaderCodec } from './zlib-context';

/** A client's SYN_STREAM: stream id, associated id, priority/slot, then the compressed headers. */
async function synStream(codec: HeaderCodec, id: number, headers: Record<string, string>): Promise<Buffer> {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt32BE(id, 0);
  return controlFrame(ControlType.SynStream, 0, Buffer.concat([fixed, await codec.deflate(encodeHeaderBlock(headers))]));
}

describe('SPDY session (server side)', () => {
  it('replies to each stream, delivers data and FIN, answers pings, and echoes writes as DATA', async () => {
    const client = new HeaderCodec();
    const out: Buffer[] = [];
    const streams: SpdyStream[] = [];
    const session = new SpdySession({ write: (b) => out.push(b), end: () => undefined }, (s) => streams.push(s));
    session.feed(Buffer.concat([await synStream(client, 1, { streamtype: 'stdin' }), await synStream(client, 3, { streamtype: 'stdout' })]));
    session.feed(dataFrame(1, FLAG_FIN, Buffer.from('input')));
    session.feed(controlFrame(ControlType.Ping, 0, Buffer.from([0, 0, 0, 1])));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(streams.map((s) => s.headers['streamtype']), ['stdin', 'stdout']);
    const [stdin, stdout] = streams;
    let got = '';
    stdin?.on('data', (d: Buffer) => (got += d.toString()));
    await new Promise((r) => stdin?.on('end', r));
    assert.equal(got, 'input');
    await new Promise<void>((r) => stdout?.end('output', r));
    const sent: Frame[] = parseFrames(Buffer.concat(out)).frames;
    const kinds = sent.map((f) => (f.control ? `c${f.type}` : `d${f.streamId}${f.flags & FLAG_FIN ? 'fin' : ''}`));
    assert.deepEqual(kinds, ['c2', 'c2', 'c6', 'd3', 'd3fin']);
    client.close();
    session.transportClosed();
  });
});
