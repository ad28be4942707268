import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlType, controlFrame, dataFrame, encodeHeaderBlock, FLAG_FIN, type Frame, maxControlFrame, parseFrames } from './frames';
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
    const session = new SpdySession({ write: (b) => void out.push(b), end: () => undefined }, (s) => streams.push(s));
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

  it('assembles a 16 MiB DATA frame sent in 4 KiB pieces in linear time', async () => {
    const client = new HeaderCodec();
    const streams: SpdyStream[] = [];
    const session = new SpdySession({ write: () => true, end: () => undefined }, (s) => streams.push(s));
    session.feed(await synStream(client, 1, { streamtype: 'stdin' }));
    await new Promise((r) => setTimeout(r, 20));
    const payload = Buffer.alloc((1 << 24) - 1, 0x62);
    const frame = dataFrame(1, FLAG_FIN, payload);
    let got = 0;
    streams[0]?.on('data', (d: Buffer) => (got += d.length));
    const started = process.hrtime.bigint();
    // Re-concatenating the pending bytes on every piece copies ~32 GiB here; a chunk list copies 16 MiB.
    for (let off = 0; off < frame.length; off += 4096) session.feed(frame.subarray(off, off + 4096));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((r) => streams[0]?.on('end', r));
    assert.equal(got, payload.length);
    assert.ok(ms < 3000, `feeding took ${ms} ms`);
    client.close();
    session.transportClosed();
  });

  it('stops reading the transport while a stream\'s reader is behind, and resumes when it reads', async () => {
    const client = new HeaderCodec();
    const streams: SpdyStream[] = [];
    const calls: string[] = [];
    const session = new SpdySession({ write: () => true, end: () => undefined, pause: () => calls.push('pause'), resume: () => calls.push('resume') }, (s) => streams.push(s));
    session.feed(await synStream(client, 1, { streamtype: 'stdin' }));
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 4; i++) session.feed(dataFrame(1, 0, Buffer.alloc(8192)));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(calls, ['pause']);
    streams[0]?.resume();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(calls, ['pause', 'resume']);
    client.close();
    session.transportClosed();
  });

  it('resumes the transport once a stream that was behind is read to its FIN', async () => {
    const client = new HeaderCodec();
    const streams: SpdyStream[] = [];
    const calls: string[] = [];
    const session = new SpdySession({ write: () => true, end: () => undefined, pause: () => calls.push('pause'), resume: () => calls.push('resume') }, (s) => streams.push(s));
    session.feed(await synStream(client, 1, { streamtype: 'data' }));
    await new Promise((r) => setTimeout(r, 20));
    session.feed(Buffer.concat([dataFrame(1, 0, Buffer.alloc(32768)), dataFrame(1, FLAG_FIN, Buffer.alloc(0))]));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(calls, ['pause']);
    const s = streams[0];
    assert.ok(s);
    s.resume();
    await new Promise((r) => s.once('end', r));
    assert.deepEqual(calls, ['pause', 'resume']);
    client.close();
    session.transportClosed();
  });

  it('ends the session with GOAWAY (PROTOCOL_ERROR) on an oversized control frame', () => {
    const out: Buffer[] = [];
    let ended = false;
    const session = new SpdySession({ write: (b) => void out.push(b), end: () => (ended = true) }, () => undefined);
    const head = controlFrame(ControlType.SynStream, 0, Buffer.alloc(0));
    head.writeUIntBE(maxControlFrame + 1, 5, 3);
    session.feed(head);
    const [goAway] = parseFrames(Buffer.concat(out)).frames;
    assert.ok(goAway?.control && goAway.type === ControlType.GoAway);
    assert.equal(goAway.payload.readUInt32BE(4), 1);
    assert.ok(ended);
  });
});
